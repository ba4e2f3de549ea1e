"""X (API v2) wire formats shared by the X dialect modules: error bodies, fields, lengths.

Error shapes follow reference/platform-apis.md §1.4. Where the reference is silent:
- 401 body: X's "problem" JSON ``{"title":"Unauthorized","type":"about:blank","status":401,
  "detail":"Unauthorized"}`` sent as ``application/problem+json``, as X does for every problem.
- 400 "Invalid Request": X's documented shape ``{"errors":[{"parameters":{…},"message":…}],
  "title":"Invalid Request","detail":"One or more parameters to your request was invalid.",
  "type":"https://api.twitter.com/2/problems/invalid-request"}``; the messages are ours.
- Missing resources on reads: X answers **200** with partial ``errors`` (``Not Found Error``,
  ``resource-not-found``) rather than a 404, and so do we.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from functools import wraps
from http import HTTPStatus
from typing import Any

from aiohttp import web

from .dialect import json_response
from .state import Account, Post, iso_z

PROBLEM = "application/problem+json"
INVALID_REQUEST_TYPE = "https://api.twitter.com/2/problems/invalid-request"
NOT_FOUND_TYPE = "https://api.twitter.com/2/problems/resource-not-found"
DUPLICATE_DETAIL = "You are not allowed to create a Tweet with duplicate content."
MAX_WEIGHTED_LENGTH = 280
ACCESS_TOKEN_LIFETIME = 7200  # X: OAuth 2.0 user access tokens live two hours

TWEET_FIELDS = {
    "article", "attachments", "author_id", "card_uri", "community_id", "context_annotations",
    "conversation_id", "created_at", "display_text_range", "edit_controls", "edit_history_tweet_ids",
    "entities", "geo", "id", "in_reply_to_user_id", "lang", "media_metadata", "non_public_metrics",
    "note_tweet", "organic_metrics", "possibly_sensitive", "promoted_metrics", "public_metrics",
    "referenced_tweets", "reply_settings", "scopes", "source", "text", "withheld",
}
USER_FIELDS = {
    "affiliation", "connection_status", "created_at", "description", "entities", "id", "location",
    "most_recent_tweet_id", "name", "pinned_tweet_id", "profile_banner_url", "profile_image_url",
    "protected", "public_metrics", "receives_your_dm", "subscription_type", "url", "username",
    "verified", "verified_type", "withheld",
}
TWEET_EXPANSIONS = {
    "article.cover_media", "article.media_entities", "attachments.media_keys",
    "attachments.media_source_tweet", "attachments.poll_ids", "author_id", "edit_history_tweet_ids",
    "entities.mentions.username", "geo.place_id", "in_reply_to_user_id", "entities.note.mentions.username",
    "referenced_tweets.id", "referenced_tweets.id.attachments.media_keys", "referenced_tweets.id.author_id",
}
# Accepted and ignored: the sandbox has no media, polls or places to expand.
IGNORED_FIELD_PARAMS = ("media.fields", "poll.fields", "place.fields")


class Reply(Exception):  # a control-flow signal carrying a response, hence not "...Error"
    """Raised inside an X handler to answer immediately with ``response``."""

    def __init__(self, response: web.Response) -> None:
        super().__init__(response.status)
        self.response = response


def endpoint(fn: Callable[[Any, web.Request], Awaitable[web.Response]]
             ) -> Callable[[Any, web.Request], Awaitable[web.Response]]:
    """Turn ``Reply`` into a response and attach the rate-limit headers gathered on the way,
    so error answers after authentication carry ``x-rate-limit-*`` too, as on X."""

    @wraps(fn)
    async def wrapper(self: Any, request: web.Request) -> web.Response:
        try:
            response = await fn(self, request)
        except Reply as reply:
            response = reply.response
        response.headers.update(request.get("x_headers", {}))
        response.headers["x-transaction-id"] = request.get("request_id", "")
        return response

    return wrapper


def problem(status: int, detail: str | None = None, *, title: str | None = None,
            type_: str = "about:blank", headers: dict[str, str] | None = None) -> web.Response:
    phrase = HTTPStatus(status).phrase
    body = {"detail": detail or phrase, "type": type_, "title": title or phrase, "status": status}
    return json_response(body, status, content_type=PROBLEM, headers=headers)


def unauthorized() -> web.Response:
    return json_response({"title": "Unauthorized", "type": "about:blank", "status": 401,
                          "detail": "Unauthorized"}, 401, content_type=PROBLEM)


def rate_limited(headers: dict[str, str]) -> web.Response:
    # The body the reference quotes from X's rate-limit documentation (§1.4).
    return json_response({"errors": [{"code": 88, "message": "Rate limit exceeded"}]}, 429,
                         headers=headers)


def invalid_request(message: str, parameters: dict[str, list[str]] | None = None) -> Reply:
    body = {
        "errors": [{"parameters": parameters or {}, "message": message}],
        "title": "Invalid Request",
        "detail": "One or more parameters to your request was invalid.",
        "type": INVALID_REQUEST_TYPE,
    }
    return Reply(json_response(body, 400))


def not_found_error(resource_type: str, parameter: str, value: str) -> dict[str, str]:
    return {
        "value": value, "detail": f"Could not find {resource_type} with {parameter}: [{value}].",
        "title": "Not Found Error", "resource_type": resource_type, "parameter": parameter,
        "resource_id": value, "type": NOT_FOUND_TYPE,
    }


def csv_param(request: web.Request, name: str, allowed: set[str]) -> set[str]:
    raw = request.query.get(name, "")
    values = {v for v in raw.split(",") if v}
    bad = sorted(values - allowed)
    if bad:
        raise invalid_request(f"The `{name}` query parameter value [{bad[0]}] is not one of "
                              f"[{','.join(sorted(allowed))}]", {name: [raw]})
    return values


def check_query(request: web.Request, allowed: set[str]) -> None:
    """X rejects unknown query parameters; so do we, to catch adapter typos early."""
    for name in request.query:
        if name not in allowed and name not in IGNORED_FIELD_PARAMS:
            raise invalid_request(f"The query parameter [{name}] is not one of "
                                  f"[{','.join(sorted(allowed))}]", {name: [request.query[name]]})


def parse_time(request: web.Request, name: str) -> datetime | None:
    raw = request.query.get(name)
    if raw is None:
        return None
    try:
        moment = datetime.fromisoformat(raw)  # 3.11+ parses a trailing "Z"
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is None:
        raise invalid_request(f"Invalid '{name}':'{raw}'. '{name}' must be a date in ISO 8601 "
                              "format YYYY-MM-DDTHH:mm:ssZ", {name: [raw]})
    return moment.astimezone(UTC)


def numeric_id(value: str, parameter: str) -> str:
    if not value.isdigit() or len(value) > 19:
        raise invalid_request(f"The `{parameter}` query parameter value [{value}] does not match "
                              "^[0-9]{1,19}$", {parameter: [value]})
    return value


def user_json(account: Account, fields: set[str]) -> dict[str, Any]:
    data: dict[str, Any] = {"id": account.id, "name": account.name, "username": account.username}
    optional: dict[str, Any] = {
        "profile_image_url": account.profile_image_url,
        "created_at": iso_z(account.created_at),
        "description": "", "protected": False, "verified": False, "url": "", "location": "",
        "verified_type": "none",
        "public_metrics": {"followers_count": 0, "following_count": 0, "tweet_count": 0,
                           "listed_count": 0, "like_count": 0, "media_count": 0},
    }
    data.update({name: value for name, value in optional.items() if name in fields})
    return data


def tweet_json(post: Post, fields: set[str]) -> dict[str, Any]:
    data: dict[str, Any] = {"id": post.id, "text": post.text, "edit_history_tweet_ids": [post.id]}
    references = []
    if post.in_reply_to_id:
        references.append({"type": "replied_to", "id": post.in_reply_to_id})
    if post.quote_id:
        references.append({"type": "quoted", "id": post.quote_id})
    optional: dict[str, Any] = {
        "created_at": iso_z(post.created_at),
        "author_id": post.account_id,
        "conversation_id": post.conversation_id,
        "in_reply_to_user_id": post.in_reply_to_account_id,
        "referenced_tweets": references or None,
        "attachments": {"media_keys": [f"3_{m}" for m in post.media_ids]} if post.media_ids else None,
        "possibly_sensitive": False,
        "reply_settings": "everyone",
        "lang": "und",
        "public_metrics": {"retweet_count": 0, "reply_count": 0, "like_count": 0, "quote_count": 0,
                           "bookmark_count": 0, "impression_count": 0},
    }
    data.update({k: v for k, v in optional.items() if k in fields and v is not None})
    return data


_URL = re.compile(r"https?://[^\s]+", re.IGNORECASE)
# twitter-text v3 ranges that weigh 1; everything else (CJK, emoji, …) weighs 2.
_LIGHT_RANGES = ((0x0000, 0x10FF), (0x2000, 0x200D), (0x2010, 0x201F), (0x2032, 0x2037))


def weighted_length(text: str) -> int:
    """Approximate X's weighted length (reference §1.2): NFC, every http(s) URL = 23, code points
    in the light ranges = 1, others = 2. Simplifications: bare domains are not detected as URLs
    and an emoji ZWJ sequence counts per code point instead of as one 2-weight unit."""
    text = unicodedata.normalize("NFC", text)
    length = 23 * len(_URL.findall(text))
    for char in _URL.sub("", text):
        code = ord(char)
        length += 1 if any(lo <= code <= hi for lo, hi in _LIGHT_RANGES) else 2
    return length
