"""Shared pieces of the TikTok dialect: the answer envelope and its error codes (reference §7)."""

from __future__ import annotations

import secrets
from typing import Any

from aiohttp import web

from .dialect import json_response

ACCESS_LIFETIME_S = 24 * 3600  # the documented 24 h access token
REFRESH_LIFETIME_S = 365 * 24 * 3600
DEFAULT_SCOPES = ("user.info.basic", "video.publish", "video.list")
ERROR_MESSAGES = {
    "access_token_invalid": "The access token is invalid or not found in the request.",
    "scope_not_authorized": "The user did not authorize the scope required for completing this request.",
    "rate_limit_exceeded": "The API rate limit was exceeded. Please try again later.",
    "invalid_params": "The request parameters are invalid.",
    "privacy_level_option_mismatch": "privacy_level is not one of the creator's privacy_level_options.",
    "unaudited_client_can_only_post_to_private_accounts": "Unaudited clients can only post to private accounts.",
    "url_ownership_unverified": "The URL prefix or domain is not verified by the client.",
    "internal_error": "Something went wrong. Please try again later.",
    "spam_risk_text": "The caption was flagged as spam.",
}
STATUS_FOR_CODE = {"access_token_invalid": 401, "scope_not_authorized": 401, "rate_limit_exceeded": 429,
                   "internal_error": 500, "unaudited_client_can_only_post_to_private_accounts": 403,
                   "url_ownership_unverified": 403}


def log_id() -> str:
    return "2026" + secrets.token_hex(14).upper()


def ok(data: dict[str, Any]) -> web.Response:
    return json_response({"data": data, "error": {"code": "ok", "message": "", "log_id": log_id()}})


def fail(code: str, message: str | None = None, status: int | None = None) -> web.Response:
    body = {"data": {}, "error": {"code": code, "message": message or ERROR_MESSAGES.get(code, code),
                                  "log_id": log_id()}}
    return json_response(body, status or STATUS_FOR_CODE.get(code, 400))


def code_for_status(status: int) -> str:
    return {401: "access_token_invalid", 403: "scope_not_authorized", 429: "rate_limit_exceeded"}.get(
        status, "internal_error" if status >= 500 else "invalid_params")
