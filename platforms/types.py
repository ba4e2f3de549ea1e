"""Frozen dataclasses that cross the adapter boundary. Adapters never see or return models."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class Credentials:
    """Decrypted channel credentials, handed to an adapter for one call."""

    access_token: str = ""
    refresh_token: str = ""
    token_secret: str = ""  # OAuth 1.0a user context
    expires_at: datetime | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def __repr__(self) -> str:  # never leak tokens through logs or tracebacks
        return f"Credentials(expires_at={self.expires_at!r}, fields=<redacted>)"


@dataclass(frozen=True)
class ChannelRef:
    platform: str
    external_id: str
    handle: str
    credentials: Credentials


@dataclass(frozen=True)
class MediaItem:
    url: str
    mime_type: str
    alt_text: str = ""


@dataclass(frozen=True)
class PublishRequest:
    channel: ChannelRef
    text: str
    link: str = ""
    media: tuple[MediaItem, ...] = ()
    thread: tuple[str, ...] = ()  # follow-up parts, published as a reply chain
    first_comment: str = ""  # posted as a comment on the new post where the platform supports it


@dataclass(frozen=True)
class PublishResult:
    external_id: str
    permalink: str = ""
    published_at: datetime | None = None
    thread_ids: tuple[str, ...] = ()
    warning: str = ""  # e.g. a thread part that failed after the root was published


@dataclass(frozen=True)
class Capabilities:
    text_limit: int
    length_rule: str  # human-readable: how the platform counts length
    max_images: int = 0
    max_videos: int = 0
    supports_threads: bool = False
    supports_first_comment: bool = False
    inbox_kinds: tuple[str, ...] = ()
    webhooks: bool = False


@dataclass(frozen=True)
class InboxEntry:
    external_id: str
    kind: str
    conversation_id: str
    author_name: str
    author_handle: str
    text: str
    created_at: datetime
    in_reply_to: str = ""


@dataclass(frozen=True)
class InboxPage:
    items: tuple[InboxEntry, ...]
    cursor: str = ""


@dataclass(frozen=True)
class AccountInfo:
    """What a successful connect or verify() learns about the account."""

    external_id: str
    display_name: str
    handle: str
    avatar_url: str = ""


@dataclass(frozen=True)
class TokenGrant:
    access_token: str
    refresh_token: str = ""
    expires_at: datetime | None = None
    scopes: tuple[str, ...] = ()


@dataclass(frozen=True)
class AuthorizationStart:
    """Where to send the browser, plus what must be kept (in the session) for the callback."""

    url: str
    state: str
    code_verifier: str = ""
