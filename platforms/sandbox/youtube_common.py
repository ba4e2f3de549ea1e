"""Shared pieces of the YouTube dialect: Google's error JSON, ids shaped like YouTube's, and quota costs."""

from __future__ import annotations

import hashlib
import secrets
from typing import Any

from aiohttp import web

from .dialect import json_response

API_ORIGIN = "https://www.googleapis.com"
WATCH = "https://www.youtube.com/watch?v="
UPLOAD_QUANTUM = 256 * 1024
DAILY_QUOTA = 10_000
# Units per call (determine_quota_cost); videos.insert at the older 1,600, as SMO counts it.
COSTS = {"list": 1, "insert_video": 1600, "write": 50}
_STATUS = {400: "INVALID_ARGUMENT", 401: "UNAUTHENTICATED", 403: "PERMISSION_DENIED", 404: "NOT_FOUND",
           409: "ABORTED", 429: "RESOURCE_EXHAUSTED", 500: "INTERNAL", 503: "UNAVAILABLE"}
_DEFAULT = {
    400: ("badRequest", "global", "Bad Request"),
    401: ("authError", "global", "Request had invalid authentication credentials. Expected OAuth 2 access token, "
                                 "login cookie or other valid authentication credential."),
    403: ("forbidden", "global", "The request is not properly authorized."),
    404: ("notFound", "global", "Not Found"),
    429: ("rateLimitExceeded", "youtube.quota", "The request cannot be completed because you have exceeded your "
                                               "rate limit."),
    500: ("backendError", "global", "Backend Error"),
    503: ("backendError", "global", "The service is currently unavailable."),
}


def google_error(status: int, reason: str | None = None, message: str | None = None, *,
                 domain: str | None = None, headers: dict[str, str] | None = None) -> web.Response:
    """``{"error": {"code", "message", "errors": [{"message", "domain", "reason"}], "status"}}``."""
    default_reason, default_domain, default_message = _DEFAULT.get(status, ("unknown", "global", "Error"))
    text = message or default_message
    detail: dict[str, Any] = {"message": text, "domain": domain or default_domain, "reason": reason or default_reason}
    if status == 401:
        detail.update(location="Authorization", locationType="header")
    payload = {"error": {"code": status, "message": text, "errors": [detail],
                         "status": _STATUS.get(status, "UNKNOWN")}}
    return json_response(payload, status, headers=headers)


def quota_exceeded() -> web.Response:
    return google_error(403, "quotaExceeded", "The request cannot be completed because you have exceeded your "
                        "<a href=\"/youtube/v3/getting-started#quota\">quota</a>.", domain="youtube.quota")


def channel_id_for(username: str) -> str:
    """A stable ``UC`` + 22 base64url characters id for a sandbox channel name."""
    digest = hashlib.sha256(f"youtube:{username.lower()}".encode()).digest()
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    return "UC" + "".join(alphabet[b % 64] for b in digest[:22])


def uploads_playlist(channel_id: str) -> str:
    return "UU" + channel_id[2:]


def video_id() -> str:
    return secrets.token_urlsafe(8)[:11]


def comment_id() -> str:
    return "Ugz" + secrets.token_urlsafe(18)[:23]


def page_token(offset: int) -> str:
    return f"CAU{offset}"


def page_offset(token: str) -> int:
    return int(token[3:]) if token.startswith("CAU") and token[3:].isdigit() else 0
