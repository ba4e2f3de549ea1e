"""The Page's inbox side (reference §2.3): reading comments and messages, answering, hiding comments.

Reads go through the same translated call path as publishing (create=False: retried freely).
Replies are creates: a comment reply is `POST /{comment-id}/comments`, a Messenger answer is the
Send API `POST /{page-id}/messages` with `messaging_type=RESPONSE` (allowed within 24 hours of the
person's last message). facebook-sdk sends forms, so the Send API's objects travel JSON-encoded.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from itertools import islice, takewhile
from typing import Any

from platforms.errors import ContentRejected, NotSupported, OutcomeUnknown, TransientError
from platforms.facebook import inbox
from platforms.facebook import text as fbtext
from platforms.facebook.video import post_permalink
from platforms.graph import GraphCalls, facebook, graph_client
from platforms.types import ChannelRef, InboxEntry, InboxPage, PublishResult, ReplyTarget


@dataclass
class Connection:
    graph: facebook.GraphAPI
    secrets: tuple[str, ...]


def connect(channel: ChannelRef) -> Connection:
    token = channel.credentials.access_token
    return Connection(graph_client(token), (token,) if token else ())


def rows(answer: Any, what: str) -> list[Any]:
    """The `data` list of a Graph list answer; anything else is an unreadable answer (retried)."""
    data = answer.get("data") if isinstance(answer, dict) else None
    if not isinstance(data, list):
        raise TransientError(f"Facebook sent an unexpected answer when listing {what}; it will be retried.",
                             platform_code="unparsed")
    return data


class Engagement(GraphCalls):
    # -- reading ------------------------------------------------------------------------------

    def fetch_inbox(self, channel: ChannelRef, cursor: str) -> InboxPage:
        conn, page_id = connect(channel), channel.external_id
        marks = inbox.load_cursor(cursor)
        comments = [e for e in self._comments(conn, page_id, marks["comments"]) if marks["comments"].is_new(e)]
        messages = [e for e in self._messages(conn, page_id, marks["messages"]) if marks["messages"].is_new(e)]
        marks = {"comments": marks["comments"].advanced(comments), "messages": marks["messages"].advanced(messages)}
        items = sorted({e.external_id: e for e in comments + messages}.values(), key=lambda e: e.created_at)
        return InboxPage(items=tuple(items), cursor=inbox.dump_cursor(marks))

    def _comments(self, conn: Connection, page_id: str, mark: inbox.Mark) -> list[InboxEntry]:
        answer = self._call(conn, False, conn.graph.get_connections, page_id, "published_posts",
                            fields="id,created_time", limit=inbox.POSTS_WATCHED)
        found: list[InboxEntry] = []
        for post in rows(answer, "the Page's posts")[:inbox.POSTS_WATCHED]:
            post_id = str(post.get("id") or "") if isinstance(post, dict) else ""
            if not post_id:
                continue
            raw = self._call(conn, False, lambda pid=post_id: list(inbox.recent_comments(
                conn.graph.get_all_connections(pid, "comments", fields=inbox.COMMENT_FIELDS, filter="stream",
                                               order="reverse_chronological", limit=100), mark)))
            found += [e for e in (inbox.comment_entry(c, post_id, page_id) for c in raw) if e is not None]
        return found

    def _messages(self, conn: Connection, page_id: str, mark: inbox.Mark) -> list[InboxEntry]:
        def updated(row: Any) -> bool:
            return mark.reaches(inbox.parse_time(row.get("updated_time")) if isinstance(row, dict) else None)

        conversations = self._call(conn, False, lambda: list(islice(takewhile(updated, conn.graph.get_all_connections(
            page_id, "conversations", platform="messenger", fields=inbox.CONVERSATION_FIELDS, limit=25)),
            inbox.MAX_CONVERSATIONS)))
        entries = (inbox.message_entry(m, page_id) for c in conversations for m in inbox.conversation_messages(c))
        return [e for e in entries if e is not None]

    # -- answering ----------------------------------------------------------------------------

    def reply(self, channel: ChannelRef, target: ReplyTarget, text: str) -> PublishResult:
        message = text.strip()
        if not message:
            raise ContentRejected("Facebook needs some text to send as a reply.")
        if target.kind in ("comment", "reply"):
            return self._comment_reply(channel, target, message)
        if target.kind == "message":
            return self._send_message(channel, target, message)
        raise NotSupported(f"SMO cannot answer a Facebook {target.kind or 'item'} of this kind.")

    def _comment_reply(self, channel: ChannelRef, target: ReplyTarget, message: str) -> PublishResult:
        if len(message) > fbtext.MAX_COMMENT:
            raise ContentRejected(f"Facebook allows at most {fbtext.MAX_COMMENT:,} characters in a comment; "
                                  f"this reply has {len(message):,}.")
        conn = connect(channel)
        answer = self._call(conn, True, conn.graph.put_object, target.external_id, "comments", message=message)
        comment_id = created_id(answer, "id")
        post_id = target.conversation_id
        link = f"{post_permalink(post_id)}?comment_id={comment_id.rsplit('_', 1)[-1]}" if "_" in post_id else ""
        return PublishResult(external_id=comment_id, permalink=link, published_at=datetime.now(UTC))

    def _send_message(self, channel: ChannelRef, target: ReplyTarget, message: str) -> PublishResult:
        if len(message) > fbtext.MAX_MESSENGER_TEXT:
            raise ContentRejected(f"Facebook Messenger allows at most {fbtext.MAX_MESSENGER_TEXT:,} characters in a "
                                  f"message; this reply has {len(message):,}.")
        page_id = channel.external_id
        # Our own earlier message names the Page as author; the thread key is the person then.
        recipient = target.author_id if target.author_id and target.author_id != page_id else target.conversation_id
        if not recipient or recipient == page_id:
            raise NotSupported("SMO does not know who to answer in this Facebook conversation.")
        conn = connect(channel)
        answer = self._call(conn, True, conn.graph.put_object, page_id, "messages", messaging_type="RESPONSE",
                            recipient=json.dumps({"id": recipient}), message=json.dumps({"text": message}))
        return PublishResult(external_id=created_id(answer, "message_id"), published_at=datetime.now(UTC))

    # -- moderation ---------------------------------------------------------------------------

    def set_hidden(self, channel: ChannelRef, external_id: str, hidden: bool) -> None:
        conn = connect(channel)
        # A hide is idempotent, so it is not a create: a timeout can simply be retried.
        answer = self._call(conn, False, conn.graph.request, f"{conn.graph.version}/{external_id}",
                            post_args={"is_hidden": "true" if hidden else "false"})
        if not (isinstance(answer, dict) and answer.get("success") is True):
            raise TransientError("Facebook did not confirm hiding or showing the comment; try again.")


def created_id(answer: Any, key: str) -> str:
    value = answer.get(key) if isinstance(answer, dict) else None
    if not value:  # a 2xx without an id: the reply may well exist
        raise OutcomeUnknown("Facebook accepted the reply but returned no id; check the conversation on Facebook.")
    return str(value)
