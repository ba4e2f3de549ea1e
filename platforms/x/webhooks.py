"""Inbox entries in one X Account Activity event (stored whole, see platforms.webhook_events).

Account Activity speaks v1.1 objects: tweets carry `id_str`, `user.screen_name`, `in_reply_to_*_str`
and a Twitter-style `created_at`; direct messages come as `message_create` events with a `users` map.
Neither carries a v2 conversation id: a reply is grouped under the post it answers (its
`in_reply_to_status_id_str`) and a DM under X's one-to-one conversation id "<lower id>-<higher id>".
Our own tweets and messages, retweets and every other event kind (likes, follows, typing) are skipped.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

from platforms.types import InboxEntry, WebhookItem
from platforms.x.client import profile_url, status_url

logger = logging.getLogger(__name__)


def items(payload: dict[str, Any]) -> list[WebhookItem]:
    account_id = str(payload.get("for_user_id") or "") if isinstance(payload, dict) else ""
    if not account_id.isdigit():
        logger.warning("X webhook event without a usable for_user_id; ignored.")
        return []
    try:
        entries = [*_tweets(account_id, payload.get("tweet_create_events")),
                   *_messages(account_id, payload.get("direct_message_events"), payload.get("users"))]
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        logger.warning("Malformed X webhook event for %s ignored: %s", account_id, type(exc).__name__)
        return []
    return [WebhookItem(account_id=account_id, entry=entry) for entry in entries]


def _tweets(account_id: str, events: Any) -> list[InboxEntry]:
    entries = []
    for tweet in _list(events):
        user = tweet["user"]
        author_id = str(user["id_str"])
        if author_id == account_id or "retweeted_status" in tweet:
            continue
        handle = str(user.get("screen_name") or "")
        tweet_id = _digits(tweet["id_str"])
        parent = str(tweet.get("in_reply_to_status_id_str") or "")
        to_us = str(tweet.get("in_reply_to_user_id_str") or "") == account_id
        extended = tweet.get("extended_tweet") if isinstance(tweet.get("extended_tweet"), dict) else {}
        entries.append(InboxEntry(
            external_id=tweet_id, kind="reply" if to_us else "mention", conversation_id=parent or tweet_id,
            author_name=str(user.get("name") or ""), author_handle=handle,
            text=str(extended.get("full_text") or tweet.get("text") or ""),
            created_at=_twitter_time(tweet.get("created_at")), in_reply_to=parent, author_id=author_id,
            author_avatar_url=str(user.get("profile_image_url_https") or ""), author_url=profile_url(handle),
            post_external_id=parent if to_us else "", permalink=status_url(handle, tweet_id),
        ))
    return entries


def _messages(account_id: str, events: Any, users: Any) -> list[InboxEntry]:
    users = users if isinstance(users, dict) else {}
    entries = []
    for event in _list(events):
        if event.get("type") != "message_create":
            continue
        create = event["message_create"]
        sender_id = str(create["sender_id"])
        if sender_id == account_id:
            continue
        sender = users.get(sender_id) if isinstance(users.get(sender_id), dict) else {}
        handle = str(sender.get("screen_name") or "")
        recipient = str(create["target"]["recipient_id"])
        conversation = "-".join(sorted((sender_id, recipient), key=int))
        entries.append(InboxEntry(
            external_id=_digits(event["id"]), kind="message", conversation_id=conversation,
            author_name=str(sender.get("name") or ""), author_handle=handle,
            text=str((create.get("message_data") or {}).get("text") or ""),
            created_at=datetime.fromtimestamp(int(event["created_timestamp"]) / 1000, tz=UTC),
            author_id=sender_id, author_avatar_url=str(sender.get("profile_image_url_https") or ""),
            author_url=profile_url(handle), permalink=f"https://x.com/messages/{conversation}",
        ))
    return entries


def _list(events: Any) -> list[dict[str, Any]]:
    if events is None:
        return []
    if not isinstance(events, list) or not all(isinstance(event, dict) for event in events):
        raise TypeError("event list")
    return events


def _digits(value: Any) -> str:
    text = str(value)
    if not text.isdigit():
        raise ValueError("id")
    return text


def _twitter_time(value: Any) -> datetime:
    """v1.1 dates look like "Wed Oct 10 20:19:24 +0000 2018"; RFC 2822 parsing needs the year moved."""
    if not isinstance(value, str):
        return datetime.now(UTC)
    parts = value.split()
    try:
        if len(parts) == 6:
            return parsedate_to_datetime(f"{parts[0]}, {parts[2]} {parts[1]} {parts[5]} {parts[3]} {parts[4]}")
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except (TypeError, ValueError):
        return datetime.now(UTC)
