"""Wall-clock times in a workspace's zone -> aware UTC instants, with one documented DST rule."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _


def local_to_utc(local: datetime, tz_name: str) -> datetime:
    """Interpret a naive wall-clock time in `tz_name` and return the aware UTC instant.

    The DST rule, the same one calendar apps use:
    - a wall time that does not exist (the spring-forward gap) moves forward by the length of the
      gap: 02:30 Europe/Berlin on 2026-03-29 becomes 03:30 CEST = 01:30 UTC;
    - a wall time that happens twice (fall back) means the first occurrence (fold=0): 02:30
      Europe/Berlin on 2026-10-25 is 02:30 CEST = 00:30 UTC, not 02:30 CET = 01:30 UTC.
    Both follow from PEP 495 with fold=0: in a gap, fold=0 applies the offset from before the
    transition, which lands the instant exactly "gap length" later on the new wall clock.
    """
    if local.tzinfo is not None:
        raise ValueError("local_to_utc expects a naive wall-clock time; this one already has a time zone.")
    try:
        zone = ZoneInfo(tz_name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValidationError(_("%(zone)s is not a time zone SMO knows; pick one such as Europe/Berlin.")
                              % {"zone": repr(tz_name)}) from None
    return local.replace(tzinfo=zone, fold=0).astimezone(UTC)


def is_nonexistent(local: datetime, tz_name: str) -> bool:
    """True when the wall time falls in a spring-forward gap (useful to warn the user in forms)."""
    zone = ZoneInfo(tz_name)
    there_and_back = local.replace(tzinfo=zone, fold=0).astimezone(UTC).astimezone(zone)
    return there_and_back.replace(tzinfo=None) != local
