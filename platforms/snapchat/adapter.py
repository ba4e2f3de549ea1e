"""The Snapchat adapter: one photo or video to a Public Profile's Story, or one video to Spotlight.

Snap opens the Public Profile API to allowlisted apps only (reference §11), so the channel screens show
that Snap's approval is needed. Paths and answer shapes follow Snap's Public Profile API pages as far as
they were captured; every guess is marked `unverified` where it is made.

There is no comment, message or webhook API: the inbox methods say so plainly.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, ClassVar

from django.utils.translation import gettext_lazy

from platforms.errors import NotSupported, OutcomeUnknown
from platforms.options import CHOICE, TEXT, OptionField
from platforms.publish_only import PublishOnly
from platforms.snapchat import media, oauth, text
from platforms.snapchat.client import connect, entities
from platforms.types import (
    AccountInfo,
    AuthorizationStart,
    Capabilities,
    ChannelRef,
    PublishRequest,
    PublishResult,
    TokenGrant,
)

NO_INBOX = "Snapchat has no API for comments or messages on a Public Profile, so SMO cannot read or answer them."
FIND_LIMIT = 50  # reconciliation looks back minutes, not days: the newest 50 of each kind is plenty
PROFILE_URL = "https://www.snapchat.com/add/{handle}"
SPOTLIGHT_URL = "https://www.snapchat.com/spotlight/{id}"  # unverified: the public Spotlight link shape


def parse_time(value: Any) -> datetime | None:
    try:
        moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


class SnapchatAdapter(PublishOnly):
    no_inbox_message: ClassVar[str] = NO_INBOX
    platform: ClassVar[str] = "snapchat"
    display_name: ClassVar[str] = "Snapchat"
    requires_partner_approval: ClassVar[bool] = True
    partner_approval_note: ClassVar[Any] = gettext_lazy(
        "Snap opens its Public Profile API only to apps it has approved: your Snap OAuth app must be on Snap's "
        "allowlist before SMO can publish.")
    capabilities: ClassVar[Capabilities] = Capabilities(
        text_limit=text.DESCRIPTION_LIMIT,
        length_rule="Snapchat counts every character of a Spotlight description, hashtags included; "
                    "Stories carry no text.",
        max_images=1,
        max_videos=1,
        inbox_kinds=(),
    )
    option_fields: ClassVar[tuple[OptionField, ...]] = (
        OptionField("placement", gettext_lazy("Where to post"), kind=CHOICE, required=True, default=text.STORY,
                    choices=((text.STORY, gettext_lazy("Story (visible for 24 hours)")),
                             (text.SPOTLIGHT, gettext_lazy("Spotlight (videos only)"))),
                    help_text=gettext_lazy("A Story shows the photo or video without text; Spotlight shows the "
                                           "video with the post's text as its description.")),
        OptionField("locale", gettext_lazy("Spotlight language"), kind=TEXT, default=text.DEFAULT_LOCALE,
                    max_length=5, help_text=gettext_lazy("Spotlight only: language and country, such as en_US.")),
    )

    @staticmethod
    def composed_text(request: PublishRequest) -> str:
        return text.composed_text(request)

    # -- content ------------------------------------------------------------------------------

    def validate(self, request: PublishRequest) -> list[str]:
        return text.text_problems(request) + media.problems(request)

    def fingerprint(self, request: PublishRequest) -> str:
        return text.fingerprint(request)

    # -- publishing ---------------------------------------------------------------------------

    def publish(self, request: PublishRequest) -> PublishResult:
        conn = connect(request.channel)
        media_id = media.prepare(conn, request, text.media_name(self.fingerprint(request)))
        profile_id = request.channel.external_id
        if text.placement(request) == text.SPOTLIGHT:
            body = conn.json("POST", f"/v1/public_profiles/{profile_id}/spotlights", create=True, json={
                "media_id": media_id, "description": text.composed_text(request),
                "locale": text.locale(request), "skip_save_to_profile": False})
            created = entities(body, "spotlight", "spotlights")
        else:
            body = conn.json("POST", f"/v1/public_profiles/{profile_id}/stories", create=True,
                             json={"media_id": media_id})
            created = entities(body, "story", "stories")
        if not created or not created[0].get("id"):
            raise OutcomeUnknown("Snapchat accepted the post but returned no id; SMO will check the profile.",
                                 platform_code="no_id")
        return self._result(request.channel, created[0], spotlight=text.placement(request) == text.SPOTLIGHT)

    @staticmethod
    def _result(channel: ChannelRef, item: dict[str, Any], *, spotlight: bool) -> PublishResult:
        permalink = (SPOTLIGHT_URL.format(id=item["id"]) if spotlight
                     else PROFILE_URL.format(handle=channel.handle) if channel.handle else "")
        return PublishResult(external_id=str(item["id"]), permalink=permalink,
                             published_at=parse_time(item.get("created_at")) or datetime.now(UTC))

    def find_published(self, channel: ChannelRef, fingerprint: str, since: datetime) -> PublishResult | None:
        """The post whose media container carries this fingerprint's name, among the profile's recent
        stories and spotlights. unverified: the two list endpoints and their `media_id` field."""
        conn = connect(channel)
        wanted = text.media_name(fingerprint)
        matches: list[tuple[datetime, dict[str, Any], bool]] = []
        for plural, singular, spotlight in (("stories", "story", False), ("spotlights", "spotlight", True)):
            body = conn.json("GET", f"/v1/public_profiles/{channel.external_id}/{plural}", params={"limit": FIND_LIMIT})
            for item in entities(body, singular, plural):
                created = parse_time(item.get("created_at"))
                if created is None or created < since or not item.get("id") or not item.get("media_id"):
                    continue
                if media.media_name_of(conn, channel.external_id, str(item["media_id"])) == wanted:
                    matches.append((created, item, spotlight))
        if not matches:
            return None
        _, item, spotlight = min(matches, key=lambda match: match[0])  # the first one is what the lost create made
        return self._result(channel, item, spotlight=spotlight)

    # -- connect ------------------------------------------------------------------------------

    def authorization_url(self, redirect_uri: str) -> AuthorizationStart:
        return oauth.authorization_start(redirect_uri)

    def exchange_code(self, code: str, redirect_uri: str, code_verifier: str) -> TokenGrant:
        return oauth.exchange_code(code, redirect_uri)

    def refresh(self, channel: ChannelRef) -> TokenGrant:
        return oauth.refresh(channel.credentials.refresh_token)

    def verify(self, channel: ChannelRef) -> AccountInfo:
        """The Public Profile this login manages (the channel's own when it has one, else the first)."""
        conn = connect(channel)
        # unverified: GET /v1/me/public_profiles (seen in integrations; not on a captured Snap page).
        profiles = entities(conn.json("GET", "/v1/me/public_profiles"), "public_profile", "public_profiles")
        profiles = [p for p in profiles if p.get("id")]
        chosen = next((p for p in profiles if str(p["id"]) == channel.external_id), None) or \
            (profiles[0] if profiles else None)
        if chosen is None:
            raise NotSupported("This Snapchat login manages no Public Profile; create one in Snapchat first.",
                               platform_code="no_profile")
        return _account(chosen)


def _account(profile: dict[str, Any]) -> AccountInfo:
    handle = str(profile.get("snap_user_name") or profile.get("username") or "")
    logos = profile.get("logo_urls") if isinstance(profile.get("logo_urls"), dict) else {}
    return AccountInfo(external_id=str(profile["id"]), display_name=str(profile.get("display_name") or handle),
                       handle=handle, avatar_url=str(logos.get("original_logo_url") or ""),
                       info={"profile_tier": str(profile.get("profile_tier") or "")})


__all__ = ["SnapchatAdapter"]
