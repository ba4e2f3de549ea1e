"""Proof 9: 02:30 Europe/Berlin on both 2026 DST change days, through the real dispatcher and worker.

The dispatcher is driven with explicit instants (virtual time, ten minutes a tick, across each night)
and the real worker publishes whatever each tick claims; `queued_at` is the tick that claimed it.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from scheduler.models import Delivery, DeliveryState
from scheduler.services import local_to_utc, post_schedule
from tests.chaos.helpers import assert_proof, make_channel
from tests.factories import PostFactory, WorkspaceFactory

pytestmark = [pytest.mark.services, pytest.mark.chaos, pytest.mark.django_db(transaction=True)]

BERLIN = "Europe/Berlin"
TICK = timedelta(minutes=10)
# Wall-clock time in Berlin -> the instant it must publish at.
EXPECTED = {
    # Spring forward: 02:00 CET jumps to 03:00 CEST; 02:30 does not exist and moves on by the gap.
    datetime(2026, 3, 29, 1, 30): datetime(2026, 3, 29, 0, 30, tzinfo=UTC),
    datetime(2026, 3, 29, 2, 30): datetime(2026, 3, 29, 1, 30, tzinfo=UTC),
    datetime(2026, 3, 29, 3, 30): datetime(2026, 3, 29, 1, 30, tzinfo=UTC),
    # Fall back: 03:00 CEST goes back to 02:00 CET; 02:30 happens twice and means the first one.
    datetime(2026, 10, 25, 1, 30): datetime(2026, 10, 24, 23, 30, tzinfo=UTC),
    datetime(2026, 10, 25, 2, 30): datetime(2026, 10, 25, 0, 30, tzinfo=UTC),
    datetime(2026, 10, 25, 3, 30): datetime(2026, 10, 25, 2, 30, tzinfo=UTC),
}
NIGHTS = (datetime(2026, 3, 28, 23, 0, tzinfo=UTC), datetime(2026, 10, 24, 23, 0, tzinfo=UTC))


def in_flight(ids: list[int]) -> int:
    return Delivery.objects.filter(pk__in=ids, state__in=(DeliveryState.QUEUED, DeliveryState.SENDING)).count()


def test_dst_nights_publish_each_post_once_at_the_right_instant(stack, sandbox):
    workspace = WorkspaceFactory(time_zone=BERLIN)
    channel = make_channel(sandbox, workspace, "berlin")
    wall_of: dict[int, datetime] = {}
    for wall, instant in EXPECTED.items():
        assert local_to_utc(wall, workspace.time_zone) == instant, wall
        post = PostFactory(workspace=workspace, text=f"Berlin {wall:%Y-%m-%d %H:%M} local")
        [delivery] = post_schedule(post, [channel], local_to_utc(wall, workspace.time_zone), publish_now=True)
        wall_of[delivery.pk] = wall
    ids = list(wall_of)
    stack.start_worker(concurrency=4)
    dispatcher = stack.start_dispatcher()

    for start in NIGHTS:
        now = start
        while now <= start + timedelta(hours=4):
            if dispatcher.dispatch(now=now)["result"]:
                stack.wait_until(lambda: in_flight(ids) == 0, 20, what=f"the posts claimed at {now:%H:%M}Z")
            now += TICK

    assert assert_proof(sandbox, ids) == {DeliveryState.PUBLISHED: len(ids)}
    for delivery in Delivery.objects.filter(pk__in=ids):
        expected = EXPECTED[wall_of[delivery.pk]]
        assert delivery.due_at == expected
        # Claimed by the first tick at or after its instant: neither early nor skipped to a later tick.
        assert delivery.queued_at == expected, (wall_of[delivery.pk], delivery.queued_at, expected)
        assert delivery.attempt_count == 1
    assert len(sandbox.creates("x")) == len(EXPECTED)
