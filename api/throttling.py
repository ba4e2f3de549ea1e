"""Per-token throttling. The rate is read on every request (setting API_THROTTLE_RATE, e.g. "300/min").

Counters live in Django's default cache: with several server processes it must be a shared cache
(Redis) for the limit to hold across them.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from rest_framework.request import Request
from rest_framework.throttling import SimpleRateThrottle

from api.tokens import ApiAccess

DEFAULT_RATE = "300/min"


class TokenRateThrottle(SimpleRateThrottle):
    scope = "api_token"

    def get_rate(self) -> str | None:
        return getattr(settings, "API_THROTTLE_RATE", DEFAULT_RATE) or None

    def get_cache_key(self, request: Request, view: Any) -> str | None:
        if not isinstance(request.auth, ApiAccess):
            return None  # unauthenticated requests never get this far; nothing to count
        return f"api-throttle:{request.auth.token.pk}"
