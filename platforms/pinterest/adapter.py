"""The Pinterest adapter (API v5, reference §6): a Pin on a chosen board from one image, a carousel of
2 to 5 images, or a video (uploaded, processed, then pinned with a cover). Publish-only: Pinterest's API
has no comments, messages or webhooks, so the inbox calls answer NotSupported.

A channel is one Pinterest account; its boards are listed at connect time (and on every verify) into
`AccountInfo.info["boards"]`, which the composer offers as the required `board` option.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, ClassVar

from django.utils.translation import gettext_lazy

from platforms.errors import ContentRejected, NotSupported, OutcomeUnknown
from platforms.options import CHOICE, TEXT, OptionField
from platforms.pinterest import oauth, text
from platforms.pinterest.client import Connection, connect
from platforms.pinterest.media import media_source
from platforms.publish_only import PublishOnly
from platforms.types import (
    AccountInfo,
    AuthorizationStart,
    Capabilities,
    ChannelRef,
    PublishRequest,
    PublishResult,
    TokenGrant,
)

PIN_URL = "https://www.pinterest.com/pin/{id}/"
PAGE_SIZE = 100  # GET /v5/pins pages; 250 is the maximum for boards
BOARD_PAGE_SIZE = 250
FIND_PAGES = 3  # reconciliation reads at most 300 recent Pins: plenty for the minutes since an attempt
BOARD_PAGES = 20  # 5,000 boards: far beyond any real account, and a bound on a runaway bookmark
NO_INBOX = ("Pinterest has no API for comments or messages, so SMO cannot show or answer them; "
            "this channel only publishes.")


def parse_time(value: Any) -> datetime | None:
    """Pinterest's `created_at`; one without an offset is UTC (the API documents no other zone)."""
    try:
        moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


class PinterestAdapter(PublishOnly):
    no_inbox_message: ClassVar[str] = NO_INBOX
    platform: ClassVar[str] = "pinterest"
    display_name: ClassVar[str] = "Pinterest"
    capabilities: ClassVar[Capabilities] = Capabilities(
        text_limit=text.MAX_DESCRIPTION,
        length_rule="Pinterest counts every character of the Pin's description (500 at most); the title "
                    "(100) and alt text (500) are separate fields.",
        max_images=text.MAX_CAROUSEL,
        max_videos=1,
    )
    option_fields: ClassVar[tuple[OptionField, ...]] = (
        OptionField("board", gettext_lazy("Board"), kind=CHOICE, required=True, choices_from="boards",
                    help_text=gettext_lazy("The board the Pin is saved to.")),
        OptionField("title", gettext_lazy("Pin title"), kind=TEXT, max_length=text.MAX_TITLE),
        OptionField("alt_text", gettext_lazy("Alt text"), kind=TEXT, max_length=text.MAX_ALT_TEXT,
                    help_text=gettext_lazy("Describes the image for people using screen readers; defaults to the "
                                           "image's own alt text.")),
    )

    def __init__(self) -> None:
        self.last_rate_limits: dict[str, str] = {}

    @staticmethod
    def composed_text(request: PublishRequest) -> str:
        """Exactly the description Pinterest receives (the link travels separately as the destination)."""
        return text.description(request)

    # -- content ------------------------------------------------------------------------------

    def validate(self, request: PublishRequest) -> list[str]:
        return text.problems(request)

    def fingerprint(self, request: PublishRequest) -> str:
        return text.fingerprint(request)

    # -- publishing ---------------------------------------------------------------------------

    def publish(self, request: PublishRequest) -> PublishResult:
        problems = text.problems(request)
        if problems:  # the engine validates first; this guards direct callers with the same sentences
            raise ContentRejected(" ".join(problems), platform_code="preflight")
        conn = connect(request.channel)
        try:
            body = self._pin_body(conn, request)
            pin = conn.json("POST", "/pins", json=body, create=True)
        finally:
            self.last_rate_limits = conn.last_headers
        if not isinstance(pin, dict) or not pin.get("id"):
            raise OutcomeUnknown("Pinterest accepted the Pin but returned no id; SMO will check the account's Pins.",
                                 platform_code="no_id")
        return _result(pin)

    @staticmethod
    def _pin_body(conn: Connection, request: PublishRequest) -> dict[str, Any]:
        body: dict[str, Any] = {"board_id": text.board(request), "media_source": media_source(conn, request)}
        fields = {"title": text.title(request), "description": text.description(request),
                  "link": request.link.strip(), "alt_text": text.alt_text(request)}
        body.update({name: value for name, value in fields.items() if value})
        return body

    def find_published(self, channel: ChannelRef, fingerprint: str, since: datetime) -> PublishResult | None:
        conn = connect(channel)
        try:
            pins = conn.pages("/pins", {"page_size": PAGE_SIZE}, FIND_PAGES)
        finally:
            self.last_rate_limits = conn.last_headers
        matches = [pin for pin in pins if pin.get("id") and text.fingerprint_pin(pin) == fingerprint
                   and (parse_time(pin.get("created_at")) or since) >= since]
        if not matches:
            return None
        # The oldest match is the one the lost create made; a later one would be a deliberate repeat.
        return _result(min(matches, key=lambda pin: (parse_time(pin.get("created_at")) or since, str(pin["id"]))))

    # -- connect ------------------------------------------------------------------------------

    def authorization_url(self, redirect_uri: str) -> AuthorizationStart:
        return oauth.authorization_start(redirect_uri)

    def exchange_code(self, code: str, redirect_uri: str, code_verifier: str) -> TokenGrant:
        return oauth.exchange_code(code, redirect_uri)

    def refresh(self, channel: ChannelRef) -> TokenGrant:
        return oauth.refresh(channel.credentials.refresh_token)

    def verify(self, channel: ChannelRef) -> AccountInfo:
        """The account and every board it can pin to (all pages of `GET /v5/boards`)."""
        conn = connect(channel)
        try:
            user = conn.json("GET", "/user_account")
            boards = conn.pages("/boards", {"page_size": BOARD_PAGE_SIZE}, BOARD_PAGES)
        finally:
            self.last_rate_limits = conn.last_headers
        username = str(user.get("username") or "") if isinstance(user, dict) else ""
        if not username:
            raise NotSupported("Pinterest did not say which account this token belongs to; try connecting again.",
                               platform_code="user_account")
        avatar = str(user.get("profile_image") or "")
        choices = [{"value": str(b["id"]), "label": str(b.get("name") or b["id"])} for b in boards if b.get("id")]
        return AccountInfo(external_id=str(user.get("id") or username),
                           display_name=str(user.get("business_name") or username), handle=username,
                           avatar_url=avatar if avatar.startswith("https://") else "", info={"boards": choices})


def _result(pin: dict[str, Any]) -> PublishResult:
    pin_id = str(pin["id"])
    return PublishResult(external_id=pin_id, permalink=PIN_URL.format(id=pin_id),
                         published_at=parse_time(pin.get("created_at")))
