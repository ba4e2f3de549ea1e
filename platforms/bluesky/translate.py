"""The one place where XRPC answers and requests exceptions become platforms.errors classes.

XRPC errors are `{"error": "<Name>", "message": "..."}` (reference §10). Whether a failed create may
still have been applied decides between TransientError and OutcomeUnknown, because createRecord has
no idempotency key (and Bluesky, unlike X, never refuses a repeated text):
- no connection was ever made -> certainly not applied;
- a quick, complete 500/502/503 answer -> not applied (the PDS refused before writing the repo);
  a slow one or 504 (a gateway gave up waiting on a PDS that may still commit) -> unknown;
- the request was sent, then the read timed out or the connection dropped -> unknown.
Reads are safe to repeat: every network or 5xx failure there is transient.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

import requests

from platforms.bluesky.client import XrpcError
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

FALLBACK_RATE_WINDOW = timedelta(minutes=5)  # Bluesky's per-IP window is five minutes
# Session problems: the cached session is gone and could not be refreshed ahead of time.
_AUTH_ERRORS = frozenset({"ExpiredToken", "InvalidToken", "AuthenticationRequired", "AuthMissing",
                          "AccountTakedown", "AccountDeactivated"})


def translate(exc: Exception, *, create: bool, secrets: Iterable[str] = ()) -> PlatformError:
    """Map an exception from an XRPC call; anything that is not a platform or network failure is a bug."""
    if isinstance(exc, PlatformError):
        return exc
    if isinstance(exc, XrpcError):
        error = _from_xrpc(exc, create=create)
    elif isinstance(exc, requests.RequestException):
        error = network_error(exc, create=create, platform="Bluesky", checks="the account's feed")
    else:
        raise exc
    error.message = scrub(error.message, secrets)
    error.args = (error.message,)
    return error


def _from_xrpc(exc: XrpcError, *, create: bool) -> PlatformError:
    status, name, detail = exc.status, exc.error, exc.detail
    code = name or str(status)
    if status == 429 or name == "RateLimitExceeded":
        return RateLimited(f"Bluesky's rate limit for this account is used up; publishing resumes when it resets. "
                           f"({detail})", retry_at=_retry_at(exc.response), platform_code=code)
    if status == 401 or name in _AUTH_ERRORS:
        return AuthExpired(f"Bluesky no longer accepts this account's session: reconnect the channel. ({detail})",
                           platform_code=code)
    if status >= 500:
        if not create or refused_before_writing(exc.response):
            return TransientError(f"Bluesky had a server error ({detail}); nothing was posted, it will be retried.",
                                  platform_code=str(status))
        return OutcomeUnknown(f"Bluesky answered {status} to the create; the post may or may not exist. "
                              "SMO will check the account's feed.", platform_code=str(status))
    if status == 403 or name in ("Forbidden", "MethodNotImplemented"):
        return NotSupported(f"Bluesky does not allow this account or app password to do this: {detail}",
                            platform_code=code)
    if status == 404 or name in ("RecordNotFound", "NotFound"):
        return ContentRejected(f"Bluesky could not find what this refers to (deleted post or account?): {detail}",
                               platform_code=code)
    if name == "BlobTooLarge":
        return ContentRejected(f"Bluesky refused the media file as too large: {detail}", platform_code=code)
    return ContentRejected(f"Bluesky rejected the post: {detail}", platform_code=code)


def _retry_at(response: requests.Response) -> datetime:
    now = datetime.now(UTC)
    reset = (response.headers.get("ratelimit-reset") or "").strip()
    if not reset.isdigit():
        return now + FALLBACK_RATE_WINDOW
    # A reset already in the past (clock skew) still means "not now": wait at least a moment.
    return max(datetime.fromtimestamp(int(reset), tz=UTC), now + timedelta(seconds=1))
