"""The inbox half of the adapter protocol for platforms whose API has no comments or messages (Pinterest,
TikTok's Content Posting API, Snapchat's Public Profiles): every inbox call says so plainly, in one sentence the
adapter gives, and no webhook ever carries inbox items."""

from __future__ import annotations

from typing import ClassVar

from platforms.errors import NotSupported
from platforms.types import ChannelRef, InboxPage, PublishResult, ReplyTarget, WebhookItem


class PublishOnly:
    """Mix in before nothing else inbox-related; set `no_inbox_message` (names the platform, ends with a full stop)."""

    no_inbox_message: ClassVar[str]

    def fetch_inbox(self, channel: ChannelRef, cursor: str) -> InboxPage:
        raise NotSupported(self.no_inbox_message, platform_code="inbox")

    def reply(self, channel: ChannelRef, target: ReplyTarget, text: str) -> PublishResult:
        raise NotSupported(self.no_inbox_message, platform_code="inbox")

    def set_hidden(self, channel: ChannelRef, external_id: str, hidden: bool) -> None:
        raise NotSupported(self.no_inbox_message, platform_code="inbox")

    def webhook_items(self, payload: dict) -> list[WebhookItem]:
        return []
