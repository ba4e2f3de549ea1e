"""The one error hierarchy adapters may raise. Each platform module translates its SDK's errors here.

The publishing engine maps each class to a delivery state; the split that matters is whether the
platform may have applied a create (OutcomeUnknown) or certainly did not (everything else).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any


class PlatformError(Exception):
    """Base class. `message` is safe to show to users: it never contains credentials."""

    def __init__(self, message: str, *, platform_code: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.platform_code = platform_code


class AuthExpired(PlatformError):
    """The token is expired or revoked: the channel must be reconnected."""


class RateLimited(PlatformError):
    """Too many requests; nothing was applied. `retry_at` is when the platform allows the next call."""

    def __init__(self, message: str, *, retry_at: datetime | None = None, platform_code: str = "") -> None:
        super().__init__(message, platform_code=platform_code)
        self.retry_at = retry_at


class TransientError(PlatformError):
    """Certainly not applied (connect error, 5xx before the create): safe to retry later."""


class OutcomeUnknown(PlatformError):
    """The request may have been applied (timeout after sending): never retried blindly."""


class ContentRejected(PlatformError):
    """Permanent: the platform refuses this content (duplicate, too long, invalid media)."""


class NotSupported(PlatformError):
    """The platform or this account cannot do what was asked."""


class NotReady(PlatformError):
    """Media is still being processed by the platform and nothing was published yet.

    The engine calls publish() again after `check_after_s` seconds (a short countdown, never a
    sleeping worker) with `request.progress = progress`, so uploads are not repeated.
    """

    def __init__(self, message: str, *, progress: dict[str, Any], check_after_s: float = 5.0,
                 platform_code: str = "") -> None:
        super().__init__(message, platform_code=platform_code)
        self.progress = progress
        self.check_after_s = check_after_s
