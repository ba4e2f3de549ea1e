"""Mentions of the account (GET /2/users/:id/mentions) turned into inbox entries.

The cursor is the newest mention id seen (`since_id`). X pages newest-first, so one sync follows
`next_token` for a bounded number of pages; the cursor only moves once a sync has finished.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from platforms.types import ChannelRef, InboxEntry, InboxPage

MENTION_PAGES = 5
TWEET_FIELDS = ["created_at", "author_id", "conversation_id", "in_reply_to_user_id", "referenced_tweets"]


def mention_params(*, since_id: str | None, pagination_token: str | None) -> dict[str, Any]:
    return {
        "since_id": since_id,
        "pagination_token": pagination_token,
        "max_results": 100,
        "tweet_fields": TWEET_FIELDS,
        "expansions": ["author_id"],
        "user_fields": ["username", "name"],
    }


def parse_time(value: str | None) -> datetime:
    if not value:
        return datetime.now(UTC)
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def collect(channel: ChannelRef, cursor: str, fetch: Callable[[str | None], dict[str, Any]]) -> InboxPage:
    """Fetch up to MENTION_PAGES pages of mentions newer than `cursor`, oldest first."""
    entries: list[InboxEntry] = []
    newest = cursor
    token: str | None = None
    for _ in range(MENTION_PAGES):
        page = fetch(token)
        meta = page.get("meta") or {}
        if newest == cursor and meta.get("newest_id"):
            newest = str(meta["newest_id"])  # the first page carries the newest id of the whole result
        users = {str(u["id"]): u for u in (page.get("includes") or {}).get("users", [])}
        entries += [_entry(channel, post, users) for post in page.get("data") or []]
        token = meta.get("next_token")
        if not token or not cursor:  # a first sync takes one page rather than the whole history
            break
    entries.sort(key=lambda entry: int(entry.external_id) if entry.external_id.isdigit() else 0)
    return InboxPage(items=tuple(entries), cursor=newest)


def _entry(channel: ChannelRef, post: dict[str, Any], users: dict[str, dict[str, Any]]) -> InboxEntry:
    author = users.get(str(post.get("author_id")), {})
    references = post.get("referenced_tweets") or []
    replied_to = next((str(ref["id"]) for ref in references if ref.get("type") == "replied_to"), "")
    is_reply = str(post.get("in_reply_to_user_id") or "") == channel.external_id
    return InboxEntry(
        external_id=str(post["id"]),
        kind="reply" if is_reply else "mention",
        conversation_id=str(post.get("conversation_id") or post["id"]),
        author_name=str(author.get("name") or ""),
        author_handle=str(author.get("username") or ""),
        text=str(post.get("text") or ""),
        created_at=parse_time(post.get("created_at")),
        in_reply_to=replied_to,
    )
