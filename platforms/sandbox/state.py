"""The sandbox's in-memory state: accounts, tokens, authorization codes, posts and records.

Everything lives in one process and one event loop, so plain dicts are enough: a handler that
checks and then writes without an ``await`` in between is atomic, which is what makes the
duplicate check and the rate windows race-free under hundreds of concurrent requests.
"""

from __future__ import annotations

import math
import secrets
import time
from collections import defaultdict, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

# X's snowflake epoch (2010-11-04); ids built on it have the same length and ordering as real ones.
TWITTER_EPOCH_MS = 1288834974657
REQUEST_LOG_SIZE = 5000


def utcnow() -> datetime:
    return datetime.now(UTC)


def iso_z(moment: datetime) -> str:
    """ISO 8601 with milliseconds and ``Z``, the way X renders ``created_at``."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


class SnowflakeIds:
    """Numeric-string ids shaped like X snowflakes: ``(ms since epoch) << 22 | sequence``.

    Strictly increasing, so "newest first" is simply "largest id first", as on X.
    """

    def __init__(self) -> None:
        self._last = 0

    def next(self) -> str:
        candidate = (int(time.time() * 1000) - TWITTER_EPOCH_MS) << 22
        self._last = max(candidate, self._last + 1)
        return str(self._last)


@dataclass
class Account:
    platform: str
    id: str
    username: str
    name: str
    profile_image_url: str
    created_at: datetime = field(default_factory=utcnow)

    def summary(self) -> dict[str, str]:
        return {"platform": self.platform, "id": self.id, "username": self.username, "name": self.name}


@dataclass
class Token:
    value: str
    kind: str  # "access" | "refresh" | "oauth1"
    platform: str
    account_id: str
    scopes: tuple[str, ...]
    client_id: str
    expires_at: float | None  # None: no expiry (refresh and OAuth 1.0a tokens)
    grant: str = ""  # the auth code (or mint) it came from, so a replayed code can revoke it
    secret: str = ""  # OAuth 1.0a token secret
    revoked: bool = False

    def is_active(self, now: float) -> bool:
        return not self.revoked and (self.expires_at is None or now < self.expires_at)


@dataclass
class AuthCode:
    value: str
    platform: str
    client_id: str
    redirect_uri: str
    scopes: tuple[str, ...]
    challenge: str
    challenge_method: str
    account_id: str
    expires_at: float
    used: bool = False


@dataclass
class Post:
    platform: str
    id: str
    account_id: str
    text: str
    request_id: str
    created_at: datetime = field(default_factory=utcnow)
    in_reply_to_id: str | None = None
    in_reply_to_account_id: str | None = None
    conversation_id: str = ""
    quote_id: str | None = None
    media_ids: tuple[str, ...] = ()
    poll: dict[str, Any] | None = None
    deleted: bool = False


@dataclass
class Comment:
    """A comment (or, with parent_id, a reply to a comment) on a Graph API post or media."""

    platform: str
    id: str
    post_id: str
    account_id: str  # the owner of the post commented on
    author_id: str
    author_name: str
    author_handle: str
    text: str
    parent_id: str | None = None
    created_at: datetime = field(default_factory=utcnow)
    hidden: bool = False


@dataclass
class DirectMessage:
    """One message in a private conversation between one of our accounts and someone else."""

    platform: str
    id: str
    conversation_id: str
    account_id: str  # our side of the conversation
    sender_id: str
    sender_name: str
    sender_handle: str
    recipient_id: str
    text: str
    created_at: datetime = field(default_factory=utcnow)


@dataclass
class RateState:
    limit: int
    remaining: int
    reset: int  # Unix seconds
    allowed: bool


Seeder = Callable[["Store"], None]


class Store:
    """All sandbox state; ``reset()`` returns it to what the dialects' seeders create."""

    def __init__(self) -> None:
        self.ids = SnowflakeIds()
        self._seeders: list[Seeder] = []
        self.reset()

    def add_seeder(self, seeder: Seeder) -> None:
        self._seeders.append(seeder)
        seeder(self)

    def reset(self) -> None:
        self.accounts: dict[str, dict[str, Account]] = defaultdict(dict)
        self._usernames: dict[tuple[str, str], str] = {}
        self.tokens: dict[str, Token] = {}
        self.clients: dict[str, dict[str, str]] = defaultdict(dict)  # platform -> id -> secret
        self.codes: dict[str, AuthCode] = {}
        self.posts: dict[str, dict[str, Post]] = defaultdict(dict)
        self._timelines: dict[tuple[str, str], list[Post]] = defaultdict(list)
        self.creates: list[dict[str, Any]] = []
        self.comments: dict[str, dict[str, Comment]] = defaultdict(dict)
        self.messages: dict[str, list[DirectMessage]] = defaultdict(list)
        self.requests: deque[dict[str, Any]] = deque(maxlen=REQUEST_LOG_SIZE)
        self.windows: dict[tuple[Any, ...], tuple[float, int]] = {}
        for seeder in self._seeders:
            seeder(self)

    # -- accounts ---------------------------------------------------------------------------

    def add_account(self, platform: str, username: str, *, account_id: str | None = None,
                    name: str | None = None) -> Account:
        account = Account(
            platform=platform,
            id=account_id or self.ids.next(),
            username=username,
            name=name or username.replace("_", " ").title(),
            profile_image_url=f"https://sandbox.invalid/{platform}/avatars/{username}.png",
        )
        self.accounts[platform][account.id] = account
        self._usernames[(platform, username.lower())] = account.id
        return account

    def find_account(self, platform: str, ref: str) -> Account | None:
        """Look an account up by id or by username (case-insensitive, optional leading ``@``)."""
        accounts = self.accounts.get(platform, {})
        if ref in accounts:
            return accounts[ref]
        account_id = self._usernames.get((platform, ref.lstrip("@").lower()))
        return accounts.get(account_id) if account_id else None

    def get_or_create_account(self, platform: str, username: str) -> Account:
        return self.find_account(platform, username) or self.add_account(platform, username.lstrip("@"))

    # -- tokens -----------------------------------------------------------------------------

    def issue_tokens(self, account: Account, scopes: tuple[str, ...], *, client_id: str,
                     expires_in: int, refresh: bool, grant: str) -> tuple[Token, Token | None]:
        """Issue an access token (and a refresh token when asked) for ``account``."""
        access = Token(secrets.token_urlsafe(32), "access", account.platform, account.id, scopes,
                       client_id, time.time() + expires_in, grant=grant)
        self.tokens[access.value] = access
        refresh_token = None
        if refresh:
            refresh_token = Token(secrets.token_urlsafe(32), "refresh", account.platform, account.id,
                                  scopes, client_id, None, grant=grant)
            self.tokens[refresh_token.value] = refresh_token
        return access, refresh_token

    def issue_oauth1(self, account: Account, *, client_id: str, grant: str) -> Token:
        # X's OAuth 1.0a access tokens start with "<user id>-"; tweepy reads the id from there.
        token = Token(f"{account.id}-{secrets.token_urlsafe(24)}", "oauth1", account.platform,
                      account.id, (), client_id, None, grant=grant, secret=secrets.token_urlsafe(32))
        self.tokens[token.value] = token
        return token

    def find_token(self, value: str, *kinds: str) -> Token | None:
        token = self.tokens.get(value)
        return token if token is not None and token.kind in kinds else None

    def expire_tokens(self, platform: str, *, account_id: str | None = None, value: str | None = None,
                      revoke_refresh: bool = False) -> int:
        """Make matching access/OAuth 1.0a tokens answer 401 from now on; returns how many."""
        now, count = time.time(), 0
        for token in self.tokens.values():
            if token.platform != platform or (account_id and token.account_id != account_id):
                continue
            if value and token.value != value:
                continue
            if token.kind == "refresh":
                token.revoked = token.revoked or revoke_refresh
            elif token.is_active(now):
                token.expires_at = now
                count += 1
        return count

    def revoke_grant(self, grant: str) -> None:
        for token in self.tokens.values():
            if token.grant == grant:
                token.revoked = True

    # -- posts and the create record --------------------------------------------------------

    def add_post(self, post: Post) -> None:
        """Store a created post and record the create; every create since reset is kept."""
        self.posts[post.platform][post.id] = post
        self._timelines[(post.platform, post.account_id)].append(post)
        account = self.accounts[post.platform][post.account_id]
        self.creates.append({
            "platform": post.platform, "account_id": post.account_id, "username": account.username,
            "id": post.id, "text": post.text, "created_at": iso_z(post.created_at),
            "request_id": post.request_id,
            "fingerprint": post.text or "media:" + ",".join(post.media_ids),
        })

    def get_post(self, platform: str, post_id: str) -> Post | None:
        post = self.posts.get(platform, {}).get(post_id)
        return post if post is not None and not post.deleted else None

    def timeline(self, platform: str, account_id: str) -> list[Post]:
        """The account's live posts, newest first."""
        return [p for p in reversed(self._timelines.get((platform, account_id), [])) if not p.deleted]

    def all_posts(self, platform: str) -> list[Post]:
        return [p for p in reversed(self.posts.get(platform, {}).values()) if not p.deleted]

    def stats(self) -> dict[str, Any]:
        """Creates and duplicates: a duplicate is any create after the first of the same content
        by the same account, i.e. what a reader of the feed would have seen twice."""
        seen: set[tuple[str, str, str]] = set()
        by_platform: dict[str, dict[str, int]] = defaultdict(lambda: {"creates": 0, "duplicates": 0})
        for record in self.creates:
            key = (record["platform"], record["account_id"], record["fingerprint"])
            counts = by_platform[record["platform"]]
            counts["creates"] += 1
            if key in seen:
                counts["duplicates"] += 1
            seen.add(key)
        return {
            "creates": len(self.creates),
            "duplicates": sum(c["duplicates"] for c in by_platform.values()),
            "by_platform": dict(by_platform),
        }

    # -- comments and direct messages (the audience simulator and the dialects' inbox endpoints) --

    def add_comment(self, comment: Comment) -> Comment:
        self.comments[comment.platform][comment.id] = comment
        return comment

    def get_comment(self, platform: str, comment_id: str) -> Comment | None:
        return self.comments.get(platform, {}).get(comment_id)

    def comments_on(self, platform: str, post_id: str) -> list[Comment]:
        """Comments on a post (top level and replies), oldest first."""
        return sorted((c for c in self.comments.get(platform, {}).values() if c.post_id == post_id),
                      key=lambda c: (c.created_at, c.id))

    def add_message(self, message: DirectMessage) -> DirectMessage:
        self.messages[message.platform].append(message)
        return message

    def messages_for(self, platform: str, account_id: str) -> list[DirectMessage]:
        """Every message in the account's conversations, oldest first."""
        return [m for m in self.messages.get(platform, []) if m.account_id == account_id]

    # -- rate windows -----------------------------------------------------------------------

    def hit_window(self, key: tuple[Any, ...], limit: int, period_s: int) -> RateState:
        """Count one request in a fixed window that starts at its first request."""
        now = time.time()
        start, count = self.windows.get(key, (now, 0))
        if now >= start + period_s:
            start, count = now, 0
        allowed = count < limit
        if allowed:
            count += 1
        self.windows[key] = (start, count)
        return RateState(limit, max(0, limit - count), math.ceil(start + period_s), allowed)
