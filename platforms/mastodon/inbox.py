"""The Mastodon inbox: mentions (`GET /api/v1/notifications?types[]=mention`) and direct conversations
(`GET /api/v1/conversations`), and replies (`POST /api/v1/statuses` with `in_reply_to_id`).

A mention that answers a thread started by one of our statuses is a "reply" in that status's
conversation; any other mention is a "mention". Direct statuses also arrive as mention notifications;
they are read from the conversations instead, so each one is stored once, as a "message".

The cursor is JSON: the newest mention notification id and the newest direct status id seen.
Every reply carries an Idempotency-Key derived from what it answers and says, so a retried reply
returns the status the first try made instead of posting a second one.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from typing import Any

from platforms.errors import ContentRejected, OutcomeUnknown
from platforms.mastodon.client import Connection, account_id
from platforms.mastodon.text import html_to_text
from platforms.types import ChannelRef, InboxEntry, InboxPage, PublishResult, ReplyTarget

PAGE_SIZE = 40  # Mastodon's maximum `limit` for notifications and conversations
MIRRORED_VISIBILITY = ("unlisted", "private", "direct")  # a reply is never more public than what it answers


def _newer(a: str, b: str) -> bool:
    """Mastodon ids are decimal strings of growing numbers (compare as numbers, not as text)."""
    return (len(a), a) > (len(b), b)


def _newest(ids: list[str], current: str) -> str:
    for value in ids:
        if not current or _newer(value, current):
            current = value
    return current


def _time(value: Any) -> datetime:
    try:
        return datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return datetime.now(UTC)


def parse_cursor(cursor: str) -> dict[str, str]:
    try:
        parsed = json.loads(cursor) if cursor else {}
    except ValueError:
        return {}
    return {k: str(v) for k, v in parsed.items() if k in ("mentions", "messages") and v} if isinstance(
        parsed, dict) else {}


def fetch(conn: Connection, channel: ChannelRef, cursor: str) -> InboxPage:
    marks = parse_cursor(cursor)
    mentions, newest_mention = _mentions(conn, account_id(channel), marks.get("mentions", ""))
    messages, newest_message = _messages(conn, account_id(channel), marks.get("messages", ""))
    moved = {"mentions": newest_mention, "messages": newest_message}
    return InboxPage(items=tuple(mentions + messages),
                     cursor=json.dumps({k: v for k, v in moved.items() if v}, sort_keys=True))


def _mentions(conn: Connection, ours: str, since: str) -> tuple[list[InboxEntry], str]:
    params: dict[str, Any] = {"types[]": "mention", "limit": PAGE_SIZE}
    if since:
        params["min_id"] = since  # the page right after what we stored, however much arrived since
    page = conn.json("GET", "/api/v1/notifications", params=params)
    notifications = [n for n in page if isinstance(n, dict)] if isinstance(page, list) else []
    entries, roots = [], {}
    for notification in notifications:
        status = notification.get("status")
        if not isinstance(status, dict) or status.get("visibility") == "direct":
            continue
        entries.append(_public_entry(conn, status, ours, roots))
    return entries, _newest([str(n.get("id") or "") for n in notifications], since)


def _public_entry(conn: Connection, status: dict[str, Any], ours: str, roots: dict[str, dict]) -> InboxEntry:
    root = _thread_root(conn, status, roots)
    on_our_thread = root is not None and str((root.get("account") or {}).get("id")) == ours
    conversation = str(root["id"]) if on_our_thread and root else str(status["id"])
    return _entry(status, ours, kind="reply" if on_our_thread else "mention", conversation=conversation,
                  post=conversation if on_our_thread else "")


def _thread_root(conn: Connection, status: dict[str, Any], seen: dict[str, dict]) -> dict[str, Any] | None:
    """The status that started the thread this one answers, or None when it answers nothing."""
    if not status.get("in_reply_to_id"):
        return None
    key = str(status["id"])
    if key not in seen:
        try:
            context = conn.json("GET", f"/api/v1/statuses/{key}/context")
        except ContentRejected:  # deleted in the meantime: keep the item as a plain mention
            context = {}
        ancestors = (context or {}).get("ancestors") or []
        seen[key] = ancestors[0] if ancestors and isinstance(ancestors[0], dict) else {}
    return seen[key] or None


def _messages(conn: Connection, ours: str, since: str) -> tuple[list[InboxEntry], str]:
    page = conn.json("GET", "/api/v1/conversations", params={"limit": PAGE_SIZE})
    conversations = [c for c in page if isinstance(c, dict)] if isinstance(page, list) else []
    entries: list[InboxEntry] = []
    for conversation in conversations:
        last = conversation.get("last_status")
        if not isinstance(last, dict) or (since and not _newer(str(last.get("id")), since)):
            continue
        # Only the newest status comes with the conversation; earlier new ones are in its context.
        context = conn.json("GET", f"/api/v1/statuses/{last['id']}/context")
        thread = [s for s in (context or {}).get("ancestors") or [] if isinstance(s, dict)] + [last]
        for status in thread:
            if not since or _newer(str(status.get("id")), since):
                entries.append(_entry(status, ours, kind="message", conversation=str(conversation["id"])))
    return entries, _newest([e.external_id for e in entries], since)


def _entry(status: dict[str, Any], ours: str, *, kind: str, conversation: str, post: str = "") -> InboxEntry:
    author = status.get("account") or {}
    text = html_to_text(str(status.get("content") or ""))
    if status.get("spoiler_text"):
        text = f"CW: {status['spoiler_text']}\n\n{text}"
    return InboxEntry(
        external_id=str(status["id"]), kind=kind, conversation_id=conversation,
        author_name=str(author.get("display_name") or author.get("username") or ""),
        author_handle=str(author.get("acct") or ""), text=text, created_at=_time(status.get("created_at")),
        in_reply_to=str(status.get("in_reply_to_id") or ""), author_id=str(author.get("id") or ""),
        author_avatar_url=str(author.get("avatar") or ""), author_url=str(author.get("url") or ""),
        post_external_id=post, permalink=str(status.get("url") or ""), from_us=str(author.get("id")) == ours)


# -- replies ---------------------------------------------------------------------------------------

def reply_key(channel: ChannelRef, target: ReplyTarget, parent_id: str, text: str) -> str:
    parts = [channel.external_id, target.kind, parent_id, target.conversation_id, text]
    return "smo-reply-" + hashlib.sha256("\n".join(parts).encode("utf-8")).hexdigest()[:40]


def send_reply(conn: Connection, channel: ChannelRef, target: ReplyTarget, text: str) -> PublishResult:
    parent_id = target.external_id or _last_in_conversation(conn, target.conversation_id)
    parent = conn.json("GET", f"/api/v1/statuses/{parent_id}")
    author = (parent or {}).get("account") or {}
    status = text
    acct = str(author.get("acct") or "")
    # Mastodon delivers a reply (and a direct message) only to the accounts it mentions.
    if acct and str(author.get("id")) != account_id(channel) and f"@{acct}".lower() not in text.lower():
        status = f"@{acct} {text}"
    visibility = "direct" if target.kind == "message" else (
        parent.get("visibility") if parent.get("visibility") in MIRRORED_VISIBILITY else "public")
    body = {"status": status, "in_reply_to_id": parent_id, "visibility": visibility}
    created = conn.json("POST", "/api/v1/statuses", json=body, create=True,
                        headers={"Idempotency-Key": reply_key(channel, target, parent_id, text)})
    if not isinstance(created, dict) or not created.get("id"):
        raise OutcomeUnknown("Mastodon accepted the reply but returned no id.", platform_code="body")
    return PublishResult(external_id=str(created["id"]), permalink=str(created.get("url") or ""),
                         published_at=_time(created.get("created_at")))


def _last_in_conversation(conn: Connection, conversation_id: str) -> str:
    page = conn.json("GET", "/api/v1/conversations", params={"limit": PAGE_SIZE})
    for conversation in page if isinstance(page, list) else []:
        if str(conversation.get("id")) == conversation_id and isinstance(conversation.get("last_status"), dict):
            return str(conversation["last_status"]["id"])
    raise ContentRejected("This Mastodon conversation is gone (deleted or left), so it cannot be answered.",
                          platform_code="conversation")
