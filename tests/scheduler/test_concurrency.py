"""Real concurrency on PostgreSQL: racing dispatchers, duplicate messages and edits during a send.

Each thread has its own database connection, so these run with real transactions (transaction=True).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.utils import timezone

from scheduler import services
from scheduler.engine import delivery_publish, dispatch
from scheduler.models import Delivery, DeliveryState
from scheduler.services import DeliveryBusy, post_update_content
from tests.factories import ChannelFactory, DeliveryFactory, PostFactory
from tests.fakes import Latency

# `services` gates on PostgreSQL (and Redis) in tests/conftest.py, failing instead of skipping under
# REQUIRE_SERVICES=1; postgres_required states the real need when the marker is run selectively.
pytestmark = [
    pytest.mark.services,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("postgres_required"),
]


def run_threads(*targets: Callable[[], Any], timeout: float = 30) -> list[Any]:
    """Run each target in its own thread (and connection); re-raise the first error."""
    results: list[Any] = [None] * len(targets)
    errors: list[BaseException] = []

    def wrap(i: int, target: Callable[[], Any]) -> None:
        try:
            results[i] = target()
        except BaseException as exc:  # noqa: BLE001 - reported to the test thread below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=wrap, args=(i, t)) for i, t in enumerate(targets)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout)
        assert not thread.is_alive(), "a thread hung: a lock is held where it should not be"
    if errors:
        raise errors[0]
    return results


def test_two_dispatchers_claim_disjoint_sets_with_skip_locked(monkeypatch, settings):
    settings.DISPATCH_BATCH_SIZE = 5
    settings.DISPATCH_INTERVAL_SECONDS = 0  # one batch per call
    post = PostFactory()
    deliveries = [DeliveryFactory(post=post, channel=ChannelFactory(workspace=post.workspace)) for _ in range(10)]
    sent: list[tuple[int, str]] = []
    monkeypatch.setattr(dispatch, "enqueue_publish", lambda pk, token: sent.append((pk, str(token))))
    # Both dispatchers hold their row locks at the same moment: without SKIP LOCKED the second would
    # block on the first's rows and the barrier would time out.
    barrier = threading.Barrier(2, timeout=10)
    lock_due_ids = dispatch._lock_due_ids

    def locked_then_wait(now, limit):
        ids = lock_due_ids(now, limit)
        barrier.wait()
        return ids

    monkeypatch.setattr(dispatch, "_lock_due_ids", locked_then_wait)
    now = timezone.now()
    first, second = run_threads(lambda: dispatch.dispatch_due(now), lambda: dispatch.dispatch_due(now))

    assert (first, second) == (5, 5)
    assert sorted(pk for pk, _ in sent) == sorted(d.pk for d in deliveries)
    for pk, token in sent:
        assert str(Delivery.objects.get(pk=pk).attempt_token) == token


def test_the_same_message_three_times_at_once_creates_once(fake, outbox):
    fake.script(Latency(0.2))
    DeliveryFactory()
    dispatch.dispatch_due(timezone.now())
    [(pk, token)] = outbox
    barrier = threading.Barrier(3, timeout=10)

    def worker():
        barrier.wait()
        return delivery_publish(pk, token)

    results = run_threads(worker, worker, worker)
    assert sorted(results, key=str) == [None, None, DeliveryState.PUBLISHED]
    assert fake.create_count() == 1 and len(fake.publish_calls) == 1


def test_edit_during_a_send_is_refused(fake, outbox):
    delivery = DeliveryFactory()
    dispatch.dispatch_due(timezone.now())
    [(pk, token)] = outbox
    in_flight, edited = threading.Event(), threading.Event()

    def hold_the_call(request):
        in_flight.set()
        assert edited.wait(10)

    fake.on_publish = hold_the_call

    def editor():
        assert in_flight.wait(10)
        try:
            post_update_content(delivery.post, text="changed mid-send")
        except DeliveryBusy as exc:
            return exc.messages[0]
        finally:
            edited.set()

    published, refusal = run_threads(lambda: delivery_publish(pk, token), editor)
    assert published == DeliveryState.PUBLISHED
    assert "being sent to X right now" in refusal
    delivery.post.refresh_from_db()
    assert delivery.post.text != "changed mid-send" and fake.create_count() == 1


def test_edit_holding_the_lock_beats_the_send(fake, outbox, monkeypatch):
    delivery = DeliveryFactory()
    dispatch.dispatch_due(timezone.now())
    [(pk, token)] = outbox
    locked = threading.Event()
    refuse_if_busy = services._refuse_if_busy

    def hold_lock(deliveries):
        refuse_if_busy(deliveries)
        locked.set()
        time.sleep(0.3)  # the publisher's compare-and-set now waits on our row lock

    monkeypatch.setattr(services, "_refuse_if_busy", hold_lock)

    def publisher():
        assert locked.wait(10)
        return delivery_publish(pk, token)

    _, published = run_threads(lambda: post_update_content(delivery.post, text="edited first"), publisher)
    assert published is None and fake.publish_calls == []
    delivery.refresh_from_db()
    assert (delivery.state, delivery.attempt_token) == (DeliveryState.SCHEDULED, None)
