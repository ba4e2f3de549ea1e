"""Slot maths: weekly slots -> UTC instants, including both DST transitions in Berlin and New York."""

from __future__ import annotations

from datetime import UTC, datetime, time

import pytest

from scheduler.queue_slots import next_slot_instants, normalise, slot_instants

SUN = 6


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def test_weekly_slots_in_order_strictly_after_now() -> None:
    # Monday 2030-06-03 10:00 CEST: Monday 09:00 has passed; 10:00 itself is "now", so not after it.
    slots = [(0, time(9)), (0, time(10)), (2, time(8, 15)), (0, time(17))]
    found = next_slot_instants(slots, "Europe/Berlin", utc(2030, 6, 3, 8), 4)
    assert found == [utc(2030, 6, 3, 15), utc(2030, 6, 5, 6, 15), utc(2030, 6, 10, 7), utc(2030, 6, 10, 8)]


def test_berlin_spring_forward_moves_a_slot_in_the_gap_forward_by_the_gap() -> None:
    # 2026-03-29: 02:00 CET -> 03:00 CEST. 02:30 does not exist and becomes 03:30 CEST = 01:30 UTC.
    found = next_slot_instants([(SUN, time(2, 30)), (SUN, time(1, 30)), (SUN, time(3, 15))], "Europe/Berlin",
                               utc(2026, 3, 28, 12), 4)
    assert found == [utc(2026, 3, 29, 0, 30),  # 01:30 CET
                     utc(2026, 3, 29, 1, 15),  # 03:15 CEST, earlier than the moved 02:30
                     utc(2026, 3, 29, 1, 30),  # 02:30 -> 03:30 CEST
                     utc(2026, 4, 4, 23, 30)]  # the next Sunday, 01:30 CEST


def test_two_slots_landing_on_one_instant_publish_once() -> None:
    found = next_slot_instants([(SUN, time(2, 30)), (SUN, time(3, 30))], "Europe/Berlin", utc(2026, 3, 28), 3)
    assert found == [utc(2026, 3, 29, 1, 30), utc(2026, 4, 5, 0, 30), utc(2026, 4, 5, 1, 30)]


def test_berlin_fall_back_slot_in_the_repeated_hour_happens_once_at_the_first_occurrence() -> None:
    # 2026-10-25: 03:00 CEST -> 02:00 CET; 02:30 happens twice and the slot takes the first (CEST).
    found = next_slot_instants([(SUN, time(2, 30)), (SUN, time(3))], "Europe/Berlin", utc(2026, 10, 24), 3)
    assert found == [utc(2026, 10, 25, 0, 30), utc(2026, 10, 25, 2), utc(2026, 11, 1, 1, 30)]


def test_a_slot_keeps_its_wall_clock_time_across_a_transition() -> None:
    before, after = next_slot_instants([(SUN, time(9))], "Europe/Berlin", utc(2026, 10, 20), 2)
    assert (before, after) == (utc(2026, 10, 25, 8), utc(2026, 11, 1, 8))  # 09:00 CET from the 25th on


def test_new_york_spring_forward_and_fall_back() -> None:
    # 2026-03-08 02:00 EST -> 03:00 EDT; 2026-11-01 02:00 EDT -> 01:00 EST.
    spring = next_slot_instants([(SUN, time(2, 30)), (SUN, time(9))], "America/New_York", utc(2026, 3, 7), 2)
    assert spring == [utc(2026, 3, 8, 7, 30), utc(2026, 3, 8, 13)]  # 03:30 EDT, 09:00 EDT
    fall = next_slot_instants([(SUN, time(1, 30)), (SUN, time(9))], "America/New_York", utc(2026, 10, 31), 2)
    assert fall == [utc(2026, 11, 1, 5, 30), utc(2026, 11, 1, 14)]  # 01:30 EDT (first), 09:00 EST


def test_after_late_in_the_utc_day_already_counts_the_next_local_day() -> None:
    # 23:30 UTC on Sunday is 08:30 Monday in Tokyo: Monday 09:00 Tokyo is 30 minutes away.
    found = next_slot_instants([(0, time(9))], "Asia/Tokyo", utc(2030, 6, 2, 23, 30), 1)
    assert found == [utc(2030, 6, 3, 0)]


def test_no_slots_yield_nothing_and_a_naive_now_is_refused() -> None:
    assert next_slot_instants([], "Europe/Berlin", utc(2030, 1, 1), 5) == []
    with pytest.raises(ValueError, match="aware"):
        next(slot_instants([(0, time(9))], "Europe/Berlin", datetime(2030, 1, 1)))


def test_normalise_sorts_drops_seconds_and_duplicates_and_checks_weekdays() -> None:
    assert normalise([(2, time(9, 0, 30)), (0, time(9)), (2, time(9))]) == [(0, time(9)), (2, time(9))]
    with pytest.raises(ValueError, match="0 \\(Monday\\) to 6"):
        normalise([(7, time(9))])
