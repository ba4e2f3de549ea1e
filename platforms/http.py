"""The HTTP seam: the only place a session for talking to a platform is built.

Every platform request goes through `build_session()`, so three things hold everywhere:
- a connect and a read timeout are always set (tweepy and facebook-sdk pass none, and a request
  without a timeout can hang a publish worker for ever);
- the last rate-limit headers are kept on the session (`session.smo_rate_limits`) for the adapter;
- `PLATFORM_ORIGINS` rewrites real origins to a replacement prefix (the local sandbox in development
  and tests). Nothing outside this module knows that rewriting exists; browser-facing URLs such as
  an OAuth authorize page go through `rewrite_url()`.

Settings are read when a session is built, never at import, so tests can change them per test.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

import requests
from django.conf import settings
from requests.adapters import HTTPAdapter
from urllib3.exceptions import ConnectTimeoutError, MaxRetryError, NewConnectionError

from platforms.errors import OutcomeUnknown, PlatformError, TransientError

# Headers worth keeping from every response: X's 15-minute window and its 24-hour counters (app and user),
# and the Graph API's usage percentages (JSON strings; the business one says when access returns).
RATE_LIMIT_HEADERS: tuple[str, ...] = (
    "x-rate-limit-limit",
    "x-rate-limit-remaining",
    "x-rate-limit-reset",
    "x-app-limit-24hour-limit",
    "x-app-limit-24hour-remaining",
    "x-app-limit-24hour-reset",
    "x-user-limit-24hour-limit",
    "x-user-limit-24hour-remaining",
    "x-user-limit-24hour-reset",
    "x-app-usage",
    "x-business-use-case-usage",
    "x-page-usage",
)


def _origins() -> dict[str, str]:
    """PLATFORM_ORIGINS normalised: lower-case origin without trailing slash -> target without one."""
    configured: Mapping[str, str] = getattr(settings, "PLATFORM_ORIGINS", {}) or {}
    return {origin.rstrip("/").lower(): target.rstrip("/") for origin, target in configured.items()}


def _rewrite(url: str, origins: Mapping[str, str]) -> str:
    parts = urlsplit(url)
    origin = f"{parts.scheme}://{parts.netloc}".lower()
    target = origins.get(origin)
    if target is None:
        return url
    # Prefix replacement on the exact origin: path, query and fragment are kept byte for byte.
    return target + url[len(origin) :]


def rewrite_url(url: str) -> str:
    """Apply PLATFORM_ORIGINS to one URL (for URLs the user's browser opens, e.g. OAuth authorize)."""
    return _rewrite(url, _origins())


class TimeoutAdapter(HTTPAdapter):
    """Fills in the configured timeouts when the caller (often an SDK) gave none."""

    def __init__(self, connect_timeout: float, read_timeout: float, **kwargs: Any) -> None:
        self.default_timeout = (connect_timeout, read_timeout)
        super().__init__(**kwargs)

    def send(self, request: requests.PreparedRequest, *args: Any, **kwargs: Any) -> requests.Response:
        if args:  # requests' positional order is (stream, timeout, ...); normalise to keywords
            names = ("stream", "timeout", "verify", "cert", "proxies")
            kwargs.update(zip(names, args, strict=False))
        if kwargs.get("timeout") is None:
            kwargs["timeout"] = self.default_timeout
        return super().send(request, **kwargs)


class RewritingAdapter(TimeoutAdapter):
    """Mounted on one real origin; sends its requests to the configured replacement prefix instead."""

    def __init__(self, origin: str, target: str, connect_timeout: float, read_timeout: float) -> None:
        self.origin = origin
        self.target = target
        super().__init__(connect_timeout, read_timeout)

    def send(self, request: requests.PreparedRequest, *args: Any, **kwargs: Any) -> requests.Response:
        original_host = urlsplit(request.url or "").netloc
        request.url = _rewrite(request.url or "", {self.origin: self.target})
        # OAuth 1.0a signs the original URL; an emulator that checks signatures needs the real host back.
        request.headers.setdefault("X-Forwarded-Host", original_host)
        request.headers.setdefault("X-Forwarded-Proto", "https")
        return super().send(request, *args, **kwargs)


def _capture_rate_limits(session: requests.Session) -> Any:
    def hook(response: requests.Response, *args: Any, **kwargs: Any) -> requests.Response:
        seen = {name: response.headers[name] for name in RATE_LIMIT_HEADERS if name in response.headers}
        if seen:
            session.smo_rate_limits.update(seen)  # type: ignore[attr-defined]
        return response

    return hook


def build_session(platform: str) -> requests.Session:
    """A session for one platform, with timeouts, rate-limit capture and origin rewriting mounted.

    `session.smo_platform` names the platform; `session.smo_rate_limits` maps the lower-case
    rate-limit header names from RATE_LIMIT_HEADERS to the last values seen on this session.
    """
    connect = float(settings.PLATFORM_CONNECT_TIMEOUT)
    read = float(settings.PLATFORM_READ_TIMEOUT)
    session = requests.Session()
    session.smo_platform = platform  # type: ignore[attr-defined]
    session.smo_rate_limits = {}  # type: ignore[attr-defined]
    # max_retries=0 (the HTTPAdapter default) matters: a silently retried POST could publish twice.
    for scheme in ("https://", "http://"):
        session.mount(scheme, TimeoutAdapter(connect, read))
    for origin, target in _origins().items():
        # The trailing slash keeps "https://x.com" from also matching "https://x.com.example.org".
        session.mount(origin + "/", RewritingAdapter(origin, target, connect, read))
    session.hooks["response"].append(_capture_rate_limits(session))
    return session


def rate_limits(session: requests.Session) -> dict[str, str]:
    """The last rate-limit headers seen on a session built here (empty for any other session)."""
    return dict(getattr(session, "smo_rate_limits", {}))


def never_reached(exc: requests.RequestException) -> bool:
    """True only when no request bytes can have reached the platform (DNS, refused, connect timeout, TLS).

    requests wraps "could not connect" as ConnectionError(MaxRetryError(reason=NewConnectionError or
    ConnectTimeoutError)), while a connection dropped after sending arrives as ConnectionError(ProtocolError).
    """
    if isinstance(exc, requests.ConnectTimeout | requests.exceptions.SSLError):
        return True
    reason = exc.args[0] if exc.args else None
    return isinstance(reason, MaxRetryError) and isinstance(reason.reason, ConnectTimeoutError | NewConnectionError)


# A complete 500/502/503 answer that came back this quickly was refused before anything was written; a
# slower one, or another 5xx, may come from a backend that wrote first. One rule for every adapter.
NOT_APPLIED_5XX = frozenset({500, 502, 503})
IMMEDIATE_SECONDS = 5.0


def refused_before_writing(response: requests.Response) -> bool:
    return response.status_code in NOT_APPLIED_5XX and response.elapsed.total_seconds() < IMMEDIATE_SECONDS


def network_error(exc: requests.RequestException, *, create: bool, platform: str, checks: str) -> PlatformError:
    """What a network failure means for the engine: a create that may have reached the platform is
    OutcomeUnknown (reconciled, never resent blindly); everything else is safe to retry.

    `platform` is the name users know ("X"); `checks` says where SMO looks for the post ("the account").
    """
    if never_reached(exc):
        return TransientError(f"Could not reach {platform} (connection failed); nothing was sent, it will be retried.",
                              platform_code="connect")
    if not create:
        return TransientError(f"{platform} did not answer in time; it will be retried.", platform_code="network")
    kind = "timed out" if isinstance(exc, requests.Timeout) else "was cut"
    return OutcomeUnknown(f"The connection to {platform} {kind} after the post was sent; it may or may not exist. "
                          f"SMO will check {checks}.", platform_code="network")
