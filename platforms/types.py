"""Frozen dataclasses that cross the adapter boundary. Adapters never see or return models."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

MEDIA_KINDS = ("image", "gif", "video")


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
    """One file to attach. `url` is where the adapter fetches it (SMO's signed media URL, see
    platforms/media_urls.py); the numbers, when known (0 = unknown), feed pre-flight checks."""

    url: str
    mime_type: str
    alt_text: str = ""
    size_bytes: int = 0
    width: int = 0
    height: int = 0
    duration_s: float = 0.0

    @property
    def kind(self) -> str:
        """"image", "gif" or "video" (from the MIME type)."""
        if self.mime_type == "image/gif":
            return "gif"
        return "video" if self.mime_type.startswith("video/") else "image"


@dataclass(frozen=True)
class PublishRequest:
    channel: ChannelRef
    text: str
    link: str = ""
    media: tuple[MediaItem, ...] = ()
    thread: tuple[str, ...] = ()  # follow-up parts, published as a reply chain
    first_comment: str = ""  # posted as a comment on the new post where the platform supports it
    quote_of: str = ""  # external id of a post to quote (X)
    poll_options: tuple[str, ...] = ()  # X polls: 2-4 options
    poll_minutes: int = 0
    # The channel's platform-specific choices (platforms.options.OptionField names -> values): a YouTube
    # title and privacy, a Pinterest board, a Mastodon content warning. Validated by the adapter.
    options: dict[str, Any] = field(default_factory=dict)
    # What an earlier publish() reported through NotReady (uploaded media ids, container ids, ...),
    # handed back on the next call so nothing is uploaded twice. Empty on the first call.
    progress: dict[str, Any] = field(default_factory=dict)


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
    """One comment, reply, mention or direct message, as the platform reported it.

    Everything here came from a stranger: it is stored as text and escaped wherever it is shown.
    """

    external_id: str
    kind: str  # "comment", "reply", "mention" or "message" (inbox.models.ItemKind)
    conversation_id: str  # the thread it belongs to: the commented post, the tweet conversation, the DM thread
    author_name: str
    author_handle: str
    text: str
    created_at: datetime
    in_reply_to: str = ""  # the item or post this answers
    author_id: str = ""  # needed to answer a direct message
    author_avatar_url: str = ""
    author_url: str = ""  # the author's profile page
    post_external_id: str = ""  # our post it was left on, when it was left on one
    permalink: str = ""
    hidden: bool = False
    from_us: bool = False  # written by the channel's own account (our earlier replies)


@dataclass(frozen=True)
class ReplyTarget:
    """What a reply answers: a comment/mention (answered in public) or a direct-message thread."""

    kind: str
    external_id: str
    conversation_id: str = ""
    author_id: str = ""  # the recipient of a direct-message reply


@dataclass(frozen=True)
class WebhookItem:
    """One inbox entry found in a verified webhook event, with the account it belongs to."""

    account_id: str
    entry: InboxEntry


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
    # Non-secret facts the composer needs (Pinterest boards, TikTok creator info), kept on
    # Channel.platform_info and refreshed whenever the account is verified again.
    info: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class TokenGrant:
    access_token: str
    refresh_token: str = ""
    expires_at: datetime | None = None
    scopes: tuple[str, ...] = ()
    token_secret: str = ""  # OAuth 1.0a user context (X): signs requests together with access_token
    # Non-secret credential fields to keep with the channel (Credentials.extra), e.g. {"login": "instagram"}.
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class AuthorizationStart:
    """Where to send the browser, plus what must be kept (in the session) for the callback."""

    url: str
    state: str
    code_verifier: str = ""
