"""Wall-clock conversion across DST, and backoff bounds."""

from __future__ import annotations

import random
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.utils import timezone

from scheduler.engine import delivery_publish
from scheduler.engine.retry import backoff_cap, retry_delay
from scheduler.services import local_to_utc, post_schedule
from scheduler.timezones import is_nonexistent
from tests.factories import ChannelFactory, PostFactory

BERLIN = "Europe/Berlin"


def test_spring_forward_gap_moves_forward_by_the_gap():
    # 2026-03-29 is the last Sunday of March: 02:00 CET jumps to 03:00 CEST, so 02:30 never happens.
    assert is_nonexistent(datetime(2026, 3, 29, 2, 30), BERLIN)
    instant = local_to_utc(datetime(2026, 3, 29, 2, 30), BERLIN)
    assert instant == datetime(2026, 3, 29, 1, 30, tzinfo=UTC)
    assert instant.astimezone(timezone.get_fixed_timezone(120)).strftime("%H:%M") == "03:30"


def test_fall_back_takes_the_first_occurrence():
    # 2026-10-25: 03:00 CEST falls back to 02:00 CET, so 02:30 happens twice; the first is CEST (+02:00).
    assert not is_nonexistent(datetime(2026, 10, 25, 2, 30), BERLIN)
    assert local_to_utc(datetime(2026, 10, 25, 2, 30), BERLIN) == datetime(2026, 10, 25, 0, 30, tzinfo=UTC)


def test_ordinary_times_and_bad_input():
    assert local_to_utc(datetime(2026, 7, 1, 9, 0), BERLIN) == datetime(2026, 7, 1, 7, 0, tzinfo=UTC)
    assert local_to_utc(datetime(2026, 1, 1, 9, 0), BERLIN) == datetime(2026, 1, 1, 8, 0, tzinfo=UTC)
    assert local_to_utc(datetime(2026, 1, 1, 9, 0), "UTC").tzinfo is UTC
    with pytest.raises(ValueError, match="naive"):
        local_to_utc(datetime(2026, 1, 1, 9, 0, tzinfo=UTC), BERLIN)
    with pytest.raises(ValidationError, match="not a time zone"):
        local_to_utc(datetime(2026, 1, 1, 9, 0), "Mars/Olympus")


@pytest.mark.django_db
@pytest.mark.parametrize("day", [datetime(2026, 3, 29, 2, 30), datetime(2026, 10, 25, 2, 30)])
def test_each_delivery_dispatches_exactly_once_across_the_transition(fake, outbox, tick, day):
    with time_machine.travel(datetime(2026, 3, 1, tzinfo=UTC), tick=False) as clock:
        post = PostFactory(workspace__time_zone=BERLIN)
        channels = ChannelFactory.create_batch(3, workspace=post.workspace)
        walls = [day - timedelta(minutes=45), day, day + timedelta(minutes=45)]
        deliveries = [post_schedule(post, [ch], local_to_utc(wall, BERLIN))[0] for ch, wall in zip(channels, walls,
                                                                                               strict=True)]
        clock.move_to(day.replace(hour=0, minute=0, tzinfo=UTC) - timedelta(hours=1))
        claims: Counter[int] = Counter()
        first_seen: dict[int, datetime] = {}
        for _ in range(6 * 6):  # 6 hours in 10-minute ticks
            for pk, token in tick():
                claims[pk] += 1
                first_seen.setdefault(pk, timezone.now())
                delivery_publish(pk, token)
            clock.shift(timedelta(minutes=10))
    assert claims == Counter({d.pk: 1 for d in deliveries})
    assert fake.create_count() == 3 and not fake.duplicates()
    for delivery in deliveries:
        assert timedelta(0) <= first_seen[delivery.pk] - delivery.due_at < timedelta(minutes=10)


@pytest.mark.parametrize(("attempt", "cap"), [(1, 30), (2, 60), (3, 120), (7, 1920), (8, 3600), (50, 3600),
                                              (10_000, 3600)])
def test_backoff_cap_doubles_up_to_the_maximum(settings, attempt, cap):
    settings.RETRY_BASE_SECONDS, settings.RETRY_MAX_SECONDS = 30, 3600
    assert backoff_cap(attempt) == cap


def test_full_jitter_stays_within_bounds_and_spreads(settings):
    settings.RETRY_BASE_SECONDS, settings.RETRY_MAX_SECONDS = 30, 3600
    rng = random.Random(7)
    delays = [retry_delay(3, rng).total_seconds() for _ in range(2000)]
    assert all(0 <= d <= 120 for d in delays)
    assert min(delays) < 10 and max(delays) > 110  # full jitter uses the whole window
    assert 50 < sum(delays) / len(delays) < 70  # centred on cap / 2
