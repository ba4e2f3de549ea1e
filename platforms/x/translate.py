"""The one place where tweepy and requests exceptions become platforms.errors classes.

Whether a failed create may still have been applied decides between TransientError (retried) and
OutcomeUnknown (reconciled, never retried blindly), because POST /2/tweets has no idempotency key:
- no connection was ever made (DNS, refused, connect timeout, TLS handshake) -> certainly not applied;
- a complete 500/502/503 error body that came back quickly -> not applied. X's edge answers these
  when the request could not be routed or the tweet service refused it before writing; a response
  that did arrive means the connection was not cut mid-write. A slow one (the edge waited on a
  backend that may have written) and 504 (gateway timeout: the backend may still finish) are unknown;
- the request was sent and then the read timed out or the connection dropped -> unknown.
Reads are safe to repeat, so for them every network or 5xx failure is simply transient.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

import requests
import tweepy

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

FALLBACK_RATE_WINDOW = timedelta(minutes=15)  # X's rate windows are 15 minutes long

# Problem types and phrases meaning "this app or account may not do this" rather than "this content".
_NOT_PERMITTED = ("oauth1-permissions", "oauth1 app permissions", "client-forbidden", "client-not-enrolled",
                  "usage-capped", "user-suspended", "appropriate level of api access")


def translate(exc: Exception, *, create: bool, secrets: Iterable[str] = ()) -> PlatformError:
    """Map an exception from a tweepy/requests call to the error the engine acts on.

    `create` says whether the call was the irreversible POST; `secrets` are scrubbed from messages.
    Anything that is not an HTTP or network failure is re-raised: it is a bug, not a platform answer.
    """
    if isinstance(exc, PlatformError):
        return exc
    if isinstance(exc, tweepy.HTTPException):
        error = _from_http(exc, create=create)
    elif isinstance(exc, requests.RequestException):
        error = network_error(exc, create=create, platform="X", checks="the account")
    else:
        raise exc
    error.message = scrub(error.message, secrets)
    error.args = (error.message,)
    return error


def _from_http(exc: tweepy.HTTPException, *, create: bool) -> PlatformError:
    status = exc.response.status_code
    detail = _detail(exc)
    code = str(status)
    if isinstance(exc, tweepy.TooManyRequests):
        return RateLimited(
            f"X's rate limit for this account or app is used up; publishing resumes at the reset time. ({detail})",
            retry_at=_retry_at(exc.response), platform_code=code,
        )
    if isinstance(exc, tweepy.Unauthorized):
        return AuthExpired(f"X no longer accepts this account's token: reconnect the channel. ({detail})",
                           platform_code=code)
    if isinstance(exc, tweepy.Forbidden):
        return _forbidden(detail, _problem_type(exc.response), code)
    if isinstance(exc, tweepy.TwitterServerError):
        return _server_error(exc.response, detail, create=create)
    if isinstance(exc, tweepy.NotFound):
        return ContentRejected(f"X could not find what this refers to (deleted post or account?): {detail}",
                               platform_code=code)
    return ContentRejected(f"X rejected the request: {detail}", platform_code=code)


def _forbidden(detail: str, problem_type: str, code: str) -> PlatformError:
    lowered = f"{detail} {problem_type}".lower()
    if "duplicate" in lowered:
        return ContentRejected(
            "X refused this post because the account already published the same text. "
            "Change the wording and schedule it again.",
            platform_code="duplicate",
        )
    if "unsupported authentication" in lowered:
        # The stored token is of a kind X does not accept here; a fresh connect fixes it.
        return AuthExpired(f"X does not accept this channel's sign-in for posting: reconnect it. ({detail})",
                           platform_code=code)
    if any(marker in lowered for marker in _NOT_PERMITTED):
        return NotSupported(f"X does not allow this account or app to do this: {detail}", platform_code=code)
    return ContentRejected(f"X refused this post: {detail}", platform_code=code)


def _server_error(response: requests.Response, detail: str, *, create: bool) -> PlatformError:
    status = response.status_code
    if not create or refused_before_writing(response):
        return TransientError(f"X had a server error ({detail}); nothing was posted, it will be retried.",
                              platform_code=str(status))
    return OutcomeUnknown(
        f"X answered {status} to the create; the post may or may not exist. SMO will check the account.",
        platform_code=str(status),
    )


def _retry_at(response: requests.Response) -> datetime:
    headers = response.headers
    resets = [headers.get("x-rate-limit-reset")]
    # When a 24-hour counter is exhausted, the 15-minute reset is not the one that matters.
    for scope in ("app", "user"):
        if headers.get(f"x-{scope}-limit-24hour-remaining") == "0":
            resets.append(headers.get(f"x-{scope}-limit-24hour-reset"))
    seconds = [int(value) for value in resets if value and value.strip().isdigit()]
    now = datetime.now(UTC)
    if not seconds:
        return now + FALLBACK_RATE_WINDOW
    # A reset already in the past (clock skew) still means "not now": wait at least a moment.
    return max(datetime.fromtimestamp(max(seconds), tz=UTC), now + timedelta(seconds=1))


def _detail(exc: tweepy.HTTPException) -> str:
    if exc.api_messages:
        return "; ".join(str(message) for message in exc.api_messages)[:500]
    return f"{exc.response.status_code} {exc.response.reason or ''}".strip()


def _problem_type(response: requests.Response) -> str:
    """The `type` URI of an RFC 7807 problem body (X puts e.g. ".../problems/usage-capped" there)."""
    try:
        body = response.json()
    except ValueError:
        return ""
    return str(body.get("type") or body.get("title") or "") if isinstance(body, dict) else ""
