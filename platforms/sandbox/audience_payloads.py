"""Webhook bodies for what the audience simulator created, shaped like the platforms' own.

- Meta (reference §2.3, §3.3): one POST per run, ``{"object": "page"|"instagram", "entry": [...]}``,
  one entry per item: ``changes`` (field ``feed`` for Pages, ``comments`` for Instagram) or
  ``messaging`` for direct messages.
- X Account Activity (§1.3): one POST per event, ``{"for_user_id", "tweet_create_events": [<v1.1
  tweet>]}`` or ``{"for_user_id", "direct_message_events": [...], "users": {...}}``.
Signing and sending is ``webhooks.py``'s job, which computes the HMACs on its own.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

import requests

from .state import Account, Store
from .webhooks import send_meta_event, send_x_event

V1_DATE = "%a %b %d %H:%M:%S +0000 %Y"  # X's v1.1 created_at, as Account Activity still sends it


def send_meta(url: str, secret: str, payload: dict[str, Any]) -> requests.Response:
    return send_meta_event(url, secret, payload)


def send_x(url: str, secret: str, payload: dict[str, Any]) -> requests.Response:
    return send_x_event(url, secret, payload)


def _moment(item: dict[str, Any]) -> datetime:
    return datetime.fromisoformat(item["created_at"])


def meta_batches(platform: str, account: Account, items: list[dict[str, Any]], store: Store
                 ) -> Iterator[dict[str, Any]]:
    entries = [_meta_entry(platform, account, item) for item in items]
    yield {"object": "page" if platform == "facebook" else "instagram", "entry": entries}


def _meta_entry(platform: str, account: Account, item: dict[str, Any]) -> dict[str, Any]:
    moment = _moment(item)
    if item["kind"] == "messages":
        millis = int(moment.timestamp() * 1000)
        return {"id": account.id, "time": millis, "messaging": [{
            "sender": {"id": item["author"]["id"]}, "recipient": {"id": account.id}, "timestamp": millis,
            "message": {"mid": item["id"], "text": item["text"]}}]}
    if platform == "facebook":
        value = {"from": {"id": item["author"]["id"], "name": item["author"]["name"]},
                 "post": {"id": item["post_id"], "status_type": "mobile_status_update", "is_published": True},
                 "message": item["text"], "post_id": item["post_id"], "comment_id": item["id"],
                 "created_time": int(moment.timestamp()), "item": "comment", "parent_id": item["parent_id"],
                 "verb": "add"}
        return {"id": account.id, "time": int(moment.timestamp()), "changes": [{"field": "feed", "value": value}]}
    value = {"from": {"id": item["author"]["id"], "username": item["author"]["handle"]},
             "media": {"id": item["post_id"], "media_product_type": "FEED"}, "id": item["id"], "text": item["text"]}
    if item["parent_id"] != item["post_id"]:
        value["parent_id"] = item["parent_id"]  # Instagram names the parent only on replies
    return {"id": account.id, "time": int(moment.timestamp()), "changes": [{"field": "comments", "value": value}]}


def x_events(platform: str, account: Account, items: list[dict[str, Any]], store: Store
             ) -> Iterator[dict[str, Any]]:
    for item in items:
        author = store.find_account("x", item["author"]["id"])
        if item["kind"] == "messages":
            yield _x_dm_event(account, author, item)
        else:
            parent = store.get_post("x", item["parent_id"]) if item["parent_id"] else None
            replied_to = store.find_account("x", parent.account_id) if parent else None
            yield {"for_user_id": account.id, "tweet_create_events": [_x_tweet(account, author, item, replied_to)]}


def _x_user(account: Account | None, fallback: dict[str, str]) -> dict[str, Any]:
    if account is None:
        return {"id": int(fallback["id"]), "id_str": fallback["id"], "name": fallback["name"],
                "screen_name": fallback["handle"]}
    return {"id": int(account.id), "id_str": account.id, "name": account.name, "screen_name": account.username,
            "profile_image_url_https": account.profile_image_url}


def _x_tweet(ours: Account, author: Account | None, item: dict[str, Any], replied_to: Account | None
             ) -> dict[str, Any]:
    """A v1.1 tweet; a reply names the author of the post it answers (a stranger's comment, or us)."""
    parent = item["parent_id"]
    return {
        "created_at": _moment(item).strftime(V1_DATE), "id": int(item["id"]), "id_str": item["id"],
        "text": item["text"], "in_reply_to_status_id": int(parent) if parent else None,
        "in_reply_to_status_id_str": parent or None,
        "in_reply_to_user_id_str": replied_to.id if replied_to else None,
        "in_reply_to_screen_name": replied_to.username if replied_to else None,
        "user": _x_user(author, item["author"]),
        "entities": {"hashtags": [], "urls": [], "symbols": [],
                     "user_mentions": [{"screen_name": ours.username, "name": ours.name, "id": int(ours.id),
                                        "id_str": ours.id}]},
    }


def _x_dm_event(ours: Account, author: Account | None, item: dict[str, Any]) -> dict[str, Any]:
    sender = _x_user(author, item["author"])
    millis = str(int(_moment(item).timestamp() * 1000))
    event = {"type": "message_create", "id": item["id"], "created_timestamp": millis,
             "message_create": {"target": {"recipient_id": ours.id}, "sender_id": item["author"]["id"],
                                "message_data": {"text": item["text"],
                                                 "entities": {"hashtags": [], "symbols": [], "user_mentions": [],
                                                              "urls": []}}}}
    users = {item["author"]["id"]: {**sender, "id": item["author"]["id"]},
             ours.id: {**_x_user(ours, {}), "id": ours.id}}
    return {"for_user_id": ours.id, "direct_message_events": [event], "users": users}
