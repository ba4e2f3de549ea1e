"""The X (API v2) adapter: publishing through tweepy's Client on the seam's session.

How a channel authenticates lives in platforms.x.client; media upload in platforms.x.media; the
inbox streams in platforms.x.inbox; Account Activity events in platforms.x.webhooks.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, ClassVar

import requests
import tweepy
from django.utils.translation import gettext

from platforms.errors import ContentRejected, NotSupported, OutcomeUnknown, PlatformError, TransientError
from platforms.http import rate_limits
from platforms.types import (
    AccountInfo,
    AuthorizationStart,
    Capabilities,
    ChannelRef,
    InboxEntry,
    InboxPage,
    PublishRequest,
    PublishResult,
    ReplyTarget,
    TokenGrant,
    WebhookItem,
)
from platforms.x import inbox, media, oauth, oauth1, webhooks
from platforms.x.client import Connection, connect, status_url
from platforms.x.text import (
    compose_parts,
    fingerprint_text,
    length_problems,
    poll_problems,
    quote_id,
    quote_problems,
)
from platforms.x.translate import translate

logger = logging.getLogger(__name__)

FIND_PAGES = 3  # reconciliation looks at most 300 recent posts: enough for the minutes since an attempt
_TRANSLATED = (tweepy.TweepyException, requests.RequestException)
permalink = status_url  # kept for callers of the older name


class XAdapter:
    platform: ClassVar[str] = "x"
    display_name: ClassVar[str] = "X"
    capabilities: ClassVar[Capabilities] = Capabilities(
        text_limit=280,
        length_rule="X counts every link as 23 characters and each emoji or CJK character as 2.",
        max_images=media.MAX_IMAGES,
        max_videos=1,
        supports_threads=True,
        inbox_kinds=("mention", "reply", "message"),
        webhooks=True,
    )

    def __init__(self) -> None:
        self.last_rate_limits: dict[str, str] = {}  # rate-limit headers of the last call, for pacing

    # -- content ------------------------------------------------------------------------------

    def validate(self, request: PublishRequest) -> list[str]:
        parts = compose_parts(request)
        problems = []
        if not parts[0] and not request.media:
            problems.append(gettext("X needs text (or media) for a post; this post is empty."))
        empty = [str(n) for n, part in enumerate(parts[1:], start=2) if not part]
        if empty:
            problems.append(gettext("X cannot publish an empty thread part (part %(parts)s).")
                            % {"parts": ", ".join(empty)})
        return (problems + length_problems(parts) + media.problems(request.media) + poll_problems(request)
                + quote_problems(request))

    def fingerprint(self, request: PublishRequest) -> str:
        # The root is what reconciliation finds on the timeline; thread parts follow from it.
        return fingerprint_text(compose_parts(request)[0])

    # -- publishing ---------------------------------------------------------------------------

    def publish(self, request: PublishRequest) -> PublishResult:
        conn = connect(request.channel)
        try:
            # Uploads come first and may raise NotReady: no post exists until _create below.
            media_ids = media.prepare(conn, request) if request.media else []
        finally:
            self.last_rate_limits = rate_limits(conn.session)
        parts = compose_parts(request)
        root_id = self._create(conn, parts[0], **self._extras(request, media_ids))
        follow_ids, warning = self._publish_thread(conn, root_id, parts)
        return PublishResult(
            external_id=root_id,
            permalink=status_url(request.channel.handle, root_id),
            published_at=datetime.now(UTC),
            thread_ids=follow_ids,
            warning=warning,
        )

    @staticmethod
    def _extras(request: PublishRequest, media_ids: list[str]) -> dict[str, Any]:
        """tweepy create_tweet arguments for what only the root carries: media, quote, poll."""
        extras: dict[str, Any] = {}
        if media_ids:
            extras["media_ids"] = media_ids
        if request.quote_of:
            extras["quote_tweet_id"] = quote_id(request.quote_of) or request.quote_of
        if request.poll_options:
            extras.update(poll_options=[option.strip() for option in request.poll_options],
                          poll_duration_minutes=request.poll_minutes)
        return extras

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

    def _create(self, conn: Connection, text: str, reply_to: str | None = None, **extras: Any) -> str:
        try:
            body = conn.client.create_tweet(text=text or None, in_reply_to_tweet_id=reply_to,
                                            user_auth=conn.user_auth, **extras)
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
            body = call(*args, user_auth=conn.user_auth, **kwargs)
        except _TRANSLATED as exc:
            raise translate(exc, create=False, secrets=conn.secrets) from exc
        finally:
            self.last_rate_limits = rate_limits(conn.session)
        if not isinstance(body, dict):
            raise TransientError("X answered with something other than a JSON object; it will be retried.",
                                 platform_code="body")
        return body

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
        return PublishResult(external_id=str(post["id"]), permalink=status_url(channel.handle, str(post["id"])),
                             published_at=inbox.parse_time(post.get("created_at")))

    # -- inbox --------------------------------------------------------------------------------

    def fetch_inbox(self, channel: ChannelRef, cursor: str) -> InboxPage:
        conn = connect(channel)
        position = inbox.load_cursor(cursor)
        mentions = self._mentions(conn, channel, position)
        replies = self._replies(conn, channel, position)
        messages = self._messages(conn, channel, position)
        return inbox.merge(mentions, replies, messages, cursor=position)

    def _mentions(self, conn: Connection, channel: ChannelRef, position: dict[str, str]) -> list[InboxEntry]:
        since = position.get("mentions", "")

        def page(token: str | None) -> dict[str, Any]:
            return self._read(conn, conn.client.get_users_mentions, channel.external_id,
                              **inbox.mention_params(since_id=since or None, pagination_token=token))

        found, position["mentions"] = inbox.tweets(channel, since, page, set())
        return found

    def _replies(self, conn: Connection, channel: ChannelRef, position: dict[str, str]) -> list[InboxEntry]:
        roots = inbox.roots_of(self._read(conn, conn.client.get_users_tweets, channel.external_id,
                                          **inbox.root_params()))
        if not roots:
            return []
        since = position.get("replies", "")

        def page(token: str | None) -> dict[str, Any]:
            return self._read(conn, conn.client.search_recent_tweets,
                              **inbox.search_params(roots, since_id=since or None, next_token=token))

        found, position["replies"] = inbox.tweets(channel, since, page, set(roots))
        # Our own posts in those conversations are thread parts and earlier answers, not inbox items.
        return [entry for entry in found if not entry.from_us]

    def _messages(self, conn: Connection, channel: ChannelRef, position: dict[str, str]) -> list[InboxEntry]:
        since = position.get("messages", "")

        def page(token: str | None) -> dict[str, Any]:
            return self._read(conn, conn.client.get_direct_message_events, **inbox.dm_params(pagination_token=token))

        try:
            found, position["messages"] = inbox.messages(channel, since, page)
        except (ContentRejected, NotSupported) as exc:
            # Channels connected before SMO asked for dm.read get 403 here; mentions and replies still sync.
            logger.warning("X direct messages not readable for channel %s: %s", channel.external_id, exc.message)
            return []
        return found

    def reply(self, channel: ChannelRef, target: ReplyTarget, text: str) -> PublishResult:
        conn = connect(channel)
        if target.kind != "message":
            post_id = self._create(conn, text, reply_to=target.external_id)
            return PublishResult(external_id=post_id, permalink=status_url(channel.handle, post_id),
                                 published_at=datetime.now(UTC))
        if target.conversation_id:
            where: dict[str, str] = {"dm_conversation_id": target.conversation_id}
        elif target.author_id:
            where = {"participant_id": target.author_id}
        else:
            raise ContentRejected("SMO does not know which X conversation this message belongs to; "
                                  "sync the inbox and answer again.")
        try:
            body = conn.client.create_direct_message(text=text, user_auth=conn.user_auth, **where)
        except _TRANSLATED as exc:
            raise translate(exc, create=True, secrets=conn.secrets) from exc
        finally:
            self.last_rate_limits = rate_limits(conn.session)
        data = body.get("data") or {}
        if not data.get("dm_event_id"):
            raise OutcomeUnknown("X accepted the message but returned no id; check the conversation on X.")
        conversation = str(data.get("dm_conversation_id") or target.conversation_id)
        return PublishResult(external_id=str(data["dm_event_id"]), permalink=f"https://x.com/messages/{conversation}",
                             published_at=datetime.now(UTC))

    def set_hidden(self, channel: ChannelRef, external_id: str, hidden: bool) -> None:
        conn = connect(channel)
        call = conn.client.hide_reply if hidden else conn.client.unhide_reply
        body = self._read(conn, call, external_id)  # idempotent on X: translated as a read
        if (body.get("data") or {}).get("hidden") is not hidden:
            raise TransientError("X did not confirm hiding or showing the reply; try again.", platform_code="hidden")

    def webhook_items(self, payload: dict) -> list[WebhookItem]:
        return webhooks.items(payload)

    # -- connect ------------------------------------------------------------------------------

    def authorization_url(self, redirect_uri: str) -> AuthorizationStart:
        if oauth1.enabled():  # X_AUTH_MODE: apps configured for OAuth 1.0a user context
            return oauth1.authorization_start(redirect_uri)
        return oauth.authorization_start(redirect_uri)

    def exchange_code(self, code: str, redirect_uri: str, code_verifier: str) -> TokenGrant:
        # Decided by what the start kept, not the setting: a flow begun before a mode change still finishes.
        if oauth1.is_kept(code_verifier):
            return oauth1.exchange_verifier(code, code_verifier)  # code is X's oauth_verifier
        return oauth.exchange_code(code, redirect_uri, code_verifier)

    def refresh(self, channel: ChannelRef) -> TokenGrant:
        if channel.credentials.token_secret and not channel.credentials.refresh_token:
            return oauth1.refresh()
        return oauth.refresh(channel.credentials.refresh_token)

    def verify(self, channel: ChannelRef) -> AccountInfo:
        conn = connect(channel)
        body = self._read(conn, conn.client.get_me, user_fields=["profile_image_url"])
        user = body.get("data") or {}
        if not user.get("id") or not user.get("username"):
            raise NotSupported("X did not say which account this token belongs to; try connecting again.")
        return AccountInfo(external_id=str(user["id"]), display_name=str(user.get("name") or user["username"]),
                           handle=str(user["username"]), avatar_url=str(user.get("profile_image_url") or ""))
