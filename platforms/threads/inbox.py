"""Threads' inbox: replies to our posts, mentions, answering, hiding, webhooks (reference §8).

Replies are read per recent post with `/{media}/conversation` (every depth, one call per post): an
answer to the post itself is a "comment", an answer to someone's reply a "reply". Mentions come from
`/{user}/mentions` (needs threads_manage_mentions). Threads names people by username only, so
author ids stay empty; `is_reply_owned_by_me` marks our own answers. The cursor is JSON with one
stream per kind, `{"replies": {"since", "seen"}, "mentions": ...}`, advanced the way Instagram's is.
Answering is a TEXT container with `reply_to_id`, then `threads_publish`, like any post.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from typing import Any

from platforms.errors import NotReady, NotSupported, TransientError
from platforms.facebook.adapter import parse_time
from platforms.instagram.inbox import advance_stream, stream_state  # the same since/seen cursor rules
from platforms.threads.client import connect
from platforms.threads.containers import ContainerSteps
from platforms.types import ChannelRef, Credentials, InboxEntry, InboxPage, PublishResult, ReplyTarget, WebhookItem

logger = logging.getLogger(__name__)

POST_LIMIT = 25  # replies are read on the 25 newest posts
REPLY_FIELDS = ("id,text,username,permalink,timestamp,replied_to,root_post,is_reply,is_reply_owned_by_me,"
                "hide_status")
PUBLIC_KINDS = ("comment", "reply", "mention")
_NO_CREDENTIALS = Credentials()


class InboxCalls(ContainerSteps):
    def fetch_inbox(self, channel: ChannelRef, cursor: str) -> InboxPage:
        try:
            state = json.loads(cursor) if cursor else {}
        except ValueError:
            state = {}
        state = state if isinstance(state, dict) else {}  # a foreign cursor starts over; the inbox dedupes
        conn = connect(channel)
        posts = conn.get(f"/{conn.user_id}/threads", fields="id,permalink,timestamp", limit=POST_LIMIT)
        raw_replies: list[InboxEntry] = []
        for post in dicts(posts.get("data")):
            answer = conn.get(f"/{post.get('id')}/conversation", fields=REPLY_FIELDS, reverse="false")
            raw_replies += [e for e in (entry(channel, r, post) for r in dicts(answer.get("data"))) if e]
        replies, reply_state = advance_stream(raw_replies, *stream_state(state, "replies"))
        found = conn.get(f"/{conn.user_id}/mentions", fields=REPLY_FIELDS)
        raw_mentions = [e for e in (mention(channel, m) for m in dicts(found.get("data"))) if e]
        mentions, mention_state = advance_stream(raw_mentions, *stream_state(state, "mentions"))
        items = sorted(replies + mentions, key=lambda e: (e.created_at, e.external_id))
        return InboxPage(items=tuple(items), cursor=json.dumps({"replies": reply_state, "mentions": mention_state}))

    def reply(self, channel: ChannelRef, target: ReplyTarget, text: str) -> PublishResult:
        if target.kind not in PUBLIC_KINDS:
            raise NotSupported(f"Threads cannot answer an inbox item of kind {target.kind!r}; it has no messages.")
        conn = connect(channel)
        container = self.new_container(conn, media_type="TEXT", text=text, reply_to_id=target.external_id)
        try:
            self.await_finished(conn, [container], {})
            reply_id = self.publish_container(conn, container)
        except NotReady as exc:  # nothing was published; the container is simply abandoned
            raise TransientError("Threads is not ready to publish this answer yet; try again in a moment.",
                                 platform_code=exc.platform_code) from exc
        return PublishResult(external_id=reply_id, published_at=datetime.now(UTC))

    def set_hidden(self, channel: ChannelRef, external_id: str, hidden: bool) -> None:
        conn = connect(channel)
        conn.post(f"/{external_id}/manage_reply", create=False, hide="true" if hidden else "false")

    def webhook_items(self, payload: dict) -> list[WebhookItem]:
        try:
            return webhook_entries(payload)
        except (AttributeError, KeyError, TypeError, ValueError) as exc:
            logger.warning("Ignoring a malformed Threads webhook event: %s", exc)
            return []


# -- parsing (pure: untrusted input in, plain-text entries out) -----------------------------


def dicts(value: Any) -> list[dict[str, Any]]:
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


def _text(value: Any) -> str:
    return str(value) if isinstance(value, str | int) else ""


def _ref(value: Any) -> str:
    return _text(value.get("id")) if isinstance(value, dict) else ""


def _profile(handle: str) -> str:
    return f"https://www.threads.net/@{handle}" if handle.replace("_", "").replace(".", "").isalnum() else ""


def _ours(channel: ChannelRef, raw: dict[str, Any], handle: str) -> bool:
    if raw.get("is_reply_owned_by_me") is True:
        return True
    return bool(handle) and bool(channel.handle) and handle.lower() == channel.handle.lower()


def entry(channel: ChannelRef, raw: dict[str, Any], post: dict[str, Any]) -> InboxEntry | None:
    """One reply in the conversation under our post `post`."""
    created, root = parse_time(raw.get("timestamp")), _text(post.get("id")) or _ref(raw.get("root_post"))
    if not raw.get("id") or created is None or not root:
        return None
    parent = _ref(raw.get("replied_to")) or root
    handle = _text(raw.get("username"))
    return InboxEntry(
        external_id=_text(raw["id"]), kind="comment" if parent == root else "reply", conversation_id=root,
        author_name=handle, author_handle=handle, text=_text(raw.get("text")), created_at=created,
        in_reply_to=parent, author_url=_profile(handle), post_external_id=root,
        permalink=_text(raw.get("permalink")), hidden=raw.get("hide_status") == "HIDDEN",
        from_us=_ours(channel, raw, handle))


def mention(channel: ChannelRef, raw: dict[str, Any]) -> InboxEntry | None:
    """A post by someone else naming our account: its own conversation, as X mentions are."""
    created = parse_time(raw.get("timestamp"))
    if not raw.get("id") or created is None:
        return None
    handle, mention_id = _text(raw.get("username")), _text(raw["id"])
    return InboxEntry(
        external_id=mention_id, kind="mention", conversation_id=mention_id, author_name=handle,
        author_handle=handle, text=_text(raw.get("text")), created_at=created, author_url=_profile(handle),
        permalink=_text(raw.get("permalink")), from_us=_ours(channel, raw, handle))


def webhook_entries(payload: dict[str, Any]) -> list[WebhookItem]:
    """Threads webhooks (`replies` and `mentions` topics): `{"target_id", "values": {"value", "field"}}`,
    sometimes a list of such `values`."""
    account = _text(payload["target_id"])
    values = payload["values"] if isinstance(payload["values"], list) else [payload["values"]]
    me = ChannelRef("threads", account, "", credentials=_NO_CREDENTIALS)
    items: list[WebhookItem] = []
    for change in dicts(values):
        value = change.get("value") if isinstance(change.get("value"), dict) else {}
        if change.get("field") == "replies":
            found = entry(me, value, {"id": _ref(value.get("root_post"))})
        elif change.get("field") == "mentions":
            found = mention(me, value)
        else:
            continue
        if found is not None:
            items.append(WebhookItem(account, found))
    return items
