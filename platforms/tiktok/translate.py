"""The one place where TikTok's answers and requests exceptions become platforms.errors classes.

Every TikTok API answer is `{"data": {...}, "error": {"code", "message", "log_id"}}` with code "ok" on
success (reference §7). The init call is the create: once TikTok has the request (and, for uploads,
the bytes) publishing is irreversible, so a lost answer to it is OutcomeUnknown and never re-sent.
TikTok sends no reset header with its 429s; its windows are one minute long.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import Any

import requests

from platforms.errors import (
    AuthExpired,
    ContentRejected,
    NotSupported,
    OutcomeUnknown,
    PlatformError,
    RateLimited,
    TransientError,
)
from platforms.http import network_error, refused_before_writing
from smo.logging import scrub

RATE_WINDOW = timedelta(minutes=1)  # init: 6 per minute per user, status fetch: 30 per minute
DAILY_CAP_WAIT = timedelta(hours=1)  # the daily post cap has no documented reset: look again in an hour
_AUTH = {"access_token_invalid", "access_token_expired", "token_expired", "invalid_token"}
_SCOPE = {"scope_not_authorized", "scope_permission_missed"}
_NOT_PERMITTED = {"spam_risk_user_banned_from_posting",
                  "unaudited_client_can_only_post_to_private_accounts", "reached_active_user_cap",
                  "url_ownership_unverified"}
_RATE = {"rate_limit_exceeded", "spam_risk_too_many_posts", "spam_risk_too_many_pending_share"}
# What TikTok's codes and fail reasons mean, in words a user can act on.
_HINTS = {
    "unaudited_client_can_only_post_to_private_accounts": "this app is not audited by TikTok yet, so it may only "
                                                          "post with the privacy 'Only me'",
    "url_ownership_unverified": "the media address is not on a domain verified for this app in TikTok's developer "
                                "portal",
    "privacy_level_option_mismatch": "the chosen privacy is not offered for this account any more; pick another",
    "spam_risk_too_many_posts": "the account reached TikTok's daily posting limit",
    "spam_risk_user_banned_from_posting": "TikTok does not let this account post right now",
    "spam_risk_text": "TikTok flagged the caption as spam",
    "reached_active_user_cap": "this app reached TikTok's daily limit of posting users",
    "file_format_check_failed": "TikTok cannot read this file format (use MP4, MOV or WebM; JPEG or WebP photos)",
    "duration_check_failed": "the video is too long or too short for this account",
    "frame_rate_check_failed": "the video's frame rate is outside 23-60 fps",
    "picture_size_check_failed": "a photo or video frame is outside TikTok's size limits",
    "video_pull_failed": "TikTok could not download the video from its address",
    "photo_pull_failed": "TikTok could not download a photo from its address",
    "internal": "TikTok had an internal problem",
    "publish_cancelled": "the post was cancelled on TikTok",
    "auth_removed": "the account removed SMO's access",
}


def hint(code: str) -> str:
    return _HINTS.get(code, code.replace("_", " "))


def translate(exc: Exception, *, create: bool, secrets: Iterable[str] = ()) -> PlatformError:
    """Map an exception from a requests call to the error the engine acts on; anything else is a bug."""
    if isinstance(exc, PlatformError):
        error = exc
    elif isinstance(exc, requests.RequestException):
        error = network_error(exc, create=create, platform="TikTok", checks="the account's videos")
    else:
        raise exc
    error.message = scrub(error.message, secrets)
    error.args = (error.message,)
    return error


def envelope_error(body: Any) -> dict[str, str]:
    """The `error` object of an answer, or {} when it says ok."""
    error = body.get("error") if isinstance(body, dict) else None
    if not isinstance(error, dict) or str(error.get("code") or "ok") == "ok":
        return {}
    return {"code": str(error.get("code")), "message": str(error.get("message") or "")[:300],
            "log_id": str(error.get("log_id") or "")}


def from_answer(response: requests.Response, body: Any, *, create: bool) -> PlatformError:
    """The error for an answer that is not a success (HTTP status or envelope code)."""
    status = response.status_code
    error = envelope_error(body) or {"code": str(status), "message": response.reason or "", "log_id": ""}
    code = error["code"]
    detail = f"{hint(code)} ({error['message'] or code}; log id {error['log_id'] or '-'})"
    if status == 429 or code in _RATE:
        wait = DAILY_CAP_WAIT if code.startswith("spam_risk") else RATE_WINDOW
        return RateLimited(f"TikTok's rate limit for this account is used up: {detail}",
                           retry_at=datetime.now(UTC) + wait, platform_code=code)
    if code in _SCOPE:
        # Only a new sign-in where the person allows the permission fixes this.
        return AuthExpired(f"The TikTok account did not give SMO the permission this needs: reconnect the channel "
                           f"and allow every permission. {detail}", platform_code=code)
    if status == 401 or code in _AUTH:
        return AuthExpired(f"TikTok no longer accepts this account's token: reconnect the channel. {detail}",
                           platform_code=code)
    if code in _NOT_PERMITTED:
        return NotSupported(f"TikTok does not allow this: {detail}", platform_code=code)
    if status >= 500:
        if create and not refused_before_writing(response):
            return OutcomeUnknown(f"TikTok answered {status} to the post; it may or may not exist. SMO will check "
                                  "the account's videos.", platform_code=code)
        return TransientError(f"TikTok had a server error: {detail}; it will be retried.", platform_code=code)
    return ContentRejected(f"TikTok rejected the post: {detail}", platform_code=code)


def failed_post(fail_reason: str) -> PlatformError:
    """TikTok gave up on the post: nothing is published, so an internal failure may simply be tried again."""
    reason = fail_reason or "unknown"
    if reason == "internal":
        return TransientError(f"TikTok could not publish the post: {hint(reason)}; it will be retried.",
                              platform_code=reason)
    return ContentRejected(f"TikTok could not publish the post: {hint(reason)} ({reason}).", platform_code=reason)
