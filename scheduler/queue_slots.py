"""Weekly posting-queue slots -> the UTC instants they stand for. Pure functions: no database, no clock.

A slot is a weekday (0 = Monday, as date.weekday() counts) and a wall-clock time in the queue's zone.
The DST rule is scheduler.timezones.local_to_utc's, so a slot and a time picked by hand never disagree:

- spring forward: a slot inside the gap moves forward by the gap's length. 02:30 on 2026-03-29 in
  Europe/Berlin (clocks jump 02:00 -> 03:00) is 03:30 CEST = 01:30 UTC;
- fall back: a slot inside the repeated hour happens once, at its first occurrence (fold=0). 02:30 on
  2026-10-25 in Europe/Berlin is 02:30 CEST = 00:30 UTC, not again at 02:30 CET;
- two slots that land on one instant (02:30 and 03:30 on the spring-forward day) give that instant
  once: a channel never gets two queue posts at the same moment.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import UTC, date, datetime, time, timedelta
from itertools import islice

from scheduler.timezones import local_to_utc

Slot = tuple[int, time]


def normalise(slots: Iterable[Slot]) -> list[Slot]:
    """Sorted, without duplicates, to the minute (a queue slot never carries seconds)."""
    found = {(int(weekday), when.replace(second=0, microsecond=0, tzinfo=None)) for weekday, when in slots}
    bad = sorted(weekday for weekday, _when in found if not 0 <= weekday <= 6)
    if bad:
        raise ValueError(f"A weekday is 0 (Monday) to 6 (Sunday), not {bad[0]}.")
    return sorted(found)


def _day_instants(day: date, times: list[time], tz_name: str) -> list[datetime]:
    # Sorted after conversion: in a gap 02:30 becomes 03:30, which is later than a 03:15 slot of that day.
    return sorted({local_to_utc(datetime.combine(day, when), tz_name) for when in times})


def slot_instants(slots: Iterable[Slot], tz_name: str, after: datetime) -> Iterator[datetime]:
    """Every slot instant strictly after `after` (aware), ascending and without repeats, for ever.

    Yields nothing when there are no slots. The caller takes as many as it needs (islice, next()).
    """
    if after.tzinfo is None:
        raise ValueError("slot_instants needs an aware datetime for `after`.")
    by_weekday: dict[int, list[time]] = {}
    for weekday, when in normalise(slots):
        by_weekday.setdefault(weekday, []).append(when)
    if not by_weekday:
        return
    # Start two days early: any zone's local date is within a day of the UTC date (offsets stay under 15 h).
    day = after.astimezone(UTC).date() - timedelta(days=2)
    last: datetime | None = None
    while True:
        for instant in _day_instants(day, by_weekday.get(day.weekday(), []), tz_name):
            if instant > after and (last is None or instant > last):
                last = instant
                yield instant
        day += timedelta(days=1)


def next_slot_instants(slots: Iterable[Slot], tz_name: str, after: datetime, count: int) -> list[datetime]:
    """The next `count` slot instants after `after` (fewer only when there are no slots at all)."""
    return list(islice(slot_instants(slots, tz_name, after), count))
