"""LinkedIn comments on organization posts (reference §4.3): `GET /rest/socialActions/{post}/comments`,
then the comments on each comment that has any; answers are `POST .../comments` with `parentComment`,
acting as the organization.

Member channels have no inbox: reading comments on a member's posts needs `r_member_social`, which
LinkedIn grants to few partners, so fetch_inbox answers an empty page for them (sync stays healthy)
rather than an error. LinkedIn has no messaging API for general developers.
The comments API names authors by URN only (names need member-profile access SMO does not have), so a
person appears as "LinkedIn member" with their URN; organizations are named by their URN too.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from platforms.errors import OutcomeUnknown
from platforms.linkedin.client import Connection, encoded
from platforms.linkedin.oauth import ORGANIZATION
from platforms.types import ChannelRef, InboxEntry, InboxPage, PublishResult, ReplyTarget

POSTS_READ = 20  # comments are read on the organization's 20 newest posts
COMMENTS_PAGE = 100
MEMBER_NAME = "LinkedIn member"


def is_organization(channel: ChannelRef) -> bool:
    return channel.external_id.startswith(ORGANIZATION)


def post_permalink(urn: str) -> str:
    return f"https://www.linkedin.com/feed/update/{urn}"


def from_ms(value: Any) -> datetime:
    try:
        return datetime.fromtimestamp(int(value) / 1000, tz=UTC)
    except (TypeError, ValueError):
        return datetime.now(UTC)


def recent_posts(conn: Connection, author: str, count: int) -> list[dict[str, Any]]:
    answer = conn.json("GET", "/rest/posts", params={"author": author, "q": "author", "count": count,
                                                     "sortBy": "LAST_MODIFIED"})
    return [post for post in (answer or {}).get("elements") or [] if isinstance(post, dict) and post.get("id")]


def fetch(conn: Connection, channel: ChannelRef, cursor: str) -> InboxPage:
    if not is_organization(channel):
        return InboxPage(items=(), cursor=cursor)
    seen_ms = _cursor_ms(cursor)
    entries: list[InboxEntry] = []
    for post in recent_posts(conn, channel.external_id, POSTS_READ):
        for comment in _comments(conn, str(post["id"])):
            entry = _entry(channel, str(post["id"]), comment)
            entries.append(entry)
            if int((comment.get("commentsSummary") or {}).get("aggregatedTotalComments") or 0):
                entries += [_entry(channel, str(post["id"]), reply) for reply in _comments(conn, entry.external_id)]
    newest = max([seen_ms, *(int(e.created_at.timestamp() * 1000) for e in entries)])
    # ">=": a comment written in the same millisecond as the newest one seen is not lost; SMO stores each
    # comment once by its URN, so seeing that newest one again is harmless.
    fresh = sorted((e for e in entries if e.created_at.timestamp() * 1000 >= seen_ms), key=lambda e: e.created_at)
    return InboxPage(items=tuple(fresh), cursor=json.dumps({"comments_ms": newest}))


def _cursor_ms(cursor: str) -> int:
    try:
        return int(json.loads(cursor).get("comments_ms") or 0) if cursor else 0
    except (ValueError, AttributeError, TypeError):
        return 0


def _comments(conn: Connection, parent_urn: str) -> list[dict[str, Any]]:
    answer = conn.json("GET", f"/rest/socialActions/{encoded(parent_urn)}/comments", params={"count": COMMENTS_PAGE})
    return [c for c in (answer or {}).get("elements") or [] if isinstance(c, dict)]


def _entry(channel: ChannelRef, post_urn: str, comment: dict[str, Any]) -> InboxEntry:
    urn = str(comment.get("commentUrn") or comment.get("$URN") or comment.get("id") or "")
    actor = str(comment.get("actor") or (comment.get("created") or {}).get("actor") or "")
    parent = str(comment.get("parentComment") or "")
    ours = actor == channel.external_id
    name = channel.handle if ours else (MEMBER_NAME if actor.startswith("urn:li:person:") else actor)
    return InboxEntry(
        external_id=urn, kind="reply" if parent else "comment", conversation_id=post_urn,
        author_name=name, author_handle=actor.rsplit(":", 1)[-1], author_id=actor,
        text=str((comment.get("message") or {}).get("text") or ""),
        created_at=from_ms((comment.get("created") or {}).get("time")), in_reply_to=parent or post_urn,
        post_external_id=post_urn, permalink=post_permalink(post_urn), from_us=ours)


def reply(conn: Connection, channel: ChannelRef, target: ReplyTarget, text: str) -> PublishResult:
    post_urn = target.conversation_id
    parent = target.external_id if target.external_id and target.external_id != post_urn else ""
    if parent and target.kind == "reply":
        parent = _thread_root(conn, post_urn, parent)
    body: dict[str, Any] = {"actor": channel.external_id, "object": post_urn, "message": {"text": text}}
    if parent:
        body["parentComment"] = parent
    response = conn.call("POST", f"/rest/socialActions/{encoded(parent or post_urn)}/comments", json=body,
                         create=True)
    created = response.json() if response.content else {}
    urn = str((created or {}).get("commentUrn") or (created or {}).get("$URN") or
              response.headers.get("x-restli-id") or "")
    if not urn:
        raise OutcomeUnknown("LinkedIn accepted the comment but returned no id; SMO will check the post.")
    return PublishResult(external_id=urn, permalink=post_permalink(post_urn), published_at=datetime.now(UTC))


def _thread_root(conn: Connection, post_urn: str, comment_urn: str) -> str:
    """The top-level comment a reply belongs to: LinkedIn threads comments one level deep, so an answer to a
    reply goes under the same top-level comment."""
    comment_id = comment_urn.rsplit(",", 1)[-1].rstrip(")")
    found = conn.json("GET", f"/rest/socialActions/{encoded(post_urn)}/comments/{encoded(comment_id)}")
    return str((found or {}).get("parentComment") or comment_urn)
