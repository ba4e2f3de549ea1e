"""The one place where facebook-sdk/requests exceptions from Instagram calls become platforms.errors.

Instagram with Facebook Login speaks the Graph API, so the Facebook table (reference §2.4) decides
everything the two share: 190 -> AuthExpired, 4/17/32/613/80002 -> RateLimited, 1/2 -> TransientError,
network errors by whether the call was the irreversible create. Before that, the Instagram-only
codes (reference §3.2, Postiz' subcode list) are settled here:
- subcode 2207042: the 24-hour publishing quota -> RateLimited (the adapter checks the quota first,
  so this only happens when another tool published in between);
- 9007/2207027 "media not ready": nothing was published, the container simply is not FINISHED yet
  -> TransientError;
- 9004 and the media/caption subcodes (2207001 spam, 2207026 video format, 2207052 download failed,
  36003 aspect ratio, …) -> ContentRejected with a readable reason.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from platforms.errors import ContentRejected, PlatformError, RateLimited, TransientError
from platforms.facebook import translate as graph_translate
from platforms.graph import facebook
from smo.logging import scrub

QUOTA_SUBCODE = 2207042
NOT_READY_SUBCODE = 2207027
QUOTA_FALLBACK_WAIT = timedelta(hours=1)  # re-checking the quota hourly costs nothing
MEDIA_HINTS = {
    2207001: "Instagram flagged this post as spam",
    2207051: "Instagram blocked this action on the account",
    2207082: "uploading the media to Instagram failed",
    2207052: "Instagram could not download the image; its URL must be public",
    2207077: "Instagram could not download the video",
    2207026: "Instagram does not accept this video format",
    2207004: "the image is too large for Instagram (8 MB at most)",
    2207009: "the image's aspect ratio is not accepted (between 4:5 and 1.91:1)",
    36003: "the image's aspect ratio is not accepted (between 4:5 and 1.91:1)",
    36001: "the image's resolution is not accepted",
    2207006: "this media was already published",
}
MEDIA_CODES = frozenset({9004, 9007, 36000, 36001, 36003})


def translate(exc: Exception, *, create: bool, secrets: Iterable[str] = (),
              usage: Mapping[str, str] | None = None) -> PlatformError:
    """Like platforms.facebook.translate.translate, for Instagram calls (same arguments)."""
    body = _error_body(exc)
    if body is not None:
        own = _instagram_error(body)
        if own is not None:
            own.message = scrub(own.message, secrets)
            own.args = (own.message,)
            return own
    error = graph_translate.translate(exc, create=create, secrets=secrets, usage=usage)
    # Shared Graph wording names Facebook and "the Page": say what the user sees instead.
    error.message = error.message.replace("Facebook", "Instagram").replace("this Page's", "this account's")
    error.message = error.message.replace("for this Page", "for this account").replace("the Page", "the account")
    error.args = (error.message,)
    return error


def _error_body(exc: Exception) -> dict[str, Any] | None:
    if isinstance(exc, facebook.GraphAPIError) and isinstance(exc.result, dict):
        body = exc.result.get("error")
        return body if isinstance(body, dict) else None
    return None


def _instagram_error(body: dict[str, Any]) -> PlatformError | None:
    code, subcode = graph_translate.graph_int(body.get("code")), graph_translate.graph_int(body.get("error_subcode"))
    message = str(body.get("error_user_msg") or body.get("message") or "no details")[:500]
    platform_code = f"{code}/{subcode}" if subcode else str(code)
    if subcode == QUOTA_SUBCODE:
        return quota_exhausted(None, None, platform_code=platform_code)
    if subcode == NOT_READY_SUBCODE:
        return TransientError("Instagram is still processing the media; nothing was published, it will be retried.",
                              platform_code=platform_code)
    hint = MEDIA_HINTS.get(subcode or 0)
    if hint:
        return ContentRejected(f"Instagram refused this post: {hint}. ({message})", platform_code=platform_code)
    if code in MEDIA_CODES:
        return ContentRejected(f"Instagram refused the media of this post: {message}", platform_code=platform_code)
    return None


def quota_exhausted(total: int | None, retry_at: datetime | None, *, platform_code: str = "quota") -> RateLimited:
    """The 24-hour publishing quota is used up: wait until the oldest post leaves the window."""
    when = retry_at or datetime.now(UTC) + QUOTA_FALLBACK_WAIT
    allowed = f"Instagram allows {total} posts per 24 hours" if total else "Instagram's 24-hour publishing limit"
    verb = "; " if total else " is reached; "
    return RateLimited(f"{allowed}{verb}this one waits until {when:%Y-%m-%d %H:%M} UTC.",
                       retry_at=when, platform_code=platform_code)
