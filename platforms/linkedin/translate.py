"""The one place where LinkedIn HTTP answers and requests exceptions become platforms.errors classes.

LinkedIn's error body is `{"status": 422, "code": "...", "serviceErrorCode": 100, "message": "..."}`
(reference §4.4). Daily limits reset at midnight UTC and a 429 rarely says when, so without a
`Retry-After` the channel waits for the next UTC midnight.
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
from platforms.http import NOT_APPLIED_5XX, network_error
from smo.logging import scrub

CHECKS = "the account's recent posts"


def translate(exc: Exception, *, create: bool, secrets: Iterable[str] = ()) -> PlatformError:
    """Map an exception from a requests call to the error the engine acts on; anything else is a bug."""
    if isinstance(exc, PlatformError):
        error = exc
    elif isinstance(exc, requests.RequestException):
        error = network_error(exc, create=create, platform="LinkedIn", checks=CHECKS)
    else:
        raise exc
    error.message = scrub(error.message, secrets)
    error.args = (error.message,)
    return error


def from_response(response: requests.Response, *, create: bool) -> PlatformError:
    """The error for a non-2xx answer."""
    status = response.status_code
    detail, code = error_detail(response)
    platform_code = code or str(status)
    if status == 429:
        return RateLimited(f"LinkedIn's daily limit for this member or app is used up; publishing resumes at the "
                           f"reset time. ({detail})", retry_at=retry_at(response), platform_code=platform_code)
    if status == 401:
        return AuthExpired(f"LinkedIn no longer accepts this channel's token: reconnect the channel. ({detail})",
                           platform_code=platform_code)
    if status == 426 or code in ("VERSION_MISSING", "NONEXISTENT_VERSION"):
        return NotSupported(f"LinkedIn refused SMO's API version ({detail}); the server's LINKEDIN_API_VERSION "
                            "must be updated.", platform_code=platform_code)
    if status == 403:
        return NotSupported(f"LinkedIn does not allow this account or app to do this: {detail}",
                            platform_code=platform_code)
    if status >= 500:
        if create and status not in NOT_APPLIED_5XX:
            return OutcomeUnknown(f"LinkedIn answered {status} to the create; the post may or may not exist. "
                                  f"SMO will check {CHECKS}.", platform_code=platform_code)
        return TransientError(f"LinkedIn had a server error ({detail}); it will be retried.",
                              platform_code=platform_code)
    if status == 404:
        return ContentRejected(f"LinkedIn could not find what this refers to (deleted post or media?): {detail}",
                               platform_code=platform_code)
    return ContentRejected(f"LinkedIn rejected the request: {detail}", platform_code=platform_code)


def retry_at(response: requests.Response) -> datetime:
    now = datetime.now(UTC)
    raw = response.headers.get("Retry-After", "").strip()
    if raw.isdigit():
        return now + timedelta(seconds=max(1, int(raw)))
    return (now + timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)


def error_detail(response: requests.Response) -> tuple[str, str]:
    """(readable message, LinkedIn's code or serviceErrorCode) of an error answer."""
    try:
        body = response.json()
    except ValueError:
        body = None
    if isinstance(body, dict) and body.get("message"):
        code = body.get("code") or body.get("serviceErrorCode") or ""
        return str(body["message"])[:500], str(code)[:64]
    return f"{response.status_code} {response.reason or ''}".strip(), ""
