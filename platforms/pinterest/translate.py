"""The one place where Pinterest HTTP answers and requests exceptions become platforms.errors classes.

Pinterest's error body is `{"code": <int>, "message": "..."}` (reference §6). `POST /v5/pins` has no
idempotency key, so a create whose answer was lost, or a slow or gateway 5xx to it, may have made the
Pin: OutcomeUnknown, settled by find_published. A quick complete 500/502/503 was refused before writing.
429 answers carry `Retry-After` or `X-RateLimit-Reset` (seconds until the window resets; the exact
header set is not confirmed by a primary source, so both are read and a one-minute wait is the fallback).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

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

FALLBACK_RATE_WINDOW = timedelta(minutes=1)  # Pinterest's per-category limits are per minute
EPOCH_THRESHOLD = 10**9  # a reset value this large is a Unix time, smaller ones are seconds to wait
# Phrases Pinterest uses when the media URL or the media itself is the problem (Postiz maps them too).
_MEDIA_MARKERS = ("unable to reach the url", "maxitems", "media", "image", "video")


def translate(exc: Exception, *, create: bool, secrets: Iterable[str] = ()) -> PlatformError:
    """Map an exception from a requests call to the error the engine acts on; anything else is a bug."""
    if isinstance(exc, PlatformError):
        error = exc
    elif isinstance(exc, requests.RequestException):
        error = network_error(exc, create=create, platform="Pinterest", checks="the account's Pins")
    else:
        raise exc
    error.message = scrub(error.message, secrets)
    error.args = (error.message,)
    return error


def from_response(response: requests.Response, *, create: bool) -> PlatformError:
    """The error for a non-2xx answer."""
    status = response.status_code
    code, detail = error_detail(response)
    platform_code = f"{status}/{code}" if code else str(status)
    if status == 429:
        return RateLimited(f"Pinterest's rate limit for this account is used up; publishing resumes at the reset "
                           f"time. ({detail})", retry_at=retry_at(response), platform_code=platform_code)
    if status == 401:
        return AuthExpired(f"Pinterest no longer accepts this account's token: reconnect the channel. ({detail})",
                           platform_code=platform_code)
    if status == 403:
        return NotSupported(f"Pinterest does not allow this account or app to do this: {detail}",
                            platform_code=platform_code)
    if status >= 500:
        if create and not refused_before_writing(response):
            return OutcomeUnknown(f"Pinterest answered {status} to the create; the Pin may or may not exist. "
                                  "SMO will check the account's Pins.", platform_code=platform_code)
        return TransientError(f"Pinterest had a server error ({detail}); nothing was pinned, it will be retried.",
                              platform_code=platform_code)
    if status == 404 and "board" in detail.lower():
        return ContentRejected(f"Pinterest could not find the chosen board (deleted, or not this account's?): "
                               f"{detail} Pick another board.", platform_code=platform_code)
    if status == 404:
        return ContentRejected(f"Pinterest could not find what this refers to: {detail}", platform_code=platform_code)
    if any(marker in detail.lower() for marker in _MEDIA_MARKERS):
        return ContentRejected(f"Pinterest refused the media of this Pin: {detail}", platform_code=platform_code)
    return ContentRejected(f"Pinterest rejected the request: {detail}", platform_code=platform_code)


def retry_at(response: requests.Response) -> datetime:
    now = datetime.now(UTC)
    for name in ("Retry-After", "X-RateLimit-Reset"):
        raw = response.headers.get(name, "").strip()
        try:
            value = float(raw)
        except ValueError:
            continue
        moment = datetime.fromtimestamp(value, tz=UTC) if value > EPOCH_THRESHOLD else now + timedelta(seconds=value)
        return max(moment, now + timedelta(seconds=1))
    return now + FALLBACK_RATE_WINDOW


def error_detail(response: requests.Response) -> tuple[str, str]:
    """Pinterest's numeric `code` (as text, "" when absent) and its message."""
    try:
        body = response.json()
    except ValueError:
        body = None
    if isinstance(body, dict) and body.get("message"):
        return str(body.get("code") or ""), str(body["message"])[:500]
    return "", f"{response.status_code} {response.reason or ''}".strip()
