"""The Adapter protocol: what every platform module implements."""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar, Protocol

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


class Adapter(Protocol):
    platform: ClassVar[str]
    display_name: ClassVar[str]
    capabilities: ClassVar[Capabilities]

    def validate(self, request: PublishRequest) -> list[str]:
        """Pre-flight problems, each a sentence naming the platform and the rule. Empty means fine."""

    def fingerprint(self, request: PublishRequest) -> str:
        """A stable hash of what the platform will show, used to recognise the post when reconciling."""

    def publish(self, request: PublishRequest) -> PublishResult:
        """The one irreversible create. Raises only platforms.errors classes; NotReady while media processes."""

    def find_published(self, channel: ChannelRef, fingerprint: str, since: datetime) -> PublishResult | None:
        """Look for a post with this fingerprint created since `since`: reconciliation of `unknown`."""

    def fetch_inbox(self, channel: ChannelRef, cursor: str) -> InboxPage:
        """Items newer than `cursor` (the adapter's own opaque string; "" on the first sync), oldest first."""

    def reply(self, channel: ChannelRef, target: ReplyTarget, text: str) -> PublishResult:
        """Answer a comment or mention in public, or a direct-message thread. A create: same error rules."""

    def set_hidden(self, channel: ChannelRef, external_id: str, hidden: bool) -> None:
        """Hide or unhide a comment; NotSupported where the platform cannot."""

    def webhook_items(self, payload: dict) -> list[WebhookItem]:
        """Inbox entries in one verified, stored webhook event (platforms.webhook_events shapes)."""

    def authorization_url(self, redirect_uri: str) -> AuthorizationStart: ...

    def exchange_code(self, code: str, redirect_uri: str, code_verifier: str) -> TokenGrant: ...

    def refresh(self, channel: ChannelRef) -> TokenGrant: ...

    def verify(self, channel: ChannelRef) -> AccountInfo: ...
