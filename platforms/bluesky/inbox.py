"""The Bluesky inbox: notifications (replies, mentions, quotes) and chat, and answering both.

Bluesky has no webhooks, so the inbox is polled. The cursor is SMO's own JSON: the newest
`indexedAt` of a notification seen and the newest `sentAt` of a chat message seen; Bluesky's own
paging cursors only walk backwards, so they are used within one sync and never kept.
Chat lives on a separate service reached through the PDS with the `atproto-proxy` header, and
only app passwords allowed to read direct messages may use it: without that permission the
notifications are still read and chat is skipped.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from platforms.bluesky.client import APP_URL, Connection, XrpcError, post_url
from platforms.errors import ContentRejected
from platforms.types import InboxEntry, InboxPage

CHAT_PROXY = {"atproto-proxy": "did:web:api.bsky.chat#bsky_chat"}
KINDS = {"reply": "reply", "mention": "mention", "quote": "mention"}  # likes, reposts, follows are not inbox items
PAGES = 5  # per sync: 500 notifications, and up to 100 messages in each of 50 conversations
PAGE_SIZE = 100
CONVOS = 50
_CHAT_REFUSALS = ("InvalidToken", "Forbidden", "XRPCNotSupported", "MethodNotImplemented")


def _time(value: Any) -> datetime | None:
    try:
        moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def parse_cursor(cursor: str) -> dict[str, str]:
    try:
        value = json.loads(cursor) if cursor else {}
    except ValueError:
        value = {}
    return {k: str(v) for k, v in value.items() if k in ("notifications", "messages")} if isinstance(value, dict) \
        else {}


def fetch(conn: Connection, cursor: str) -> InboxPage:
    seen = parse_cursor(cursor)
    notes, newest_note = _notifications(conn, seen.get("notifications", ""))
    messages, newest_message = _chat(conn, seen.get("messages", ""))
    items = sorted(notes + messages, key=lambda entry: entry.created_at)
    moved = {"notifications": newest_note or seen.get("notifications", ""),
             "messages": newest_message or seen.get("messages", "")}
    return InboxPage(items=tuple(items), cursor=json.dumps({k: v for k, v in moved.items() if v}, sort_keys=True))


def _after(value: str, since: str) -> bool:
    moment, floor = _time(value), _time(since)
    return moment is not None and (floor is None or moment > floor)


def _notifications(conn: Connection, since: str) -> tuple[list[InboxEntry], str]:
    found: list[InboxEntry] = []
    newest, page_cursor = "", ""
    for _ in range(PAGES):
        params: dict[str, Any] = {"limit": PAGE_SIZE, **({"cursor": page_cursor} if page_cursor else {})}
        page = conn.call("GET", "app.bsky.notification.listNotifications", params=params)
        notes = [n for n in page.get("notifications") or [] if isinstance(n, dict)]
        fresh = [n for n in notes if _after(str(n.get("indexedAt") or ""), since)]
        for note in fresh:
            if not newest or _after(str(note["indexedAt"]), newest):
                newest = str(note["indexedAt"])
            entry = _notification_entry(note)
            if entry is not None:
                found.append(entry)
        page_cursor = str(page.get("cursor") or "")
        if not page_cursor or len(fresh) < len(notes):
            break
    return found, newest


def _author(view: Any) -> tuple[str, str, str, str]:
    view = view if isinstance(view, dict) else {}
    handle = str(view.get("handle") or "")
    return (str(view.get("did") or ""), str(view.get("displayName") or handle), handle,
            str(view.get("avatar") or ""))


def _notification_entry(note: dict[str, Any]) -> InboxEntry | None:
    kind = KINDS.get(str(note.get("reason") or ""))
    record = note.get("record") if isinstance(note.get("record"), dict) else {}
    created = _time(record.get("createdAt")) or _time(note.get("indexedAt"))
    uri = str(note.get("uri") or "")
    if kind is None or not uri or created is None:
        return None
    did, name, handle, avatar = _author(note.get("author"))
    reply = record.get("reply") if isinstance(record.get("reply"), dict) else {}
    root = str((reply.get("root") or {}).get("uri") or "") if kind == "reply" else ""
    parent = str((reply.get("parent") or {}).get("uri") or "")
    return InboxEntry(external_id=uri, kind=kind, conversation_id=root or uri, author_name=name,
                      author_handle=handle, text=str(record.get("text") or ""), created_at=created,
                      in_reply_to=parent, author_id=did, author_avatar_url=avatar,
                      author_url=f"{APP_URL}/profile/{handle or did}", post_external_id=root,
                      permalink=post_url(handle or did, uri))


def _chat(conn: Connection, since: str) -> tuple[list[InboxEntry], str]:
    try:
        convos = conn.call("GET", "chat.bsky.convo.listConvos", params={"limit": CONVOS}, headers=CHAT_PROXY)
    except XrpcError as exc:
        if exc.error in _CHAT_REFUSALS or exc.status in (403, 404, 501):
            return [], ""  # an app password without direct-message access: the rest of the inbox still syncs
        raise
    found: list[InboxEntry] = []
    newest = ""
    for convo in convos.get("convos") or []:
        last = (convo.get("lastMessage") or {}) if isinstance(convo, dict) else {}
        if not _after(str(last.get("sentAt") or ""), since):
            continue
        members = {str(m.get("did")): m for m in convo.get("members") or [] if isinstance(m, dict)}
        for message in _messages(conn, str(convo.get("id") or ""), since):
            if not newest or _after(str(message["sentAt"]), newest):
                newest = str(message["sentAt"])
            found.append(_message_entry(conn.did, str(convo["id"]), message, members))
    return found, newest


def _messages(conn: Connection, convo_id: str, since: str) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    page_cursor = ""
    for _ in range(PAGES):
        params: dict[str, Any] = {"convoId": convo_id, "limit": PAGE_SIZE,
                                  **({"cursor": page_cursor} if page_cursor else {})}
        page = conn.call("GET", "chat.bsky.convo.getMessages", params=params, headers=CHAT_PROXY)
        messages = [m for m in page.get("messages") or [] if isinstance(m, dict) and m.get("id")]
        fresh = [m for m in messages if _after(str(m.get("sentAt") or ""), since)]
        found += [m for m in fresh if "text" in m]  # deleted messages carry no text
        page_cursor = str(page.get("cursor") or "")
        if not page_cursor or len(fresh) < len(messages):
            break
    return found


def _message_entry(our_did: str, convo_id: str, message: dict[str, Any], members: dict[str, Any]) -> InboxEntry:
    sender = str((message.get("sender") or {}).get("did") or "")
    did, name, handle, avatar = _author(members.get(sender) or {"did": sender})
    return InboxEntry(external_id=str(message["id"]), kind="message", conversation_id=convo_id, author_name=name,
                      author_handle=handle, text=str(message.get("text") or ""),
                      created_at=_time(message.get("sentAt")) or datetime.now(UTC), author_id=did,
                      author_avatar_url=avatar, author_url=f"{APP_URL}/profile/{handle or did}",
                      from_us=sender == our_did)


def reply_refs(conn: Connection, uri: str) -> dict[str, Any]:
    """`reply: {root, parent}` strong refs for answering the post at `uri` (getPostThread gives its cid)."""
    thread = conn.call("GET", "app.bsky.feed.getPostThread", params={"uri": uri, "depth": 0, "parentHeight": 0})
    post = (thread.get("thread") or {}).get("post") or {}
    if not post.get("cid"):
        raise ContentRejected(f"Bluesky could not find the post to answer (deleted?): {uri}", platform_code="NotFound")
    parent = {"uri": str(post["uri"]), "cid": str(post["cid"])}
    root = ((post.get("record") or {}).get("reply") or {}).get("root") or parent
    return {"root": {"uri": str(root["uri"]), "cid": str(root["cid"])}, "parent": parent}


def send_message(conn: Connection, convo_id: str, text: str) -> dict[str, Any]:
    return conn.call("POST", "chat.bsky.convo.sendMessage", json={"convoId": convo_id, "message": {"text": text}},
                     headers=CHAT_PROXY)

