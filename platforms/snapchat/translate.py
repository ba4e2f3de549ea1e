"""The one place where Snap API answers and requests exceptions become platforms.errors classes.

Snap's Marketing API family (the Public Profile API is part of it) answers errors as
`{"request_status": "ERROR", "request_id": "...", "debug_message": "...", "display_message": "...",
"error_code": "E1008"}` with a matching HTTP status (reference §11; the field names follow the Marketing
API's documented error envelope, not a captured Public Profile answer).
Whether a failed create may have been applied decides between TransientError and OutcomeUnknown:
story and spotlight creates carry no idempotency key, so a create that may have reached Snap is
reconciled, never resent. Media containers and part uploads stay invisible until a create uses them,
so those are retried freely.
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

# unverified: Snap documents 20 requests/s per app and 10/s per token but no reset header; a minute is a
# safe pause when Retry-After is missing.
FALLBACK_RATE_WINDOW = timedelta(minutes=1)
CHECKS = "the profile's stories and spotlights"


class SnapApiError(Exception):
    """A non-2xx answer (or a 2xx one whose request_status says ERROR) before translation."""

    def __init__(self, response: requests.Response) -> None:
        super().__init__(f"Snap API answered {response.status_code}")
        self.response = response
        self.status = response.status_code
        body = _json(response)
        self.error_code = str(body.get("error_code") or "")
        self.detail = str(body.get("display_message") or body.get("debug_message") or
                          f"{response.status_code} {response.reason or ''}".strip())[:500]


def translate(exc: Exception, *, create: bool, secrets: Iterable[str] = ()) -> PlatformError:
    """Map an exception from a Snap API call; anything that is not a platform or network failure is a bug."""
    if isinstance(exc, PlatformError):
        error = exc
    elif isinstance(exc, SnapApiError):
        error = _from_answer(exc, create=create)
    elif isinstance(exc, requests.RequestException):
        error = network_error(exc, create=create, platform="Snapchat", checks=CHECKS)
    else:
        raise exc
    error.message = scrub(error.message, secrets)
    error.args = (error.message,)
    return error


def _from_answer(exc: SnapApiError, *, create: bool) -> PlatformError:
    status, detail = exc.status, exc.detail
    code = exc.error_code or str(status)
    if status == 429:
        return RateLimited(f"Snapchat's rate limit for this app or profile is used up; publishing resumes shortly. "
                           f"({detail})", retry_at=retry_at(exc.response), platform_code=code)
    if status == 401:
        return AuthExpired(f"Snapchat no longer accepts this profile's login: reconnect the channel. ({detail})",
                           platform_code=code)
    if status >= 500:
        if not create or refused_before_writing(exc.response):
            return TransientError(f"Snapchat had a server error ({detail}); nothing was posted, it will be retried.",
                                  platform_code=str(status))
        return OutcomeUnknown(f"Snapchat answered {status} to the create; the post may or may not exist. "
                              f"SMO will check {CHECKS}.", platform_code=str(status))
    if status == 403:
        return NotSupported(f"Snapchat does not allow this app or profile to do this (is the app on Snap's "
                            f"Public Profile API allowlist?): {detail}", platform_code=code)
    if status == 404:
        return ContentRejected(f"Snapchat could not find what this refers to (profile or media gone?): {detail}",
                               platform_code=code)
    return ContentRejected(f"Snapchat rejected the post: {detail}", platform_code=code)


def retry_at(response: requests.Response) -> datetime:
    now = datetime.now(UTC)
    raw = (response.headers.get("Retry-After") or "").strip()
    if not raw.isdigit():
        return now + FALLBACK_RATE_WINDOW
    return now + timedelta(seconds=max(1, int(raw)))


def _json(response: requests.Response) -> dict:
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}
