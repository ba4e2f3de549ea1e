"""The Mastodon adapter: statuses with media and alt text on any instance, through plain requests on the seam.

Every create sends an `Idempotency-Key` derived from what is published (account, fingerprint, media),
so a repeated create for the same delivery returns the original status instead of posting twice.
"""

from __future__ import annotations

import hashlib
import re
from datetime import UTC, datetime
from typing import Any, ClassVar

from django import forms
from django.utils.translation import gettext, gettext_lazy

from platforms.errors import AuthExpired, NotSupported, OutcomeUnknown
from platforms.mastodon import connect as connecting
from platforms.mastodon import inbox, media
from platforms.mastodon.client import Connection, account_id, connect
from platforms.mastodon.text import (
    DEFAULT_MAX_CHARACTERS,
    compose,
    fingerprint_text,
    html_to_text,
    length_problems,
    weighted_length,
)
from platforms.options import CHOICE, TEXT, OptionField
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

VISIBILITIES = ("public", "unlisted", "private", "direct")
LANGUAGE = re.compile(r"^[a-z]{2,3}$")  # ISO 639-1 or 639-3, as Mastodon takes it
MAX_SPOILER_INPUT = 1500
FIND_PAGES = 3  # reconciliation reads at most 120 recent statuses: plenty for the minutes since an attempt
PAGE_SIZE = 40  # Mastodon's maximum `limit` for account statuses


def idempotency_key(request: PublishRequest, fingerprint: str) -> str:
    """Stable for one delivery's content, so every retry of it carries the same key."""
    parts = [request.channel.external_id, fingerprint,
             *(f"{item.mime_type}|{item.alt_text}" for item in request.media),
             *(f"{name}={value}" for name, value in sorted(request.options.items()))]
    return "smo-" + hashlib.sha256("\n".join(parts).encode("utf-8")).hexdigest()[:48]


def parse_time(value: Any) -> datetime | None:
    try:
        return datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None


class MastodonAdapter:
    platform: ClassVar[str] = "mastodon"
    display_name: ClassVar[str] = "Mastodon"
    connect_form: ClassVar[type[forms.Form]] = connecting.MastodonConnectForm
    capabilities: ClassVar[Capabilities] = Capabilities(
        text_limit=DEFAULT_MAX_CHARACTERS,
        length_rule="Mastodon counts every link as 23 characters and a remote mention without its domain; "
                    "the content warning counts too, and an instance may allow more than 500.",
        max_images=media.MAX_ATTACHMENTS,
        max_videos=1,
        inbox_kinds=("reply", "mention", "message"),
    )
    option_fields: ClassVar[tuple[OptionField, ...]] = (
        OptionField("spoiler_text", gettext_lazy("Content warning"), kind=TEXT, max_length=MAX_SPOILER_INPUT,
                    help_text=gettext_lazy("Shown instead of the post until a reader opens it; counts toward "
                                           "the length limit.")),
        OptionField("visibility", gettext_lazy("Visibility"), kind=CHOICE, default="public", choices=(
            ("public", gettext_lazy("Public")), ("unlisted", gettext_lazy("Unlisted (quiet public)")),
            ("private", gettext_lazy("Followers only")), ("direct", gettext_lazy("Mentioned people only")))),
        OptionField("language", gettext_lazy("Language"), kind=TEXT, max_length=3,
                    help_text=gettext_lazy("Two-letter language code such as en or de; empty lets the server "
                                           "guess.")),
    )

    def __init__(self) -> None:
        self.last_rate_limits: dict[str, str] = {}

    # -- content ------------------------------------------------------------------------------

    @classmethod
    def composed_text(cls, request: PublishRequest) -> str:
        return compose(request)

    @staticmethod
    def text_length(text: str) -> int:
        return weighted_length(text)

    @classmethod
    def text_limit_for(cls, request: PublishRequest) -> int:
        """The channel's own limit: each instance sets it (learned at connect), 500 unless it said more."""
        return instance_limit(request.channel)

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
        spoiler = str(request.options.get("spoiler_text") or "").strip()
        limit = instance_limit(request.channel)
        return (problems + option_problems(request.options) + length_problems(text, limit, spoiler)
                + media.problems(request.media))

    def fingerprint(self, request: PublishRequest) -> str:
        return fingerprint_text(compose(request))

    # -- publishing ---------------------------------------------------------------------------

    def publish(self, request: PublishRequest) -> PublishResult:
        conn = connect(request.channel)
        try:
            media_ids = media.prepare(conn, request) if request.media else []
        finally:
            self.last_rate_limits = conn.last_headers
        body: dict[str, Any] = {"status": compose(request), **status_options(request.options)}
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
            page = conn.json("GET", f"/api/v1/accounts/{account_id(channel)}/statuses", params=params)
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

    # -- inbox: mentions and direct conversations ---------------------------------------------

    def fetch_inbox(self, channel: ChannelRef, cursor: str) -> InboxPage:
        conn = connect(channel)
        try:
            return inbox.fetch(conn, channel, cursor)
        finally:
            self.last_rate_limits = conn.last_headers

    def reply(self, channel: ChannelRef, target: ReplyTarget, text: str) -> PublishResult:
        conn = connect(channel)
        try:
            return inbox.send_reply(conn, channel, target, text)
        finally:
            self.last_rate_limits = conn.last_headers

    def set_hidden(self, channel: ChannelRef, external_id: str, hidden: bool) -> None:
        raise NotSupported("Mastodon cannot hide replies to a post.", platform_code="hide")

    def webhook_items(self, payload: dict) -> list[WebhookItem]:
        return []  # Mastodon has no per-user webhooks (only streaming and Web Push)

    # -- connect: the instance form, then OAuth on that instance ---------------------------------

    def start_connect(self, data: dict[str, Any], redirect_uri: str) -> AuthorizationStart:
        return connecting.start(data, redirect_uri)

    def authorization_url(self, redirect_uri: str) -> AuthorizationStart:
        raise NotSupported("Mastodon needs to know the server first: connect it through its form.",
                           platform_code="connect")

    def exchange_code(self, code: str, redirect_uri: str, code_verifier: str) -> TokenGrant:
        return connecting.exchange(code, redirect_uri, code_verifier)

    def refresh(self, channel: ChannelRef) -> TokenGrant:
        """Mastodon tokens do not expire and have no refresh grant: the token stays, unless it was revoked."""
        try:
            self.verify(channel)
        except AuthExpired:
            raise AuthExpired("Mastodon no longer accepts this account's sign-in (it was revoked or the account "
                              "is gone). Connect the channel again.", platform_code="revoked") from None
        creds = channel.credentials
        return TokenGrant(access_token=creds.access_token, extra=dict(creds.extra))

    def verify(self, channel: ChannelRef) -> AccountInfo:
        conn = connect(channel)
        user = conn.json("GET", "/api/v1/accounts/verify_credentials")
        if not isinstance(user, dict) or not user.get("id") or not user.get("acct"):
            raise NotSupported("Mastodon did not say which account this token belongs to; try connecting again.")
        limit = connecting.max_characters(conn)
        self.last_rate_limits = conn.last_headers
        host = conn.base_url.split("://", 1)[-1]
        return AccountInfo(external_id=f"{user['id']}@{host}",
                           display_name=str(user.get("display_name") or user["acct"]),
                           handle=full_handle(str(user["acct"]), conn.base_url),
                           avatar_url=str(user.get("avatar") or ""),
                           info={connecting.MAX_CHARACTERS_KEY: limit, "instance": conn.base_url})


def full_handle(acct: str, base_url: str) -> str:
    """"user@instance": a local acct is only the username, which is ambiguous across instances."""
    return acct if "@" in acct else f"{acct}@{base_url.split('://', 1)[-1]}"


def instance_limit(channel: ChannelRef) -> int:
    try:
        limit = int(channel.credentials.extra.get(connecting.MAX_CHARACTERS_KEY) or DEFAULT_MAX_CHARACTERS)
    except (TypeError, ValueError):
        return DEFAULT_MAX_CHARACTERS
    return limit if limit > 0 else DEFAULT_MAX_CHARACTERS


def option_problems(options: dict[str, Any]) -> list[str]:
    problems = []
    if str(options.get("visibility") or "public") not in VISIBILITIES:
        problems.append(gettext("Mastodon's visibility is public, unlisted, followers only or mentioned people "
                                "only; pick one of them."))
    language = str(options.get("language") or "").strip()
    if language and not LANGUAGE.match(language):
        problems.append(gettext("Mastodon takes the language as a two-letter code such as en or de; "
                                "“%(language)s” is not one.") % {"language": language})
    return problems


def status_options(options: dict[str, Any]) -> dict[str, Any]:
    """The status fields the channel's options ask for (content warning, visibility, language)."""
    fields: dict[str, Any] = {"visibility": str(options.get("visibility") or "public")}
    spoiler = str(options.get("spoiler_text") or "").strip()
    if spoiler:
        fields["spoiler_text"] = spoiler
        fields["sensitive"] = True  # a content warning also hides the attached media, as Mastodon's own UI does
    if str(options.get("language") or "").strip():
        fields["language"] = str(options["language"]).strip()
    return fields
