"""Instagram's inbox: comments and replies on recent media, direct messages, replies, hiding, webhooks.

The cursor is JSON, one entry per stream: `{"comments": {"since": iso, "seen": [ids]}, "messages": ...}`.
`since` is the newest timestamp taken; ids at exactly that second are remembered so a sync that lands
inside one second neither loses nor repeats an item. Direct messages are read from `/me/conversations`
(with Facebook Login `me` is the Page linked to the account, as Meta's Messenger Platform wants; with
Instagram Login it is the account) and answered through `/me/messages`.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from typing import Any

from platforms.errors import ContentRejected, NotSupported, OutcomeUnknown
from platforms.facebook.adapter import parse_time
from platforms.graph import GraphCalls
from platforms.instagram.client import connect
from platforms.types import ChannelRef, Credentials, InboxEntry, InboxPage, PublishResult, ReplyTarget, WebhookItem

logger = logging.getLogger(__name__)

MEDIA_LIMIT = 25  # comments are read on the 25 newest media
CONVERSATION_LIMIT = 25
COMMENT_FIELDS = "id,text,username,timestamp,from,hidden,parent_id"
INBOX_MEDIA_FIELDS = f"id,permalink,timestamp,comments.limit(50){{{COMMENT_FIELDS},replies{{{COMMENT_FIELDS}}}}}"
CONVERSATION_FIELDS = "id,updated_time,messages.limit(25){id,message,from,to,created_time}"
PUBLIC_KINDS = ("comment", "reply", "mention")
_NO_CREDENTIALS = Credentials()


def stream_state(cursor: dict[str, Any], name: str) -> tuple[datetime | None, set[str]]:
    entry = cursor.get(name) if isinstance(cursor.get(name), dict) else {}
    seen = entry.get("seen")
    return parse_time(entry.get("since")), set(seen) if isinstance(seen, list) else set()


def advance_stream(entries: list[InboxEntry], since: datetime | None, seen: set[str]) -> tuple[list[InboxEntry], dict]:
    fresh = [e for e in entries if (since is None or e.created_at >= since) and e.external_id not in seen]
    newest = max((e.created_at for e in fresh), default=None)
    if newest is None:
        return [], {"since": since.strftime("%Y-%m-%dT%H:%M:%S+0000") if since else None, "seen": sorted(seen)}
    at_newest = {e.external_id for e in fresh if e.created_at == newest} | (seen if newest == since else set())
    return fresh, {"since": newest.strftime("%Y-%m-%dT%H:%M:%S+0000"), "seen": sorted(at_newest)}


class InboxCalls(GraphCalls):
    def fetch_inbox(self, channel: ChannelRef, cursor: str) -> InboxPage:
        try:
            state = json.loads(cursor) if cursor else {}
        except ValueError:
            state = {}
        state = state if isinstance(state, dict) else {}  # a foreign cursor starts over; the inbox dedupes
        conn = connect(channel)
        media = self._call(conn, False, conn.graph.get_connections, conn.ig_id, "media",
                           fields=INBOX_MEDIA_FIELDS, limit=MEDIA_LIMIT)
        comments, comment_state = advance_stream(comment_entries(channel, media.get("data")),
                                                 *stream_state(state, "comments"))
        threads = self._call(conn, False, conn.graph.get_connections, "me", "conversations", platform="instagram",
                             fields=CONVERSATION_FIELDS, limit=CONVERSATION_LIMIT)
        messages, message_state = advance_stream(message_entries(channel, threads.get("data")),
                                                 *stream_state(state, "messages"))
        items = sorted(comments + messages, key=lambda e: (e.created_at, e.external_id))
        return InboxPage(items=tuple(items), cursor=json.dumps({"comments": comment_state,
                                                                "messages": message_state}))

    def reply(self, channel: ChannelRef, target: ReplyTarget, text: str) -> PublishResult:
        conn = connect(channel)
        if target.kind in PUBLIC_KINDS:
            # Instagram threads replies under top-level comments only; a reply to a reply answers its parent.
            answer = self._call(conn, True, conn.graph.put_object, target.external_id, "replies", message=text)
            reply_id = answer.get("id")
        elif target.kind == "message":
            if not target.author_id:
                raise ContentRejected("This message has no sender id to answer; Instagram needs one.")
            answer = self._call(conn, True, conn.graph.put_object, "me", "messages",
                                recipient=json.dumps({"id": target.author_id}), message=json.dumps({"text": text}))
            reply_id = answer.get("message_id")
        else:
            raise NotSupported(f"Instagram cannot answer an inbox item of kind {target.kind!r}.")
        if not reply_id:
            raise OutcomeUnknown("Instagram accepted the reply but returned no id; check the conversation.")
        return PublishResult(external_id=str(reply_id), published_at=datetime.now(UTC))

    def set_hidden(self, channel: ChannelRef, external_id: str, hidden: bool) -> None:
        conn = connect(channel)
        # put_object would POST to "/{id}/" (an edge path); hiding is a POST on the comment node itself.
        self._call(conn, False, conn.graph.request, f"{conn.graph.version}/{external_id}",
                   post_args={"hide": "true" if hidden else "false"})

    def webhook_items(self, payload: dict) -> list[WebhookItem]:
        try:
            return list(webhook_entries(payload))
        except (AttributeError, KeyError, TypeError, ValueError) as exc:
            logger.warning("Ignoring a malformed Instagram webhook event: %s", exc)
            return []


# -- parsing (pure: untrusted input in, plain-text entries out) -----------------------------


def _text(value: Any) -> str:
    # Not cut here: the inbox bounds stored text itself and says how much it dropped.
    return str(value) if isinstance(value, str | int) else ""


def _ours(channel: ChannelRef, author_id: str, handle: str) -> bool:
    # Webhooks know neither our handle nor, for messages, the sender's: two blanks are not a match.
    if author_id and author_id == channel.external_id:
        return True
    return bool(handle) and handle.lower() == channel.handle.lower()


def _comment(channel: ChannelRef, raw: dict[str, Any], media: dict[str, Any], parent: str) -> InboxEntry | None:
    created = parse_time(raw.get("timestamp"))
    if not raw.get("id") or created is None:
        return None
    author = raw.get("from") if isinstance(raw.get("from"), dict) else {}
    handle = _text(raw.get("username") or author.get("username"))
    media_id = _text(media.get("id"))
    return InboxEntry(
        external_id=_text(raw["id"]), kind="reply" if parent else "comment", conversation_id=media_id,
        author_name=handle, author_handle=handle, text=_text(raw.get("text")), created_at=created,
        in_reply_to=parent or media_id, author_id=_text(author.get("id")),
        author_url=f"https://www.instagram.com/{handle}/" if handle.replace("_", "").replace(".", "").isalnum()
        else "", post_external_id=media_id, permalink=_text(media.get("permalink")),
        hidden=raw.get("hidden") is True,
        from_us=_ours(channel, _text(author.get("id")), handle))


def comment_entries(channel: ChannelRef, media_list: Any) -> list[InboxEntry]:
    entries: list[InboxEntry | None] = []
    for media in media_list if isinstance(media_list, list) else []:
        comments = (media.get("comments") or {}).get("data") if isinstance(media, dict) else None
        for raw in comments if isinstance(comments, list) else []:
            if not isinstance(raw, dict):
                continue
            entries.append(_comment(channel, raw, media, ""))
            replies = (raw.get("replies") or {}).get("data") if isinstance(raw.get("replies"), dict) else None
            entries += [_comment(channel, r, media, _text(raw.get("id"))) for r in replies or []
                        if isinstance(r, dict)]
    return [e for e in entries if e is not None]


def _message(channel: ChannelRef, raw: dict[str, Any], thread: str) -> InboxEntry | None:
    created = parse_time(raw.get("created_time"))
    sender = raw.get("from") if isinstance(raw.get("from"), dict) else {}
    if not raw.get("id") or created is None:
        return None
    sender_id = _text(sender.get("id"))
    handle = _text(sender.get("username"))
    return InboxEntry(external_id=_text(raw["id"]), kind="message", conversation_id=thread, author_name=handle,
                      author_handle=handle, text=_text(raw.get("message")), created_at=created, author_id=sender_id,
                      from_us=_ours(channel, sender_id, handle))


def _other_party(channel: ChannelRef, messages: list[dict[str, Any]]) -> str:
    """The person our account talks to: the thread key, the same one webhooks give (the sender's id)."""
    for message in messages:
        sender = message.get("from") if isinstance(message.get("from"), dict) else {}
        if sender.get("id") and _text(sender["id"]) != channel.external_id:
            return _text(sender["id"])
        to = ((message.get("to") or {}).get("data") or [{}]) if isinstance(message.get("to"), dict) else [{}]
        if isinstance(to[0], dict) and to[0].get("id"):
            return _text(to[0]["id"])
    return ""


def message_entries(channel: ChannelRef, threads: Any) -> list[InboxEntry]:
    entries: list[InboxEntry | None] = []
    for thread in threads if isinstance(threads, list) else []:
        messages = (thread.get("messages") or {}).get("data") if isinstance(thread, dict) else None
        messages = [m for m in messages if isinstance(m, dict)] if isinstance(messages, list) else []
        party = _other_party(channel, messages)
        entries += [_message(channel, m, party) for m in messages] if party else []
    return [e for e in entries if e is not None]


def webhook_entries(payload: dict[str, Any]) -> list[WebhookItem]:
    """Meta `instagram` events: `comments` changes and `messaging` (reference §3.3). `mentions` only
    carry ids (the text needs a read), so they are left to the next inbox sync."""
    if payload.get("object") != "instagram":
        raise ValueError(f"not an Instagram event (object={payload.get('object')!r})")
    items: list[WebhookItem] = []
    for entry in payload["entry"]:
        account = _text(entry["id"])
        me = ChannelRef("instagram", account, "", credentials=_NO_CREDENTIALS)
        for change in entry.get("changes") or []:
            if change.get("field") == "comments" and isinstance(change.get("value"), dict):
                items += [WebhookItem(account, e) for e in _webhook_comment(me, change["value"], entry)]
        for event in entry.get("messaging") or []:
            items += [WebhookItem(account, e) for e in _webhook_message(me, event)]
    return items


def _epoch(value: Any) -> datetime:
    """Meta sends seconds on `changes` entries and milliseconds on `messaging` events."""
    number = int(value)
    return datetime.fromtimestamp(number / 1000 if number > 10**11 else number, UTC)


def _webhook_comment(me: ChannelRef, value: dict[str, Any], entry: dict[str, Any]) -> list[InboxEntry]:
    media = value.get("media") if isinstance(value.get("media"), dict) else {}
    when = _epoch(entry["time"]) if entry.get("time") else datetime.now(UTC)
    raw = {**value, "timestamp": when.strftime("%Y-%m-%dT%H:%M:%S+0000")}
    found = _comment(me, raw, media, _text(value.get("parent_id")))
    return [found] if found else []


def _webhook_message(me: ChannelRef, event: dict[str, Any]) -> list[InboxEntry]:
    message, sender = event.get("message"), event.get("sender") or {}
    if not isinstance(message, dict) or not message.get("mid") or message.get("is_deleted"):
        return []  # reads, reactions and deletions are not inbox items
    when = _epoch(event["timestamp"])
    recipient = event.get("recipient") or {}
    thread = _text(recipient.get("id") if _text(sender.get("id")) == me.external_id else sender.get("id"))
    raw = {"id": message["mid"], "message": message.get("text"), "from": {"id": sender.get("id")},
           "created_time": when.strftime("%Y-%m-%dT%H:%M:%S+0000")}
    found = _message(me, raw, thread)
    return [found] if found else []


