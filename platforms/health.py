"""What the channels page says about each channel: a status, the scopes it lacks, and advice.

Pure reads over a Channel row; no queries and no network. The scope table lives here rather than in
the adapter packages so the health view does not depend on adapter internals: it lists what SMO's
features need per platform (reference/platform-apis.md), whether or not the adapter asks for it yet.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from platforms.models import Channel, Health, NoticeKind

PUBLISHING = gettext_lazy("publishing")
MEDIA = gettext_lazy("media uploads")
COMMENTS = gettext_lazy("comments and replies")
MESSAGES = gettext_lazy("direct messages")
ACCOUNT = gettext_lazy("reading the account")

# platform key -> (scope, what it is needed for). Missing a PUBLISHING scope makes the channel unhealthy;
# the others only switch a feature off, so they are listed without alarming the badge.
REQUIRED_SCOPES: dict[str, tuple[tuple[str, object], ...]] = {
    "x": (("tweet.read", PUBLISHING), ("tweet.write", PUBLISHING), ("users.read", PUBLISHING),
          ("offline.access", PUBLISHING), ("media.write", MEDIA), ("dm.read", MESSAGES), ("dm.write", MESSAGES)),
    "facebook": (("pages_manage_posts", PUBLISHING), ("pages_read_engagement", PUBLISHING),
                 ("pages_show_list", ACCOUNT), ("pages_manage_engagement", COMMENTS),
                 ("pages_messaging", MESSAGES)),
    "instagram": (("instagram_basic", PUBLISHING), ("instagram_content_publish", PUBLISHING),
                  ("instagram_manage_comments", COMMENTS), ("instagram_manage_messages", MESSAGES)),
}

# Instagram Login grants the same permissions under other names (reference §3.2); either satisfies the need.
SCOPE_ALIASES: dict[str, str] = {
    "instagram_basic": "instagram_business_basic",
    "instagram_content_publish": "instagram_business_content_publish",
    "instagram_manage_comments": "instagram_business_manage_comments",
    "instagram_manage_messages": "instagram_business_manage_messages",
}

# Error code (platform code or SMO's own) -> what the admin can do about it.
_RECONNECT = gettext_lazy("The platform no longer accepts SMO's login (it expired, was revoked, or the password "
                          "changed). Reconnect the account to publish again.")
_PERMISSION = gettext_lazy("The platform refused for lack of permission. Reconnect and grant every permission "
                           "SMO asks for; on Facebook your Page role must also allow publishing.")
_RATE = gettext_lazy("The platform is limiting requests for this account. SMO waits until the limit resets; "
                     "nothing to do unless it keeps happening.")
_UNREACHABLE = gettext_lazy("The platform could not be reached. SMO retries on its own; check the platform's "
                            "status page if this persists.")
ERROR_ADVICE: dict[str, object] = {
    "disconnected": gettext_lazy("A workspace admin disconnected this channel. Reconnect it to publish again."),
    "refresh_failed": gettext_lazy("SMO could not renew the login this time and will try again shortly. "
                                   "Reconnect only if this stays for more than an hour."),
    "368": gettext_lazy("Facebook temporarily blocked this account from posting (policy). Check the Page's "
                        "notifications on Facebook."),
    **dict.fromkeys(("190", "102", "401", "invalid_grant", "invalid_request", "invalid_token", "AuthExpired",
                     "auth_expired"), _RECONNECT),
    **dict.fromkeys(("10", "200", "403"), _PERMISSION),
    **dict.fromkeys(("4", "17", "32", "613", "80001", "80002", "429", "RateLimited"), _RATE),
    **dict.fromkeys(("network", "500", "502", "503", "504", "TransientError"), _UNREACHABLE),
}
EXPIRY_WARNING = timedelta(days=7)


@dataclass(frozen=True)
class ChannelHealth:
    status: str  # ok, expiring, paused, missing_scopes, expired, needs_reconnect, error
    label: str
    tone: str  # Bootstrap colour: success, warning, danger, info
    missing_scopes: tuple[str, ...] = ()
    advice: tuple[str, ...] = field(default_factory=tuple)

    @property
    def healthy(self) -> bool:
        return self.status in ("ok", "expiring")


def missing_scopes(channel: Channel) -> list[tuple[str, object]]:
    granted = set(channel.scopes or [])
    return [(scope, need) for scope, need in REQUIRED_SCOPES.get(channel.platform, ())
            if scope not in granted and SCOPE_ALIASES.get(scope) not in granted]


def error_advice(channel: Channel) -> str:
    if not channel.last_error:
        return ""
    advice = ERROR_ADVICE.get(channel.last_error_code)
    if advice is None and channel.health == Health.NEEDS_RECONNECT:
        advice = _RECONNECT
    return str(advice or _("If this keeps happening, reconnect the account."))


def channel_health(channel: Channel, now: datetime) -> ChannelHealth:
    """The verdict for one channel, worst problem first; every problem adds its own advice."""
    missing = missing_scopes(channel)
    advice = [text for text in (error_advice(channel), _scope_advice(missing)) if text]
    status, label, tone = _verdict(channel, now, missing)
    if status == "paused":
        advice.insert(0, _("Posts for this channel wait until the platform's limit resets."))
    if status == "expired":
        advice.insert(0, _("The login expired and could not be renewed. Reconnect the account."))
    return ChannelHealth(status, label, tone, tuple(scope for scope, _need in missing), tuple(advice))


def _verdict(channel: Channel, now: datetime, missing: list[tuple[str, object]]) -> tuple[str, str, str]:
    expires = channel.token_expires_at
    if channel.health == Health.NEEDS_RECONNECT:
        return "needs_reconnect", _("Needs reconnect"), "warning"
    if channel.health == Health.ERROR:
        return "error", _("Error"), "danger"
    if expires is not None and expires <= now:
        return "expired", _("Login expired"), "danger"
    if channel.paused_until is not None and channel.paused_until > now:
        return "paused", _("Paused"), "info"
    if any(need is PUBLISHING for _scope, need in missing):
        return "missing_scopes", _("Missing permissions"), "warning"
    if expires is not None and expires - now < EXPIRY_WARNING and not (channel.credentials or {}).get("refresh_token"):
        return "expiring", _("Healthy, login expires soon"), "success"
    return "ok", _("Healthy"), "success"


def _scope_advice(missing: list[tuple[str, object]]) -> str:
    if not missing:
        return ""
    needs = sorted({str(need) for _scope, need in missing})
    return _("Reconnect and grant %(scopes)s (needed for %(needs)s).") % {
        "scopes": ", ".join(scope for scope, _need in missing), "needs": ", ".join(needs)}


def channel_problems(channel: Channel, due_at: datetime, now: datetime) -> list[str]:
    """Why this channel will not publish a post due at `due_at` (empty: it will)."""
    if channel.health != Health.OK:
        return [NoticeKind.NEEDS_RECONNECT.value]
    problems: list[str] = []
    if channel.paused_until is not None and channel.paused_until > max(now, due_at):
        problems.append(NoticeKind.PAUSED.value)
    expires = channel.token_expires_at
    renewable = bool((channel.credentials or {}).get("refresh_token"))
    if expires is not None and (expires <= now or (expires <= due_at and not renewable)):
        problems.append(NoticeKind.TOKEN_EXPIRED.value)
    return problems
