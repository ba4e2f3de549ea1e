"""Shared pieces of the Pinterest dialect: seed data, limits, error bodies, rate headers and records."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from aiohttp import web

from .dialect import json_response

API_ORIGIN = "https://api.pinterest.com"
UPLOAD_ORIGIN = "https://pinterest-media-upload.s3-accelerate.amazonaws.com"
SEED_ACCOUNTS = (("smo_demo", "1130000000000000001", "SMO Demo"),
                 ("sandbox_fan", "1130000000000000002", "Sandbox Fan"))
SEED_BOARDS = {"smo_demo": (("1130000000000100001", "Spring launch"), ("1130000000000100002", "Recipes"),
                            ("1130000000000100003", "Behind the scenes"))}
NEW_ACCOUNT_BOARDS = ("Ideas", "Products")  # accounts created later (OAuth page, minted tokens) get these
DEFAULT_SCOPES = ("boards:read", "boards:write", "pins:read", "pins:write", "user_accounts:read")
ACCESS_LIFETIME_S = 30 * 24 * 3600  # reference §6: about 30 days
REFRESH_LIFETIME_S = 365 * 24 * 3600
WINDOW_S = 60
ERRORS = {400: (1, "Invalid parameters."), 401: (2, "Authentication failed."),
          403: (3, "Not authorized to access board or Pin."), 404: (4, "Resource not found."),
          409: (6, "Conflict."), 429: (29, "You have exceeded your rate limit. Try again later."),
          500: (8, "Internal server error."), 502: (8, "Bad gateway."), 503: (9, "Service unavailable."),
          504: (8, "Gateway timeout.")}


def error(status: int, message: str | None = None, *, code: int | None = None,
          headers: dict[str, str] | None = None) -> web.Response:
    default_code, default_message = ERRORS.get(status, (1, "Error."))
    return json_response({"code": default_code if code is None else code, "message": message or default_message},
                         status, headers=headers)


@dataclass
class Board:
    id: str
    account_id: str
    name: str
    privacy: str = "PUBLIC"
    created_at: float = field(default_factory=time.time)


@dataclass
class Media:
    id: str
    account_id: str
    key: str
    signature: str
    status: str = "registered"
    polls_left: int = 0
    size: int = 0


@dataclass
class PinInfo:
    """What a Pin holds beyond the store's Post (whose `text` is the description)."""

    board_id: str
    title: str = ""
    link: str = ""
    alt_text: str = ""
    media_type: str = "image"  # image | video | multiple_images
    urls: tuple[str, ...] = ()
    video_id: str = ""


def rate_headers(limit: int, remaining: int, reset_at: int) -> dict[str, str]:
    seconds = max(1, reset_at - int(time.time()))
    headers = {"X-RateLimit-Limit": str(limit), "X-RateLimit-Remaining": str(remaining),
               "X-RateLimit-Reset": str(seconds)}
    if remaining <= 0:
        headers["Retry-After"] = str(seconds)
    return headers
