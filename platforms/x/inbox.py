"""The X inbox: mentions, replies to our recent posts and direct messages, as inbox entries.

Three streams, each with its own position, kept together in one JSON cursor
(`{"mentions": id, "replies": id, "messages": id}`; a bare id is an older mentions-only cursor):
- mentions: GET /2/users/:id/mentions with `since_id`;
- replies: GET /2/tweets/search/recent with `conversation_id:<root> OR …` over our last posts
  (search only covers seven days, and so do the roots we look at) with `since_id`;
- messages: GET /2/dm_events, which has no `since_id`: pages are read newest first until an id
  at or below the cursor shows up.
X pages newest-first, so a sync follows `next_token` for a bounded number of pages; a first sync
takes one page rather than the whole history. A stream's cursor only moves once it has been read.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from platforms.types import ChannelRef, InboxEntry, InboxPage
from platforms.x.client import profile_url, status_url

logger = logging.getLogger(__name__)

MAX_PAGES = 5
REPLY_ROOTS = 10  # "conversation_id:<19 digits>" x 10 joined by " OR " stays inside the 512-character query
STREAMS = ("mentions", "replies", "messages")
TWEET_FIELDS = ["created_at", "author_id", "conversation_id", "in_reply_to_user_id", "referenced_tweets"]
USER_FIELDS = ["username", "name", "profile_image_url"]
DM_FIELDS = ["id", "text", "created_at", "sender_id", "dm_conversation_id"]

Page = Callable[[str | None], dict[str, Any]]  # pagination token -> one decoded page


def load_cursor(raw: str) -> dict[str, str]:
    if not raw:
        return {}
    if raw.isdigit():
        return {"mentions": raw}
    try:
        data = json.loads(raw)
    except ValueError:
        data = None
    if not isinstance(data, dict):
        logger.warning("Ignoring an X inbox cursor that is not SMO's JSON; syncing from the latest items.")
        return {}
    return {key: str(data[key]) for key in STREAMS if str(data.get(key, "")).isdigit()}


def dump_cursor(cursor: dict[str, str]) -> str:
    return json.dumps({key: cursor[key] for key in STREAMS if cursor.get(key)}, separators=(",", ":"))


def mention_params(*, since_id: str | None, pagination_token: str | None) -> dict[str, Any]:
    return {"since_id": since_id, "pagination_token": pagination_token, "max_results": 100,
            "tweet_fields": TWEET_FIELDS, "expansions": ["author_id"], "user_fields": USER_FIELDS}


def search_params(roots: list[str], *, since_id: str | None, next_token: str | None) -> dict[str, Any]:
    query = " OR ".join(f"conversation_id:{root}" for root in roots)
    return {"query": query, "since_id": since_id, "next_token": next_token, "max_results": 100,
            "tweet_fields": TWEET_FIELDS, "expansions": ["author_id"], "user_fields": USER_FIELDS}


def root_params() -> dict[str, Any]:
    return {"exclude": ["replies", "retweets"], "max_results": REPLY_ROOTS, "tweet_fields": ["created_at"],
            "start_time": datetime.now(UTC) - timedelta(days=7)}


def dm_params(*, pagination_token: str | None) -> dict[str, Any]:
    return {"dm_event_fields": DM_FIELDS, "event_types": "MessageCreate", "expansions": ["sender_id"],
            "user_fields": USER_FIELDS, "max_results": 100, "pagination_token": pagination_token}


def roots_of(page: dict[str, Any]) -> list[str]:
    return [str(post["id"]) for post in page.get("data") or [] if str(post.get("id", "")).isdigit()]


def parse_time(value: str | None) -> datetime:
    if not value:
        return datetime.now(UTC)
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return datetime.now(UTC)


def tweets(channel: ChannelRef, since: str, fetch: Page, roots: set[str]) -> tuple[list[InboxEntry], str]:
    """Tweet entries newer than `since` from a since_id-paged endpoint, and the stream's new position."""
    entries: list[InboxEntry] = []
    newest, token = since, None
    for _ in range(MAX_PAGES):
        page = fetch(token)
        meta = page.get("meta") or {}
        if newest == since and str(meta.get("newest_id", "")).isdigit():
            newest = str(meta["newest_id"])  # the first page carries the newest id of the whole result
        users = _users(page)
        entries += [_tweet(channel, post, users, roots) for post in page.get("data") or [] if _valid(post)]
        token = meta.get("next_token")
        if not token or not since:
            break
    return entries, newest


def messages(channel: ChannelRef, since: str, fetch: Page) -> tuple[list[InboxEntry], str]:
    """DM entries newer than `since` (event ids are time-ordered like post ids), and the new position."""
    entries: list[InboxEntry] = []
    newest, token = since, None
    for _ in range(MAX_PAGES):
        page = fetch(token)
        users = _users(page)
        events = [e for e in page.get("data") or [] if _valid(e) and e.get("event_type", "MessageCreate")
                  == "MessageCreate"]
        fresh = [e for e in events if not since or int(e["id"]) > int(since)]
        entries += [_message(channel, event, users) for event in fresh]
        newest = max([newest, *(str(e["id"]) for e in fresh)], key=lambda i: int(i) if i else 0)
        token = (page.get("meta") or {}).get("next_token")
        if not token or not since or len(fresh) < len(events):
            break
    return entries, newest


def merge(*streams: list[InboxEntry], cursor: dict[str, str]) -> InboxPage:
    """One page, oldest first; a reply that also mentions us is kept once, as the reply."""
    chosen: dict[str, InboxEntry] = {}
    for entry in (entry for stream in streams for entry in stream):
        known = chosen.get(entry.external_id)
        if known is None or (entry.post_external_id and not known.post_external_id):
            chosen[entry.external_id] = entry
    items = sorted(chosen.values(), key=lambda e: (e.created_at, int(e.external_id)))
    return InboxPage(items=tuple(items), cursor=dump_cursor(cursor))


def _valid(item: Any) -> bool:
    return isinstance(item, dict) and str(item.get("id", "")).isdigit()


def _users(page: dict[str, Any]) -> dict[str, dict[str, Any]]:
    users = (page.get("includes") or {}).get("users") or []
    return {str(u["id"]): u for u in users if isinstance(u, dict) and "id" in u}


def _tweet(channel: ChannelRef, post: dict[str, Any], users: dict[str, dict[str, Any]],
           roots: set[str]) -> InboxEntry:
    author_id = str(post.get("author_id") or "")
    author = users.get(author_id, {})
    handle = str(author.get("username") or "")
    references = post.get("referenced_tweets") or []
    replied_to = next((str(ref.get("id")) for ref in references if isinstance(ref, dict)
                       and ref.get("type") == "replied_to"), "")
    conversation = str(post.get("conversation_id") or post["id"])
    ours = conversation in roots
    is_reply = ours or str(post.get("in_reply_to_user_id") or "") == channel.external_id
    return InboxEntry(
        external_id=str(post["id"]), kind="reply" if is_reply else "mention", conversation_id=conversation,
        author_name=str(author.get("name") or ""), author_handle=handle, text=str(post.get("text") or ""),
        created_at=parse_time(post.get("created_at")), in_reply_to=replied_to, author_id=author_id,
        author_avatar_url=str(author.get("profile_image_url") or ""), author_url=profile_url(handle),
        post_external_id=conversation if ours else "", permalink=status_url(handle, str(post["id"])),
        from_us=author_id == channel.external_id,
    )


def _message(channel: ChannelRef, event: dict[str, Any], users: dict[str, dict[str, Any]]) -> InboxEntry:
    sender_id = str(event.get("sender_id") or "")
    sender = users.get(sender_id, {})
    handle = str(sender.get("username") or "")
    conversation = str(event.get("dm_conversation_id") or "")
    return InboxEntry(
        external_id=str(event["id"]), kind="message", conversation_id=conversation,
        author_name=str(sender.get("name") or ""), author_handle=handle, text=str(event.get("text") or ""),
        created_at=parse_time(event.get("created_at")), author_id=sender_id,
        author_avatar_url=str(sender.get("profile_image_url") or ""), author_url=profile_url(handle),
        permalink=f"https://x.com/messages/{conversation}" if conversation else "",
        from_us=sender_id == channel.external_id,
    )
