"""Sign-in brute-force protection: failed attempts are counted per account name and per client address.

After LOGIN_MAX_FAILURES failures for one name (or four times as many from one address) within
LOGIN_LOCKOUT_SECONDS, further attempts are refused without checking the password until the window
passes. Counts live in the cache, so CACHE_URL must be shared when several web processes run.
"""

from __future__ import annotations

import hashlib
import math
import time

from django import forms
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.core.cache import cache
from django.http import HttpRequest
from django.utils.translation import gettext as _

# One address may try several accounts (an office behind one NAT), so it gets more room than a name.
ADDRESS_FACTOR = 4


def _keys(username: str, address: str) -> list[tuple[str, int]]:
    limit = settings.LOGIN_MAX_FAILURES
    digest = hashlib.sha256(username.strip().lower().encode()).hexdigest()[:32]
    return [(f"login-fail:name:{digest}", limit), (f"login-fail:addr:{address}", limit * ADDRESS_FACTOR)]


def _address(request: HttpRequest | None) -> str:
    # REMOTE_ADDR only: X-Forwarded-For is whatever the client says unless a trusted proxy rewrote it.
    return (request.META.get("REMOTE_ADDR") if request is not None else "") or "unknown"


def locked_for_seconds(username: str, request: HttpRequest | None) -> int:
    """Seconds until sign-in may be tried again for this name from this address; 0 when it may now."""
    now = time.time()
    waits = []
    for key, limit in _keys(username, _address(request)):
        record = cache.get(key)
        if record and record["count"] >= limit:
            waits.append(record["first"] + settings.LOGIN_LOCKOUT_SECONDS - now)
    return max(0, math.ceil(max(waits, default=0)))


def record_failure(username: str, request: HttpRequest | None) -> None:
    now = time.time()
    window = settings.LOGIN_LOCKOUT_SECONDS
    for key, _limit in _keys(username, _address(request)):
        record = cache.get(key)
        if not record or record["first"] + window <= now:
            record = {"first": now, "count": 0}
        record["count"] += 1
        cache.set(key, record, timeout=math.ceil(record["first"] + window - now) + 1)


def clear_failures(username: str, request: HttpRequest | None) -> None:
    """A successful sign-in forgets this name's failures (not the address's: other names may be attacked)."""
    cache.delete(_keys(username, _address(request))[0][0])


class ThrottledAuthenticationForm(AuthenticationForm):
    """Django's sign-in form, refusing without a password check while the name or address is locked."""

    def clean(self) -> dict:
        username = self.cleaned_data.get("username") or ""
        wait = locked_for_seconds(username, self.request)
        if wait:
            minutes = max(1, math.ceil(wait / 60))
            raise forms.ValidationError(
                _("Too many failed sign-ins. Try again in %(minutes)d minute(s).") % {"minutes": minutes},
                code="locked",
            )
        try:
            cleaned = super().clean()
        except forms.ValidationError:
            record_failure(username, self.request)
            raise
        clear_failures(username, self.request)
        return cleaned
