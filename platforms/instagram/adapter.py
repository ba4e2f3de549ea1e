"""The Instagram adapter: both login variants, container -> status -> media_publish, and the inbox.

A channel is one Instagram professional account: `external_id` is the IG user id. With Facebook
Login the token is the linked Page's (graph.facebook.com); with Instagram Login it is the account's
own 60-day token (graph.instagram.com, `credentials.extra["login"] == "instagram"`). Publishing
(reference §3.2):
1. check `content_publishing_limit` (50 posts per moving 24 h): a full quota waits, visibly;
2. create the container(s) and read their status once; still processing -> NotReady (containers.py);
3. on the next call, the quota again, then `media_publish`, the one irreversible call;
4. the permalink; 5. the optional first comment (only ever a warning).
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from itertools import islice
from typing import Any, ClassVar

from platforms.errors import ContentRejected, NotSupported, PlatformError
from platforms.facebook.adapter import parse_time
from platforms.instagram import oauth, text
from platforms.instagram.client import Connection, connect, uses_instagram_login
from platforms.instagram.containers import ContainerSteps
from platforms.instagram.inbox import InboxCalls
from platforms.instagram.translate import quota_exhausted, translate
from platforms.types import (
    AccountInfo,
    AuthorizationStart,
    Capabilities,
    ChannelRef,
    PublishRequest,
    PublishResult,
    TokenGrant,
)

logger = logging.getLogger(__name__)

QUOTA_WINDOW = timedelta(hours=24)
FIND_LIMIT = 200
MEDIA_FIELDS = "id,caption,permalink,timestamp"


class _ConnectedThrough:
    """"facebook" (no button of its own: the Page picker offers linked accounts) unless Instagram
    Login is configured, in which case the channel list offers "Connect Instagram" too."""

    def __get__(self, instance: object, owner: type) -> str:
        return "" if oauth.configured() else "facebook"


class InstagramAdapter(ContainerSteps, InboxCalls):
    platform: ClassVar[str] = "instagram"
    display_name: ClassVar[str] = "Instagram"
    translate_error = staticmethod(translate)
    capabilities: ClassVar[Capabilities] = Capabilities(
        text_limit=text.MAX_CAPTION,
        length_rule="Instagram counts every character of the caption once (2,200 at most, 30 hashtags).",
        max_images=text.MAX_CAROUSEL,
        max_videos=text.MAX_CAROUSEL,
        supports_first_comment=True,
        inbox_kinds=("comment", "reply", "message"),
        webhooks=True,
    )
    connected_through = _ConnectedThrough()

    def __init__(self) -> None:
        self.last_rate_limits: dict[str, str] = {}  # usage headers of the last call, for pacing

    # -- content ------------------------------------------------------------------------------

    def validate(self, request: PublishRequest) -> list[str]:
        return text.problems(request)

    def fingerprint(self, request: PublishRequest) -> str:
        return text.fingerprint(request)

    # -- publishing ---------------------------------------------------------------------------

    def publish(self, request: PublishRequest) -> PublishResult:
        self._guard(request)
        conn = connect(request.channel)
        resumed = bool(request.progress)
        if not resumed:
            self._check_quota(conn)  # before the first container: a full quota creates nothing
        container = self._ready_container(conn, request)
        if resumed:
            self._check_quota(conn)  # time has passed since the first call
        media_id = self._media_publish(conn, container)
        link = self._permalink(conn, media_id)
        warning = self._first_comment(conn, media_id, request.first_comment.strip())
        return PublishResult(external_id=media_id, permalink=link, published_at=datetime.now(UTC), warning=warning)

    def _guard(self, request: PublishRequest) -> None:
        """The engine validates first; this guards direct callers with the same sentences."""
        problems = text.problems(request)
        if problems:
            raise ContentRejected(" ".join(problems))

    def _check_quota(self, conn: Connection) -> None:
        answer = self._call(conn, False, conn.graph.get_connections, conn.ig_id, "content_publishing_limit",
                            fields="quota_usage,config")
        entry = (answer.get("data") or [{}])[0]
        used, total = entry.get("quota_usage"), (entry.get("config") or {}).get("quota_total")
        if isinstance(used, int) and isinstance(total, int) and used >= total:
            raise quota_exhausted(total, self._quota_reset(conn))

    def _quota_reset(self, conn: Connection) -> datetime | None:
        """When the oldest post of the last 24 hours leaves the window; None when unknown."""
        since = datetime.now(UTC) - QUOTA_WINDOW
        try:
            media = self._call(conn, False, conn.graph.get_connections, conn.ig_id, "media",
                               since=int(since.timestamp()), fields="timestamp", limit=100)
        except PlatformError:
            return None  # the wait falls back to a conservative default; the quota error still stands
        times = [t for t in (parse_time(m.get("timestamp")) for m in media.get("data") or []) if t and t > since]
        reset = min(times) + QUOTA_WINDOW if times else None
        return reset if reset and reset > datetime.now(UTC) else None

    def _permalink(self, conn: Connection, media_id: str) -> str:
        """Never raises: the post is live, and raising would make the engine publish it again."""
        try:
            answer = self._call(conn, False, conn.graph.get_object, media_id, fields="permalink")
        except PlatformError as exc:
            logger.warning("Instagram permalink of %s unavailable: %s", media_id, exc.message)
            return ""
        link = str(answer.get("permalink") or "")
        return link if link.startswith("https://") else ""

    # -- reconciliation -----------------------------------------------------------------------

    def find_published(self, channel: ChannelRef, fingerprint: str, since: datetime) -> PublishResult | None:
        conn = connect(channel)
        media = self._call(conn, False, lambda: list(islice(conn.graph.get_all_connections(
            conn.ig_id, "media", since=int(since.timestamp()), fields=MEDIA_FIELDS, limit=100), FIND_LIMIT)))
        matches = [m for m in media if text.fingerprint_caption(m.get("caption") or "") == fingerprint]
        if not matches:
            return None
        found = matches[-1]  # newest first: the oldest match is the one the lost create made
        return PublishResult(external_id=str(found["id"]), permalink=str(found.get("permalink") or ""),
                             published_at=parse_time(found.get("timestamp")))

    def verify(self, channel: ChannelRef) -> AccountInfo:
        # A connect probe has no id yet; only Instagram Login connects through this adapter's own sign-in.
        if uses_instagram_login(channel) or not channel.external_id:
            return self._verify_instagram_login(channel)
        conn = connect(channel)
        account = self._call(conn, False, conn.graph.get_object, conn.ig_id, fields="id,username,name")
        return _account(account, str(account.get("id") or ""))

    def _verify_instagram_login(self, channel: ChannelRef) -> AccountInfo:
        extra = {**channel.credentials.extra, "login": "instagram"}
        probe = ChannelRef(channel.platform, channel.external_id, channel.handle,
                           credentials=type(channel.credentials)(access_token=channel.credentials.access_token,
                                                                 extra=extra))
        conn = connect(probe)
        # /me's `id` is app-scoped; `user_id` is the IG professional account id the other endpoints take.
        me = self._call(conn, False, conn.graph.get_object, "me", fields="user_id,username,name,profile_picture_url")
        return _account(me, str(me.get("user_id") or ""))

    # -- connect ------------------------------------------------------------------------------

    def authorization_url(self, redirect_uri: str) -> AuthorizationStart:
        return oauth.authorization_start(redirect_uri)

    def exchange_code(self, code: str, redirect_uri: str, code_verifier: str) -> TokenGrant:
        return oauth.exchange_code(code, redirect_uri)

    def refresh(self, channel: ChannelRef) -> TokenGrant:
        if not uses_instagram_login(channel):
            # A Page token from a long-lived user token does not expire; reconnect if it dies.
            raise NotSupported("Instagram tokens from Facebook Login are not refreshed; reconnect the channel instead.")
        return oauth.refresh(channel.credentials.access_token)


def _account(answer: dict[str, Any], account_id: str) -> AccountInfo:
    if not account_id.isdigit():
        raise NotSupported("Instagram did not say which account this token belongs to; try connecting again.")
    handle = str(answer.get("username") or account_id)
    avatar = str(answer.get("profile_picture_url") or "")
    return AccountInfo(external_id=account_id, display_name=str(answer.get("name") or handle), handle=handle,
                       avatar_url=avatar if avatar.startswith("https://") else "")

