"""The one place where facebook-sdk and requests exceptions become platforms.errors classes.

facebook-sdk ignores the HTTP status and raises GraphAPIError for any JSON body with an `error`
(reference §13.2), so the Graph error code decides (§2.4):
- 190/102 token invalid or expired, 10 and 200-299 missing permission -> AuthExpired (reconnect,
  granting the Page permissions again);
- 4/17/32/613/80001/80002 throttling and subcode 1390008 "posting too fast" -> RateLimited, with the
  wait from X-Business-Use-Case-Usage when Meta sent it, else a conservative hour;
- 506 duplicate, 100 invalid parameter, 368 policy block and everything else -> ContentRejected;
- 1/2 (Meta's "transient, retry later") -> TransientError: an error body means nothing was posted;
- Messenger refusals (10/2018278 outside the 24-hour window, 551 person unavailable) -> ContentRejected:
  the Page's permissions are fine, this one message cannot be sent;
- no error body at all on a create (an HTML 5xx from a proxy, a cut connection, a read timeout after
  sending) -> OutcomeUnknown unless the connection certainly never reached Meta.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

import requests

from platforms.errors import (
    AuthExpired,
    ContentRejected,
    OutcomeUnknown,
    PlatformError,
    RateLimited,
    TransientError,
)
from platforms.graph import facebook
from platforms.http import network_error
from smo.logging import scrub

AUTH_CODES = frozenset({190, 102})
PERMISSION_CODES = frozenset({10, *range(200, 300)})
THROTTLE_CODES = frozenset({4, 17, 32, 613, 80001, 80002})
THROTTLE_SUBCODES = frozenset({1390008})
TRANSIENT_CODES = frozenset({1, 2})
MESSENGER_WINDOW_SUBCODE = 2018278
UNAVAILABLE_CODE = 551
FALLBACK_RATE_WAIT = timedelta(hours=1)  # Meta's app and Page windows roll over an hour
# Subcodes whose own wording helps the user more than Meta's generic message (Postiz' table).
SUBCODE_HINTS = {
    1366046: "the photo is too large (over 4 MB) or in a format Facebook does not take",
    1346003: "Facebook flagged the content as abusive",
    1404078: "the Page needs publishing authorisation in Facebook's Page settings",
    1366051: "these photos were already posted",
    1609008: "Facebook does not allow posting facebook.com links",
    1609005: "Facebook could not read the link",
    2061006: "a URL in the post is invalid",
}


def translate(exc: Exception, *, create: bool, secrets: Iterable[str] = (),
              usage: Mapping[str, str] | None = None) -> PlatformError:
    """Map an exception from a facebook-sdk/requests call to the error the engine acts on.

    `create` says whether the call was the irreversible POST; `usage` holds the rate-limit headers
    captured on the session; `secrets` are scrubbed from messages. Anything else is a bug: re-raised.
    """
    if isinstance(exc, PlatformError):
        return exc
    if isinstance(exc, facebook.GraphAPIError):
        error = _from_graph(exc, create=create, usage=usage or {})
    elif isinstance(exc, requests.RequestException):
        error = network_error(exc, create=create, platform="Facebook", checks="the Page")
    else:
        raise exc
    error.message = scrub(error.message, secrets)
    error.args = (error.message,)
    return error


def _from_graph(exc: facebook.GraphAPIError, *, create: bool, usage: Mapping[str, str]) -> PlatformError:
    body = exc.result.get("error") if isinstance(exc.result, dict) else None
    if not isinstance(body, dict):  # not a Graph error body: facebook-sdk could not parse the answer
        if create:
            return OutcomeUnknown("Facebook sent an unreadable answer to the post; it may or may not exist. "
                                  "SMO will check the Page.", platform_code="unparsed")
        return TransientError("Facebook sent an unreadable answer; it will be retried.", platform_code="unparsed")
    code, subcode = graph_int(body.get("code")), graph_int(body.get("error_subcode"))
    message = str(body.get("error_user_msg") or body.get("message") or "no details")[:500]
    platform_code = f"{code}/{subcode}" if subcode else str(code)
    if subcode == MESSENGER_WINDOW_SUBCODE:
        return ContentRejected("Facebook only allows answering a Messenger conversation within 24 hours of the "
                               f"person's last message. ({message})", platform_code=platform_code)
    if code == UNAVAILABLE_CODE:
        return ContentRejected(f"Facebook says this person cannot receive messages right now. ({message})",
                               platform_code=platform_code)
    if code in AUTH_CODES:
        return AuthExpired(f"Facebook no longer accepts this Page's token: reconnect the channel. ({message})",
                           platform_code=platform_code)
    if code in PERMISSION_CODES:
        return AuthExpired("Facebook says SMO lacks a permission for this Page: reconnect the channel and "
                           f"allow managing the Page's posts. ({message})", platform_code=platform_code)
    if code in THROTTLE_CODES or subcode in THROTTLE_SUBCODES:
        return RateLimited(f"Facebook is limiting calls for this Page or app; publishing resumes later. ({message})",
                           retry_at=retry_at(usage), platform_code=platform_code)
    if code in TRANSIENT_CODES:
        return TransientError(f"Facebook had a temporary problem ({message}); nothing was posted, it will be "
                              "retried.", platform_code=platform_code)
    return _rejected(code, subcode, message, platform_code)


def _rejected(code: int | None, subcode: int | None, message: str, platform_code: str) -> ContentRejected:
    if code == 506:
        return ContentRejected("Facebook refused this post because the Page just published the same text. "
                               "Change the wording and schedule it again.", platform_code="duplicate")
    if code == 368:
        return ContentRejected("Facebook blocked this post as against its Community Standards or as spam "
                               f"(#368): {message}", platform_code=platform_code)
    hint = SUBCODE_HINTS.get(subcode or 0)
    if hint:
        return ContentRejected(f"Facebook refused this post: {hint}. ({message})", platform_code=platform_code)
    if code == 100:
        return ContentRejected(f"Facebook rejected a value in this post (#100): {message}", platform_code=platform_code)
    return ContentRejected(f"Facebook refused this post: {message}", platform_code=platform_code)


def retry_at(usage: Mapping[str, str]) -> datetime:
    """When Meta lets the Page call again: the largest `estimated_time_to_regain_access` (minutes)
    in X-Business-Use-Case-Usage, else an hour from now (X-App-Usage has only percentages)."""
    now = datetime.now(UTC)
    minutes = [0]
    try:
        buc = json.loads(usage.get("x-business-use-case-usage") or "{}")
        for entries in buc.values() if isinstance(buc, dict) else ():
            minutes += [
                graph_int(e.get("estimated_time_to_regain_access")) or 0 for e in entries if isinstance(e, dict)
            ]
    except (ValueError, AttributeError, TypeError):
        pass  # a malformed header must not hide the rate limit itself
    wait = max(minutes)
    return now + (timedelta(minutes=wait) if wait > 0 else FALLBACK_RATE_WAIT)


def graph_int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None
