"""Counting a platform's daily API quota (YouTube Data API units), so the channel page can show it.

Adapters call :func:`spend` after each call that costs units; the count lives in the database, so every
worker process adds to the same number. The quota day is the platform's own: YouTube's resets at
midnight Pacific time.
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from django.db.models import F
from django.utils import timezone

from platforms.models import QuotaUsage

QUOTA_ZONES = {"youtube": ZoneInfo("America/Los_Angeles")}


def quota_day(platform: str, now: datetime | None = None) -> date:
    now = now or timezone.now()
    return now.astimezone(QUOTA_ZONES.get(platform, ZoneInfo("UTC"))).date()


def spend(platform: str, account_id: str, units: int, *, now: datetime | None = None) -> None:
    """Add `units` to today's count for the account (one UPDATE, or an INSERT the first time today)."""
    if units <= 0 or not account_id:
        return
    day = quota_day(platform, now)
    updated = QuotaUsage.objects.filter(platform=platform, account_id=account_id, day=day).update(
        units=F("units") + units)
    if not updated:
        usage, created = QuotaUsage.objects.get_or_create(platform=platform, account_id=account_id, day=day,
                                                          defaults={"units": units})
        if not created:  # another worker inserted it between our UPDATE and INSERT
            QuotaUsage.objects.filter(pk=usage.pk).update(units=F("units") + units)


def used_today(platform: str, account_id: str, *, now: datetime | None = None) -> int:
    row = QuotaUsage.objects.filter(platform=platform, account_id=account_id, day=quota_day(platform, now)).first()
    return row.units if row else 0
