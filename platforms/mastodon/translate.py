"""The one place where Mastodon HTTP answers and requests exceptions become platforms.errors classes.

Every create carries an `Idempotency-Key`, so Mastodon itself never posts twice for one key. SMO still
reports a create whose answer was lost as OutcomeUnknown (the engine reconciles it): the key only lives
about an hour on the instance, and reconciliation is what every other platform relies on too.
Mastodon's error body is `{"error": "..."}`; 429 carries `X-RateLimit-Reset` as an ISO 8601 time.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

import requests

from platforms.errors import (
    AuthExpired,
    ContentRejected,
    NotReady,
    NotSupported,
    OutcomeUnknown,
    PlatformError,
    RateLimited,
    TransientError,
)
from platforms.http import NOT_APPLIED_5XX, network_error
from smo.logging import scrub

FALLBACK_RATE_WINDOW = timedelta(minutes=5)  # Mastodon's default window: 300 requests per 5 minutes
MEDIA_PROCESSING_MARKERS = ("not finished processing", "still processing")


def translate(exc: Exception, *, create: bool, secrets: Iterable[str] = ()) -> PlatformError:
    """Map an exception from a requests call to the error the engine acts on; anything else is a bug."""
    if isinstance(exc, PlatformError):
        error = exc
    elif isinstance(exc, requests.RequestException):
        error = network_error(exc, create=create, platform="Mastodon", checks="the account")
    else:
        raise exc
    error.message = scrub(error.message, secrets)
    error.args = (error.message,)
    return error


def from_response(response: requests.Response, *, create: bool, progress: dict | None = None) -> PlatformError:
    """The error for a non-2xx answer."""
    status = response.status_code
    detail = error_detail(response)
    code = str(status)
    if status == 429:
        return RateLimited(f"Mastodon's rate limit for this account is used up; publishing resumes at the reset "
                           f"time. ({detail})", retry_at=retry_at(response), platform_code=code)
    if status == 401:
        return AuthExpired(f"Mastodon no longer accepts this account's token: reconnect the channel. ({detail})",
                           platform_code=code)
    if status == 403:
        return NotSupported(f"Mastodon does not allow this account or app to do this: {detail}", platform_code=code)
    if status == 422 and any(marker in detail.lower() for marker in MEDIA_PROCESSING_MARKERS):
        return NotReady("Mastodon is still processing the media; SMO will try again shortly.",
                        progress=progress or {}, check_after_s=5.0, platform_code="media_processing")
    if status >= 500:
        # With an Idempotency-Key a retried create cannot post twice, but a 5xx that came back after
        # the instance may have written is still reported as unknown and reconciled.
        if create and status not in NOT_APPLIED_5XX:
            return OutcomeUnknown(f"Mastodon answered {status} to the create; the post may or may not exist. "
                                  "SMO will check the account.", platform_code=code)
        return TransientError(f"Mastodon had a server error ({detail}); it will be retried.", platform_code=code)
    if status == 404:
        return ContentRejected(f"Mastodon could not find what this refers to (deleted post or account?): {detail}",
                               platform_code=code)
    return ContentRejected(f"Mastodon rejected the request: {detail}", platform_code=code)


def retry_at(response: requests.Response) -> datetime:
    now = datetime.now(UTC)
    raw = response.headers.get("X-RateLimit-Reset", "").strip()
    try:
        moment = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        return now + FALLBACK_RATE_WINDOW
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return max(moment, now + timedelta(seconds=1))


def error_detail(response: requests.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        body = None
    if isinstance(body, dict) and body.get("error"):
        return str(body["error"])[:500]
    return f"{response.status_code} {response.reason or ''}".strip()
