"""Two add-to-queue calls racing on one channel take different slots (PostgreSQL: real threads and locks).

On SQLite the IMMEDIATE transactions serialise writers, so there is no race to test there.
"""

from __future__ import annotations

import threading
import time as clock
from datetime import time
from typing import Any

import pytest
from django.db import connection
from django.utils import timezone

from scheduler import queues, services
from scheduler.queue_slots import next_slot_instants
from tests.factories import ChannelFactory, PostFactory, WorkspaceFactory

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("postgres_required")]


def run_together(*targets: Any) -> list[Any]:
    start = threading.Barrier(len(targets))
    results: list[Any] = [None] * len(targets)
    errors: list[BaseException] = []

    def wrap(index: int, target: Any) -> None:
        try:
            start.wait()
            results[index] = target()
        except BaseException as exc:  # noqa: BLE001 - re-raised in the test thread
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=wrap, args=(i, t)) for i, t in enumerate(targets)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
        assert not thread.is_alive(), "a thread hung"
    if errors:
        raise errors[0]
    return results


def test_two_concurrent_adds_never_take_the_same_slot(monkeypatch: Any) -> None:
    workspace = WorkspaceFactory(time_zone="Europe/Berlin")
    channel = ChannelFactory(workspace=workspace, platform="x")
    queues.queue_set_slots(channel, [(day, time(9)) for day in range(7)])
    posts = [PostFactory(workspace=workspace, text=f"Racer {n}") for n in range(4)]
    real_schedule = services.post_schedule

    def slow_schedule(*args: Any, **kwargs: Any) -> Any:
        clock.sleep(0.3)  # widen the window between picking a slot and writing it
        return real_schedule(*args, **kwargs)

    monkeypatch.setattr(services, "post_schedule", slow_schedule)
    expected = next_slot_instants([(day, time(9)) for day in range(7)], "Europe/Berlin", timezone.now(), 4)
    results = run_together(*[lambda post=post: queues.post_add_to_queue(post, [channel]) for post in posts])
    slots = [placement.slot for (placement,) in results]
    assert len(set(slots)) == 4, slots
    assert sorted(slots) == expected  # the first four free slots, one each
