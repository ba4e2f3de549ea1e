"""The one place where Threads answers and requests exceptions become platforms.errors classes.

Threads speaks the Graph API's error envelope (reference §8, §2.4), so the Facebook table decides
what the two share: 190 -> AuthExpired, 4/17/32/613 -> RateLimited, 1/2 -> TransientError, the rest
ContentRejected. Threads-only cases are settled first:
- THREADS_API__LINK_LIMIT_EXCEEDED (more than 5 links) -> ContentRejected with the rule;
- subcode 4279009 on threads_publish ("media not ready") -> TransientError: nothing was published;
- the 250-posts-per-24-hours limit -> RateLimited (the adapter reads the quota first, so this only
  happens when another tool published in between).
An answer without a Graph body follows the seam's rule: a 5xx that came back at once on a create was
refused before writing; anything slower may have been applied and is OutcomeUnknown.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

import requests

from platforms.errors import AuthExpired, ContentRejected, OutcomeUnknown, PlatformError, RateLimited, TransientError
from platforms.facebook import translate as graph_translate
from platforms.graph import facebook
from platforms.http import network_error, refused_before_writing
from smo.logging import scrub

NOT_READY_SUBCODE = 4279009
LINK_LIMIT = "THREADS_API__LINK_LIMIT_EXCEEDED"
QUOTA_MARKERS = ("threads_publishing_limit", "publishing limit", "posts per 24 hours")
QUOTA_FALLBACK_WAIT = timedelta(hours=1)


def translate(exc: Exception, *, create: bool, secrets: Iterable[str] = (),
              usage: Mapping[str, str] | None = None) -> PlatformError:
    """Map a requests exception (or an already translated error) to what the engine acts on."""
    if isinstance(exc, PlatformError):
        error = exc
    elif isinstance(exc, requests.RequestException):
        error = network_error(exc, create=create, platform="Threads", checks="the account")
    else:
        raise exc
    return _scrubbed(error, secrets)


def from_response(response: requests.Response, body: Any, *, create: bool, secrets: Iterable[str] = (),
                  usage: Mapping[str, str] | None = None) -> PlatformError:
    """The error for an answer that carries a Graph error body or a failing HTTP status."""
    error_body = body.get("error") if isinstance(body, dict) else None
    if isinstance(error_body, dict):
        error = _threads_error(error_body) or _graph_error(body, create=create, usage=usage)
    elif response.status_code >= 500 and create and not refused_before_writing(response):
        error = OutcomeUnknown(f"Threads answered {response.status_code} to the post; it may or may not exist. "
                               "SMO will check the account.", platform_code=str(response.status_code))
    elif response.status_code == 401:
        error = AuthExpired("Threads no longer accepts this account's token: reconnect the channel.",
                            platform_code="401")
    elif response.status_code == 429:
        error = RateLimited("Threads is limiting calls for this account; publishing resumes later.",
                            retry_at=graph_translate.retry_at(usage or {}), platform_code="429")
    elif response.status_code >= 500:
        error = TransientError(f"Threads had a server error (HTTP {response.status_code}); nothing was posted, "
                               "it will be retried.", platform_code=str(response.status_code))
    else:
        error = ContentRejected(f"Threads refused the request (HTTP {response.status_code}).",
                                platform_code=str(response.status_code))
    return _scrubbed(error, secrets)


def _threads_error(body: dict[str, Any]) -> PlatformError | None:
    code, subcode = graph_translate.graph_int(body.get("code")), graph_translate.graph_int(body.get("error_subcode"))
    message = str(body.get("error_user_msg") or body.get("message") or "no details")[:500]
    platform_code = f"{code}/{subcode}" if subcode else str(code)
    if LINK_LIMIT in message or body.get("error_user_title") == LINK_LIMIT:
        return ContentRejected("Threads refused this post: it contains more than 5 links.", platform_code=LINK_LIMIT)
    if subcode == NOT_READY_SUBCODE:
        return TransientError("Threads is still processing the media; nothing was published, it will be retried.",
                              platform_code=platform_code)
    if any(marker in message.lower() for marker in QUOTA_MARKERS):
        return quota_exhausted(None, None, platform_code=platform_code)
    return None


def _graph_error(body: dict[str, Any], *, create: bool, usage: Mapping[str, str] | None) -> PlatformError:
    error = graph_translate.translate(facebook.GraphAPIError(body), create=create, usage=usage)
    # The shared Graph wording names Facebook and "the Page": say what the user sees instead.
    for old, new in (("Facebook", "Threads"), ("this Page's", "this account's"), ("for this Page", "for this account"),
                     ("the Page", "the account"), ("this Page", "this account")):
        error.message = error.message.replace(old, new)
    return error


def quota_exhausted(total: int | None, retry_at: datetime | None, *, platform_code: str = "quota") -> RateLimited:
    """The 24-hour publishing quota is used up: wait until the oldest post leaves the window."""
    when = retry_at or datetime.now(UTC) + QUOTA_FALLBACK_WAIT
    allowed = f"Threads allows {total} posts per 24 hours" if total else "Threads' 24-hour publishing limit"
    verb = "; " if total else " is reached; "
    return RateLimited(f"{allowed}{verb}this one waits until {when:%Y-%m-%d %H:%M} UTC.",
                       retry_at=when, platform_code=platform_code)


def _scrubbed(error: PlatformError, secrets: Iterable[str]) -> PlatformError:
    error.message = scrub(error.message, secrets)
    error.args = (error.message,)
    return error
