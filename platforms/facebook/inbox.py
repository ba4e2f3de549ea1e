"""What comes back from a Page (reference §2.3): comments and replies on recent posts, Messenger messages.

Two streams, each with its own watermark in the cursor (JSON): the newest `created_time` seen and
the ids seen at that second, so items of the same second are neither lost nor repeated. Comments
are read per recent post (`/{post-id}/comments`, `filter=stream` so replies come too, newest first,
stopping at the watermark); messages from `/{page-id}/conversations?platform=messenger`, newest
conversation first, stopping at the first one not updated since the watermark.

A Messenger thread is keyed by the person's page-scoped id (PSID), not by Graph's `t_…` id:
webhooks carry only the PSID, and a reply needs it as the recipient anyway.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from itertools import islice, takewhile
from typing import Any

from platforms.types import InboxEntry

logger = logging.getLogger(__name__)

POSTS_WATCHED = 10  # comments are collected on the Page's newest posts
MAX_COMMENTS_PER_POST = 500
MAX_CONVERSATIONS = 100
COMMENT_FIELDS = "id,message,from,created_time,parent{id},permalink_url,is_hidden"
CONVERSATION_FIELDS = "id,updated_time,messages{id,message,from,to,created_time}"
UNKNOWN_AUTHOR = "Facebook user"  # Meta omits `from` when the app may not see who wrote it


def parse_time(value: Any) -> datetime | None:
    """Graph's `2024-05-01T12:00:00+0000`; None for anything else."""
    try:
        return datetime.strptime(str(value), "%Y-%m-%dT%H:%M:%S%z").astimezone(UTC)
    except ValueError:
        return None


def profile_url(user_id: str) -> str:
    return f"https://www.facebook.com/{user_id}" if user_id.isdigit() else ""


def facebook_url(value: Any) -> str:
    """A permalink from Meta, kept only when it really points at facebook.com over https."""
    url = str(value or "")
    return url if url.startswith(("https://www.facebook.com/", "https://facebook.com/")) else ""


def author(raw: Any) -> tuple[str, str]:
    """(id, name) of a Graph `from`/`to` object. Messenger ids are page-scoped (no public profile URL)."""
    if not isinstance(raw, dict):
        return "", UNKNOWN_AUTHOR
    return str(raw.get("id") or ""), str(raw.get("name") or "") or UNKNOWN_AUTHOR


# -- cursor ---------------------------------------------------------------------------------------


@dataclass
class Mark:
    """A stream's watermark: the newest time seen and the ids seen at exactly that time."""

    time: datetime | None = None
    ids: frozenset[str] = frozenset()

    def is_new(self, entry: InboxEntry) -> bool:
        if self.time is None or entry.created_at > self.time:
            return True
        return entry.created_at == self.time and entry.external_id not in self.ids

    def reaches(self, moment: datetime | None) -> bool:
        """Whether something stamped `moment` may still hold new items (unknown times are read)."""
        return self.time is None or moment is None or moment >= self.time

    def advanced(self, entries: Iterable[InboxEntry]) -> Mark:
        newest, ids = self.time, set(self.ids)
        for entry in entries:
            if newest is None or entry.created_at > newest:
                newest, ids = entry.created_at, {entry.external_id}
            elif entry.created_at == newest:
                ids.add(entry.external_id)
        return Mark(newest, frozenset(ids))

    def dump(self) -> dict[str, Any]:
        return {"t": self.time.isoformat() if self.time else None, "ids": sorted(self.ids)}

    @classmethod
    def load(cls, raw: Any) -> Mark:
        if not isinstance(raw, dict) or not isinstance(raw.get("t"), str):
            return cls()
        try:
            moment = datetime.fromisoformat(raw["t"])
        except ValueError:
            return cls()
        ids = raw.get("ids") if isinstance(raw.get("ids"), list) else []
        return cls(moment if moment.tzinfo else moment.replace(tzinfo=UTC), frozenset(str(i) for i in ids))


def load_cursor(cursor: str) -> dict[str, Mark]:
    try:
        raw = json.loads(cursor) if cursor else {}
    except ValueError:
        logger.warning("Facebook inbox cursor is not JSON; collecting from the start again")
        raw = {}
    raw = raw if isinstance(raw, dict) else {}
    return {stream: Mark.load(raw.get(stream)) for stream in ("comments", "messages")}


def dump_cursor(marks: dict[str, Mark]) -> str:
    return json.dumps({stream: mark.dump() for stream, mark in marks.items()}, separators=(",", ":"))


# -- comments -------------------------------------------------------------------------------------


def recent_comments(rows: Iterable[Any], mark: Mark) -> Iterator[Any]:
    """Comments newest first until the watermark is passed (an undated row never stops the read)."""
    dicts = (row for row in rows if isinstance(row, dict))
    return islice(takewhile(lambda row: mark.reaches(parse_time(row.get("created_time"))), dicts),
                  MAX_COMMENTS_PER_POST)


def comment_entry(raw: Any, post_id: str, page_id: str) -> InboxEntry | None:
    comment_id = str(raw.get("id") or "") if isinstance(raw, dict) else ""
    created = parse_time(raw.get("created_time")) if comment_id else None
    if created is None:
        logger.warning("Facebook comment on %s without an id or time skipped", post_id)
        return None
    author_id, name = author(raw.get("from"))
    parent = raw.get("parent")
    parent_id = str(parent.get("id") or "") if isinstance(parent, dict) else ""
    return InboxEntry(
        external_id=comment_id, kind="reply" if parent_id else "comment", conversation_id=post_id,
        author_name=name, author_handle="", text=str(raw.get("message") or ""), created_at=created,
        in_reply_to=parent_id or post_id, author_id=author_id, author_url=profile_url(author_id),
        post_external_id=post_id, permalink=facebook_url(raw.get("permalink_url")),
        hidden=raw.get("is_hidden") is True, from_us=bool(author_id) and author_id == page_id,
    )


# -- messages -------------------------------------------------------------------------------------


def conversation_messages(conversation: Any) -> list[Any]:
    messages = conversation.get("messages") if isinstance(conversation, dict) else None
    data = messages.get("data") if isinstance(messages, dict) else None
    return [m for m in data if isinstance(m, dict)] if isinstance(data, list) else []


def message_entry(raw: dict[str, Any], page_id: str) -> InboxEntry | None:
    message_id, created = str(raw.get("id") or ""), parse_time(raw.get("created_time"))
    sender_id, name = author(raw.get("from"))
    recipients = raw.get("to", {}).get("data") if isinstance(raw.get("to"), dict) else None
    recipient_id = author(recipients[0])[0] if isinstance(recipients, list) and recipients else ""
    from_us = sender_id == page_id
    person = recipient_id if from_us else sender_id
    if not message_id or created is None or not person:
        logger.warning("Facebook message without an id, time or sender skipped")
        return None
    return InboxEntry(
        external_id=message_id, kind="message", conversation_id=person, author_name=name, author_handle="",
        text=str(raw.get("message") or ""), created_at=created, author_id=sender_id, from_us=from_us,
    )
