"""YouTube comments as inbox items (reference §5.3): comment threads on the channel's videos and their
replies, answers with ``comments.insert``, hiding with ``comments.setModerationStatus``. No DMs exist.

The cursor is the newest ``publishedAt`` seen; items at that very second are returned again and the
inbox keeps each external id once, so a comment sharing the cursor's second is never lost.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from platforms.errors import OutcomeUnknown
from platforms.types import ChannelRef, InboxEntry, InboxPage, PublishResult, ReplyTarget
from platforms.youtube.client import API, LIST_UNITS, WRITE_UNITS, Connection, connect

THREAD_PAGE = 100  # commentThreads.list maxResults ceiling
MAX_PAGES = 3


def parse_time(value: Any) -> datetime | None:
    try:
        moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def fetch_inbox(channel: ChannelRef, cursor: str) -> InboxPage:
    conn = connect(channel)
    since = parse_time(cursor) if cursor else None
    entries: list[InboxEntry] = []
    params: dict[str, Any] = {"part": "snippet,replies", "allThreadsRelatedToChannelId": channel.external_id,
                              "maxResults": THREAD_PAGE, "order": "time", "textFormat": "plainText"}
    for _ in range(MAX_PAGES):
        page = conn.json("GET", f"{API}/commentThreads", units=LIST_UNITS, params=params)
        threads = page.get("items") or []
        for thread in threads:
            entries += _thread_entries(conn, channel, thread)
        if not page.get("nextPageToken") or not threads or _older(threads[-1], since):
            break
        params = {**params, "pageToken": page["nextPageToken"]}
    fresh = [e for e in entries if since is None or e.created_at >= since]
    fresh.sort(key=lambda e: (e.created_at, e.external_id))
    newest = max((e.created_at for e in fresh), default=since)
    return InboxPage(items=tuple(fresh), cursor=newest.strftime("%Y-%m-%dT%H:%M:%SZ") if newest else cursor)


def _older(thread: dict[str, Any], since: datetime | None) -> bool:
    if since is None:
        return False
    snippet = ((thread.get("snippet") or {}).get("topLevelComment") or {}).get("snippet") or {}
    updated = parse_time(snippet.get("updatedAt") or snippet.get("publishedAt"))
    return updated is not None and updated < since


def _thread_entries(conn: Connection, channel: ChannelRef, thread: dict[str, Any]) -> list[InboxEntry]:
    snippet = thread.get("snippet") or {}
    top = snippet.get("topLevelComment") or {}
    video_id = str(snippet.get("videoId") or "")
    entries = [_entry(channel, top, video_id, "comment")]
    replies = (thread.get("replies") or {}).get("comments") or []
    if int(snippet.get("totalReplyCount") or 0) > len(replies):
        replies = _all_replies(conn, str(top.get("id") or ""))
    entries += [_entry(channel, reply, video_id, "reply") for reply in replies]
    return [e for e in entries if e.external_id]


def _all_replies(conn: Connection, parent_id: str) -> list[dict[str, Any]]:
    page = conn.json("GET", f"{API}/comments", units=LIST_UNITS,
                     params={"part": "snippet", "parentId": parent_id, "maxResults": 100, "textFormat": "plainText"})
    return list(page.get("items") or [])


def _entry(channel: ChannelRef, comment: dict[str, Any], video_id: str, kind: str) -> InboxEntry:
    snippet = comment.get("snippet") or {}
    author_id = str((snippet.get("authorChannelId") or {}).get("value") or "")
    comment_id = str(comment.get("id") or "")
    parent = str(snippet.get("parentId") or "") or video_id
    return InboxEntry(
        external_id=comment_id, kind=kind, conversation_id=video_id,
        author_name=str(snippet.get("authorDisplayName") or ""),
        author_handle=str(snippet.get("authorDisplayName") or "").lstrip("@"),
        text=str(snippet.get("textOriginal") or snippet.get("textDisplay") or ""),
        created_at=parse_time(snippet.get("publishedAt")) or datetime.now(UTC),
        in_reply_to=parent, author_id=author_id,
        author_avatar_url=str(snippet.get("authorProfileImageUrl") or ""),
        author_url=str(snippet.get("authorChannelUrl") or ""), post_external_id=video_id,
        permalink=f"https://www.youtube.com/watch?v={video_id}&lc={comment_id}" if video_id else "",
        hidden=snippet.get("moderationStatus") in ("heldForReview", "rejected"),
        from_us=bool(author_id) and author_id == channel.external_id,
    )


def reply(channel: ChannelRef, target: ReplyTarget, text: str) -> PublishResult:
    # YouTube threads are one level deep: an answer to a reply goes under the thread's top-level comment.
    parent = target.external_id.split(".", 1)[0]
    body = {"snippet": {"parentId": parent, "textOriginal": text}}
    created = connect(channel).json("POST", f"{API}/comments", units=WRITE_UNITS, create=True,
                                    params={"part": "snippet"}, json=body)
    if not created.get("id"):
        raise OutcomeUnknown("YouTube accepted the reply but returned no id; SMO will check the thread.",
                             platform_code="no_id")
    snippet = created.get("snippet") or {}
    video_id = str(snippet.get("videoId") or target.conversation_id)
    return PublishResult(external_id=str(created["id"]),
                         permalink=f"https://www.youtube.com/watch?v={video_id}&lc={created['id']}" if video_id else "",
                         published_at=parse_time(snippet.get("publishedAt")))


def set_hidden(channel: ChannelRef, external_id: str, hidden: bool) -> None:
    status = "heldForReview" if hidden else "published"
    connect(channel).call("POST", f"{API}/comments/setModerationStatus", units=WRITE_UNITS,
                          params={"id": external_id, "moderationStatus": status})
