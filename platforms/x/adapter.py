"""The X (API v2) adapter: publishing through tweepy's Client on the seam's session.

Credentials pick the auth: an OAuth 1.0a user token (when it has a secret and the server has
X_CONSUMER_KEY/SECRET) signs requests with user context; otherwise the OAuth 2.0 PKCE user token is
sent as a Bearer token (`user_auth=False`), which tweepy's write methods would not do by default.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, ClassVar

import requests
import tweepy
from django.conf import settings

from platforms.errors import NotSupported, OutcomeUnknown, PlatformError
from platforms.http import build_session, rate_limits
from platforms.types import (
    AccountInfo,
    AuthorizationStart,
    Capabilities,
    ChannelRef,
    InboxPage,
    PublishRequest,
    PublishResult,
    TokenGrant,
)
from platforms.x import inbox, oauth
from platforms.x.text import compose_parts, fingerprint_text, length_problems, media_problems
from platforms.x.translate import translate

logger = logging.getLogger(__name__)

FIND_PAGES = 3  # reconciliation looks at most 300 recent posts: enough for the minutes since an attempt
_TRANSLATED = (tweepy.TweepyException, requests.RequestException)


@dataclass
class Connection:
    client: tweepy.Client
    user_auth: bool
    session: requests.Session
    secrets: tuple[str, ...]


def connect(channel: ChannelRef) -> Connection:
    """A tweepy Client for one channel, on a seam session, never sleeping on rate limits."""
    creds = channel.credentials
    consumer_key, consumer_secret = settings.X_CONSUMER_KEY, settings.X_CONSUMER_SECRET
    oauth1 = bool(creds.token_secret and consumer_key and consumer_secret)
    if oauth1:
        client = tweepy.Client(consumer_key=consumer_key, consumer_secret=consumer_secret,
                               access_token=creds.access_token, access_token_secret=creds.token_secret,
                               return_type=dict, wait_on_rate_limit=False)
    else:
        client = tweepy.Client(bearer_token=creds.access_token, return_type=dict, wait_on_rate_limit=False)
    client.session.close()
    client.session = build_session("x")
    secrets = (creds.access_token, creds.refresh_token, creds.token_secret, consumer_secret or "")
    return Connection(client, oauth1, client.session, tuple(s for s in secrets if s))


def permalink(handle: str, post_id: str) -> str:
    handle = handle.lstrip("@")
    return f"https://x.com/{handle}/status/{post_id}" if handle else f"https://x.com/i/web/status/{post_id}"


class XAdapter:
    platform: ClassVar[str] = "x"
    display_name: ClassVar[str] = "X"
    capabilities: ClassVar[Capabilities] = Capabilities(
        text_limit=280,
        length_rule="X counts every link as 23 characters and each emoji or CJK character as 2.",
        max_images=4,
        max_videos=1,
        supports_threads=True,
        inbox_kinds=("mention", "reply"),
    )

    def __init__(self) -> None:
        self.last_rate_limits: dict[str, str] = {}  # rate-limit headers of the last call, for pacing

    # -- content ------------------------------------------------------------------------------

    def validate(self, request: PublishRequest) -> list[str]:
        parts = compose_parts(request)
        problems = []
        if not parts[0] and not request.media:
            problems.append("X needs text (or media) for a post; this post is empty.")
        empty = [str(n) for n, part in enumerate(parts[1:], start=2) if not part]
        if empty:
            problems.append(f"X cannot publish an empty thread part (part {', '.join(empty)}).")
        return problems + length_problems(parts) + media_problems(request.media)

    def fingerprint(self, request: PublishRequest) -> str:
        # The root is what reconciliation finds on the timeline; thread parts follow from it.
        return fingerprint_text(compose_parts(request)[0])

    # -- publishing ---------------------------------------------------------------------------

    def publish(self, request: PublishRequest) -> PublishResult:
        if request.media:
            raise NotSupported("SMO cannot upload images or videos to X yet: remove the media for this channel.")
        conn = connect(request.channel)
        parts = compose_parts(request)
        root_id = self._create(conn, parts[0])
        follow_ids, warning = self._publish_thread(conn, root_id, parts)
        return PublishResult(
            external_id=root_id,
            permalink=permalink(request.channel.handle, root_id),
            published_at=datetime.now(UTC),
            thread_ids=follow_ids,
            warning=warning,
        )

    def _publish_thread(self, conn: Connection, root_id: str, parts: list[str]) -> tuple[tuple[str, ...], str]:
        """Post parts[1:] as a reply chain. Never raises: the root exists, and raising would make the
        engine retry the whole delivery and post the root a second time."""
        ids = [root_id]
        for number, text in enumerate(parts[1:], start=2):
            try:
                ids.append(self._create(conn, text, reply_to=ids[-1]))
            except Exception as exc:  # deliberately broad, see the docstring
                reason = exc.message if isinstance(exc, PlatformError) else "an unexpected error in SMO"
                # A traceback only for our own bugs; platform answers are already a readable reason.
                logger.warning("X thread part %s of %s failed after root %s: %s", number, len(parts), root_id,
                               reason, exc_info=not isinstance(exc, PlatformError))
                warning = (f"X published {len(ids)} of {len(parts)} thread parts; "
                           f"part {number} failed and the rest were not sent: {reason}")
                return tuple(ids[1:]), warning
        return tuple(ids[1:]), ""

    def _create(self, conn: Connection, text: str, reply_to: str | None = None) -> str:
        try:
            body = conn.client.create_tweet(text=text, in_reply_to_tweet_id=reply_to, user_auth=conn.user_auth)
        except _TRANSLATED as exc:
            raise translate(exc, create=True, secrets=conn.secrets) from exc
        finally:
            self.last_rate_limits = rate_limits(conn.session)
        post_id = str((body.get("data") or {}).get("id") or "")
        if not post_id:  # a 2xx without an id: X may well have created it
            raise OutcomeUnknown("X accepted the post but returned no id; SMO will check the account.")
        return post_id

    def _read(self, conn: Connection, call: Callable[..., Any], *args: Any, **kwargs: Any) -> dict[str, Any]:
        try:
            return call(*args, user_auth=conn.user_auth, **kwargs)
        except _TRANSLATED as exc:
            raise translate(exc, create=False, secrets=conn.secrets) from exc
        finally:
            self.last_rate_limits = rate_limits(conn.session)

    def find_published(self, channel: ChannelRef, fingerprint: str, since: datetime) -> PublishResult | None:
        conn = connect(channel)
        matches: list[dict[str, Any]] = []
        token = None
        for _ in range(FIND_PAGES):
            page = self._read(conn, conn.client.get_users_tweets, channel.external_id, start_time=since,
                              max_results=100, tweet_fields=["created_at"], pagination_token=token)
            matches += [post for post in page.get("data") or [] if fingerprint_text(post["text"]) == fingerprint]
            token = (page.get("meta") or {}).get("next_token")
            if not token:
                break
        if not matches:
            return None
        post = matches[-1]  # newest first: the oldest match is the one the lost create made
        return PublishResult(external_id=str(post["id"]), permalink=permalink(channel.handle, str(post["id"])),
                             published_at=inbox.parse_time(post.get("created_at")))

    # -- inbox --------------------------------------------------------------------------------

    def fetch_inbox(self, channel: ChannelRef, cursor: str) -> InboxPage:
        conn = connect(channel)

        def page(pagination_token: str | None) -> dict[str, Any]:
            return self._read(conn, conn.client.get_users_mentions, channel.external_id, **inbox.mention_params(
                since_id=cursor or None, pagination_token=pagination_token))

        return inbox.collect(channel, cursor, page)

    def reply(self, channel: ChannelRef, in_reply_to: str, text: str) -> PublishResult:
        conn = connect(channel)
        post_id = self._create(conn, text, reply_to=in_reply_to)
        return PublishResult(external_id=post_id, permalink=permalink(channel.handle, post_id),
                             published_at=datetime.now(UTC))

    # -- connect ------------------------------------------------------------------------------

    def authorization_url(self, redirect_uri: str) -> AuthorizationStart:
        return oauth.authorization_start(redirect_uri)

    def exchange_code(self, code: str, redirect_uri: str, code_verifier: str) -> TokenGrant:
        return oauth.exchange_code(code, redirect_uri, code_verifier)

    def refresh(self, channel: ChannelRef) -> TokenGrant:
        return oauth.refresh(channel.credentials.refresh_token)

    def verify(self, channel: ChannelRef) -> AccountInfo:
        conn = connect(channel)
        body = self._read(conn, conn.client.get_me, user_fields=["profile_image_url"])
        user = body.get("data") or {}
        if not user.get("id") or not user.get("username"):
            raise NotSupported("X did not say which account this token belongs to; try connecting again.")
        return AccountInfo(external_id=str(user["id"]), display_name=str(user.get("name") or user["username"]),
                           handle=str(user["username"]), avatar_url=str(user.get("profile_image_url") or ""))
