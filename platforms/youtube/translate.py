"""The one place where YouTube (Google API) answers and requests exceptions become platforms.errors classes.

Google answers errors as ``{"error": {"code", "message", "errors": [{"reason", "domain", ...}], "status"}}``
(reference §5.4); the token endpoint as RFC 6749 ``{"error": "invalid_grant", ...}``. The daily quota
(``quotaExceeded``) resets at midnight Pacific time, so that is when the channel may send again.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, time, timedelta
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
from platforms.quota import QUOTA_ZONES
from smo.logging import scrub

RATE_WINDOW = timedelta(minutes=1)  # rateLimitExceeded is a per-minute burst limit, not the daily quota
DAILY_REASONS = frozenset({"quotaExceeded", "dailyLimitExceeded", "uploadLimitExceeded"})
BURST_REASONS = frozenset({"rateLimitExceeded", "userRateLimitExceeded"})
NOT_PERMITTED = frozenset({"forbidden", "insufficientPermissions", "youtubeSignupRequired", "accessNotConfigured",
                           "channelClosed", "channelSuspended", "commentsDisabled"})


def translate(exc: Exception, *, create: bool, secrets: Iterable[str] = ()) -> PlatformError:
    """Map an exception from a requests call to the error the engine acts on; anything else is a bug."""
    if isinstance(exc, PlatformError):
        error = exc
    elif isinstance(exc, requests.RequestException):
        error = network_error(exc, create=create, platform="YouTube", checks="the channel's uploads")
    else:
        raise exc
    error.message = scrub(error.message, secrets)
    error.args = (error.message,)
    return error


def next_quota_reset(now: datetime | None = None) -> datetime:
    """The next midnight in YouTube's quota zone (America/Los_Angeles), DST included, in UTC."""
    zone = QUOTA_ZONES["youtube"]
    local = (now or datetime.now(UTC)).astimezone(zone)
    midnight = datetime.combine(local.date() + timedelta(days=1), time(0), tzinfo=zone)
    return midnight.astimezone(UTC)


def error_parts(response: requests.Response) -> tuple[str, str, str]:
    """(reason, status, message) of a Google error body; empty strings where absent."""
    body = _json(response)
    error = body.get("error")
    if isinstance(error, str):  # the OAuth token endpoint's RFC 6749 shape
        return error, "", str(body.get("error_description") or error)
    if not isinstance(error, dict):
        return "", "", f"{response.status_code} {response.reason or ''}".strip()
    details = error.get("errors") if isinstance(error.get("errors"), list) else []
    reason = str(details[0].get("reason") or "") if details and isinstance(details[0], dict) else ""
    return reason, str(error.get("status") or ""), str(error.get("message") or reason)[:500]


def from_response(response: requests.Response, *, create: bool) -> PlatformError:
    status = response.status_code
    reason, google_status, message = error_parts(response)
    code = reason or str(status)
    if status == 401 or google_status == "UNAUTHENTICATED" or reason == "invalid_grant":
        return AuthExpired(f"YouTube no longer accepts this channel's login: reconnect the channel. ({message})",
                           platform_code=code)
    if reason in DAILY_REASONS:
        return RateLimited(f"YouTube's daily quota is used up ({reason}); publishing resumes after midnight "
                           "Pacific time.", retry_at=next_quota_reset(), platform_code=code)
    if status == 429 or reason in BURST_REASONS:
        return RateLimited(f"YouTube asked SMO to slow down ({message}).",
                           retry_at=datetime.now(UTC) + RATE_WINDOW, platform_code=code)
    if reason in NOT_PERMITTED:
        return NotSupported(f"YouTube does not allow this channel or app to do this: {message}", platform_code=code)
    if status >= 500:
        if create and not refused_before_writing(response):
            return OutcomeUnknown(f"YouTube answered {status} to the upload; the video may or may not exist. "
                                  "SMO will check the channel's uploads.", platform_code=code)
        return TransientError(f"YouTube had a server error ({message}); it will be retried.", platform_code=code)
    if status == 404:
        return ContentRejected(f"YouTube could not find what this refers to (deleted video or comment?): {message}",
                               platform_code=code)
    return ContentRejected(f"YouTube rejected the request: {message}", platform_code=code)


def _json(response: requests.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}
