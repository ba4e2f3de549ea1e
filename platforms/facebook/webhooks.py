"""Inbox entries in one stored Meta "page" webhook event (reference §2.3; platforms/webhook_events.py).

Kept: `feed` changes with `item: comment, verb: add` and Messenger `messaging` items with a message
(echoes of the Page's own messages included, as from_us). Everything else (reactions, edits,
deletions, read and delivery receipts) is ignored. A malformed event yields nothing and a warning:
it was signed by Meta, so it is not an attack worth an error, and raising would only retry it.
The entry ids match what the Graph API returns when polling, so either path stores one item.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

from platforms.facebook import inbox
from platforms.facebook.video import post_permalink
from platforms.types import InboxEntry, WebhookItem

logger = logging.getLogger(__name__)


def webhook_items(payload: Any) -> list[WebhookItem]:
    if not isinstance(payload, dict) or payload.get("object") != "page":
        logger.warning("Facebook webhook event ignored: not a Page event")
        return []
    entries = payload.get("entry")
    if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
        logger.warning("Facebook webhook event ignored: no entry list")
        return []
    items: list[WebhookItem] = []
    for entry in entries:
        page_id = str(entry.get("id") or "")
        if not page_id.isdigit():
            logger.warning("Facebook webhook entry ignored: no Page id")
            continue
        found = [*_comments(entry.get("changes"), page_id), *_messages(entry.get("messaging"), page_id)]
        items += [WebhookItem(account_id=page_id, entry=e) for e in found]
    return items


def _unix(value: Any, *, millis: bool = False) -> datetime | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    try:
        return datetime.fromtimestamp(value / 1000 if millis else value, UTC)
    except (OverflowError, OSError, ValueError):
        return None


def _comments(changes: Any, page_id: str) -> list[InboxEntry]:
    found = []
    for change in changes if isinstance(changes, list) else ():
        value = change.get("value") if isinstance(change, dict) and change.get("field") == "feed" else None
        if not isinstance(value, dict) or value.get("item") != "comment" or value.get("verb") != "add":
            continue
        entry = _comment(value, page_id)
        if entry is None:
            logger.warning("Facebook comment webhook without ids or time skipped")
        else:
            found.append(entry)
    return found


def _comment(value: dict[str, Any], page_id: str) -> InboxEntry | None:
    comment_id, post_id = str(value.get("comment_id") or ""), str(value.get("post_id") or "")
    created = _unix(value.get("created_time"))
    if not comment_id or not post_id or created is None:
        return None
    author_id, name = inbox.author(value.get("from"))
    # Meta names the post as parent of a top-level comment.
    parent_id = str(value.get("parent_id") or "")
    is_reply = bool(parent_id) and parent_id != post_id
    return InboxEntry(
        external_id=comment_id, kind="reply" if is_reply else "comment", conversation_id=post_id,
        author_name=name, author_handle="", text=str(value.get("message") or ""), created_at=created,
        in_reply_to=parent_id if is_reply else post_id, author_id=author_id, author_url=inbox.profile_url(author_id),
        post_external_id=post_id, permalink=f"{post_permalink(post_id)}?comment_id={comment_id.rsplit('_', 1)[-1]}",
        from_us=author_id == page_id,
    )


def _messages(messaging: Any, page_id: str) -> list[InboxEntry]:
    found = []
    for event in messaging if isinstance(messaging, list) else ():
        message = event.get("message") if isinstance(event, dict) else None
        if not isinstance(message, dict):
            continue  # delivery and read receipts, postbacks, reactions
        sender, recipient = _id(event.get("sender")), _id(event.get("recipient"))
        created, mid = _unix(event.get("timestamp"), millis=True), str(message.get("mid") or "")
        from_us = sender == page_id
        person = recipient if from_us else sender
        if not mid or not person or created is None:
            logger.warning("Facebook message webhook without ids or time skipped")
            continue
        found.append(InboxEntry(
            # No name in Messenger events: left blank for the next poll to fill in (inbox.services).
            external_id=mid, kind="message", conversation_id=person, author_name="",
            author_handle="", text=str(message.get("text") or ""), created_at=created, author_id=sender,
            from_us=from_us,
        ))
    return found


def _id(party: Any) -> str:
    return str(party.get("id") or "") if isinstance(party, dict) else ""
