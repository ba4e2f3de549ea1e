"""The Mastodon adapter: statuses with media and alt text on any instance, through plain requests on the seam.

Every create sends an `Idempotency-Key` derived from what is published (account, fingerprint, media),
so a repeated create for the same delivery returns the original status instead of posting twice.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from typing import Any, ClassVar

from django.utils.translation import gettext

from platforms.errors import NotSupported, OutcomeUnknown
from platforms.mastodon import media
from platforms.mastodon.client import Connection, connect
from platforms.mastodon.text import compose, fingerprint_text, html_to_text, length_problems
from platforms.types import (
    AccountInfo,
    AuthorizationStart,
    Capabilities,
    ChannelRef,
    InboxPage,
    PublishRequest,
    PublishResult,
    ReplyTarget,
    TokenGrant,
    WebhookItem,
)

FIND_PAGES = 3  # reconciliation reads at most 120 recent statuses: plenty for the minutes since an attempt
PAGE_SIZE = 40  # Mastodon's maximum `limit` for account statuses


def idempotency_key(request: PublishRequest, fingerprint: str) -> str:
    """Stable for one delivery's content, so every retry of it carries the same key."""
    parts = [request.channel.external_id, fingerprint,
             *(f"{item.mime_type}|{item.alt_text}" for item in request.media)]
    return "smo-" + hashlib.sha256("\n".join(parts).encode("utf-8")).hexdigest()[:48]


def parse_time(value: Any) -> datetime | None:
    try:
        return datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None


class MastodonAdapter:
    platform: ClassVar[str] = "mastodon"
    display_name: ClassVar[str] = "Mastodon"
    # The per-instance app registration and OAuth sign-in are not built yet: no Connect button until they are.
    connect_available: ClassVar[bool] = False
    capabilities: ClassVar[Capabilities] = Capabilities(
        text_limit=500,
        length_rule="Mastodon counts every link as 23 characters and a remote mention without its domain; "
                    "an instance may allow more than 500.",
        max_images=media.MAX_ATTACHMENTS,
        max_videos=1,
    )

    def __init__(self) -> None:
        self.last_rate_limits: dict[str, str] = {}

    # -- content ------------------------------------------------------------------------------

    def validate(self, request: PublishRequest) -> list[str]:
        text = compose(request)
        problems = []
        if not text and not request.media:
            problems.append(gettext("Mastodon needs text (or media) for a post; this post is empty."))
        if request.thread:
            problems.append(gettext("SMO does not publish Mastodon threads yet; publish the parts as separate "
                                    "posts."))
        if request.poll_options or request.quote_of:
            problems.append(gettext("SMO does not publish Mastodon polls or quotes; remove them for this channel."))
        return problems + length_problems(text) + media.problems(request.media)

    def fingerprint(self, request: PublishRequest) -> str:
        return fingerprint_text(compose(request))

    # -- publishing ---------------------------------------------------------------------------

    def publish(self, request: PublishRequest) -> PublishResult:
        conn = connect(request.channel)
        try:
            media_ids = media.prepare(conn, request) if request.media else []
        finally:
            self.last_rate_limits = conn.last_headers
        body: dict[str, Any] = {"status": compose(request), "visibility": "public"}
        if media_ids:
            body["media_ids"] = media_ids
        key = idempotency_key(request, self.fingerprint(request))
        return self._create(conn, body, key, progress={"media": [{"id": i, "ready": True} for i in media_ids]})

    def _create(self, conn: Connection, body: dict[str, Any], key: str, progress: dict | None = None) -> PublishResult:
        try:
            status = conn.json("POST", "/api/v1/statuses", json=body, create=True, progress=progress,
                               headers={"Idempotency-Key": key})
        finally:
            self.last_rate_limits = conn.last_headers
        if not isinstance(status, dict) or not status.get("id"):
            raise OutcomeUnknown("Mastodon accepted the post but returned no id; SMO will check the account.")
        return PublishResult(external_id=str(status["id"]), permalink=str(status.get("url") or status.get("uri") or ""),
                             published_at=parse_time(status.get("created_at")) or datetime.now(UTC))

    def find_published(self, channel: ChannelRef, fingerprint: str, since: datetime) -> PublishResult | None:
        conn = connect(channel)
        matches: list[dict[str, Any]] = []
        params: dict[str, Any] = {"limit": PAGE_SIZE, "exclude_reblogs": "true"}
        for _ in range(FIND_PAGES):
            page = conn.json("GET", f"/api/v1/accounts/{channel.external_id}/statuses", params=params)
            if not isinstance(page, list) or not page:
                break
            for status in page:
                created = parse_time(status.get("created_at"))
                if created is not None and created < since:
                    continue
                if fingerprint_text(html_to_text(str(status.get("content") or ""))) == fingerprint:
                    matches.append(status)
            oldest = parse_time(page[-1].get("created_at"))
            if oldest is not None and oldest < since:
                break
            params = {**params, "max_id": page[-1]["id"]}
        self.last_rate_limits = conn.last_headers
        if not matches:
            return None
        status = matches[-1]  # newest first: the oldest match is the one the lost create made
        return PublishResult(external_id=str(status["id"]), permalink=str(status.get("url") or ""),
                             published_at=parse_time(status.get("created_at")))

    # -- inbox (next session: notifications?types[]=mention and conversations) -------------------

    def fetch_inbox(self, channel: ChannelRef, cursor: str) -> InboxPage:
        raise NotSupported("SMO does not read the Mastodon inbox yet.", platform_code="inbox")

    def reply(self, channel: ChannelRef, target: ReplyTarget, text: str) -> PublishResult:
        raise NotSupported("SMO does not answer on Mastodon yet.", platform_code="inbox")

    def set_hidden(self, channel: ChannelRef, external_id: str, hidden: bool) -> None:
        raise NotSupported("Mastodon cannot hide replies to a post.", platform_code="hide")

    def webhook_items(self, payload: dict) -> list[WebhookItem]:
        return []  # Mastodon has no per-user webhooks (only streaming and Web Push)

    # -- connect (next session: per-instance app registration + OAuth code) ---------------------

    def authorization_url(self, redirect_uri: str) -> AuthorizationStart:
        raise NotSupported("Connecting Mastodon through SMO is not available yet.", platform_code="connect")

    def exchange_code(self, code: str, redirect_uri: str, code_verifier: str) -> TokenGrant:
        raise NotSupported("Connecting Mastodon through SMO is not available yet.", platform_code="connect")

    def refresh(self, channel: ChannelRef) -> TokenGrant:
        # Mastodon tokens do not expire and there is no refresh grant: the token stays what it is.
        creds = channel.credentials
        return TokenGrant(access_token=creds.access_token, extra=dict(creds.extra))

    def verify(self, channel: ChannelRef) -> AccountInfo:
        conn = connect(channel)
        user = conn.json("GET", "/api/v1/accounts/verify_credentials")
        if not isinstance(user, dict) or not user.get("id") or not user.get("acct"):
            raise NotSupported("Mastodon did not say which account this token belongs to; try connecting again.")
        return AccountInfo(external_id=str(user["id"]), display_name=str(user.get("display_name") or user["acct"]),
                           handle=str(user["acct"]), avatar_url=str(user.get("avatar") or ""))
