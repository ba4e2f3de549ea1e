"""Retry policy for creates that certainly did not apply: exponential backoff with full jitter."""

from __future__ import annotations

import random
from datetime import timedelta

from django.conf import settings

_rng = random.SystemRandom()


def backoff_cap(attempt: int) -> float:
    """Upper bound of the wait after the n-th failed attempt: BASE * 2^(n-1), capped at RETRY_MAX_SECONDS."""
    exponent = max(attempt, 1) - 1
    # min() before the power would overflow for absurd attempt counts; 2**60 is far past any cap.
    return float(min(settings.RETRY_MAX_SECONDS, settings.RETRY_BASE_SECONDS * 2 ** min(exponent, 60)))


def retry_delay(attempt: int, rng: random.Random | None = None) -> timedelta:
    """Full jitter (uniform in [0, cap]): spreads a burst of failures over the whole window."""
    return timedelta(seconds=(rng or _rng).uniform(0, backoff_cap(attempt)))


def attempts_exhausted(attempt: int) -> bool:
    return attempt >= settings.RETRY_MAX_ATTEMPTS
