"""Proof 4: the broker loses its messages (FLUSHDB, or a restart without persistence). The database
is the schedule, so the queued leases expire and the dispatcher claims the deliveries again."""

from __future__ import annotations

import pytest
from django.db.models import Count

from scheduler.models import Delivery, DeliveryState
from tests.chaos.helpers import assert_proof, faults, ids_of, make_channel, schedule, wait_settled
from tests.factories import WorkspaceFactory
from tests.harness.redis_server import RedisServer, redis_server_available

pytestmark = [pytest.mark.services, pytest.mark.chaos, pytest.mark.django_db(transaction=True)]


def test_flushdb_with_deliveries_enqueued_publishes_each_once(stack, sandbox):
    workspace = WorkspaceFactory()
    channels = [make_channel(sandbox, workspace, f"flush_{n}") for n in range(2)]
    ids = ids_of(schedule(workspace, channels, 10, label="flush"))
    dispatcher = stack.start_dispatcher()
    assert dispatcher.dispatch()["result"] == len(ids)
    assert stack.queue_length() == len(ids)
    first_tokens = dict(Delivery.objects.filter(pk__in=ids).values_list("pk", "attempt_token"))

    stack.flush_redis()
    assert stack.queue_length() == 0
    stack.start_worker(concurrency=8)
    stack.start_dispatcher(loop=True)
    wait_settled(stack, ids, 30)

    assert assert_proof(sandbox, ids) == {DeliveryState.PUBLISHED: len(ids)}
    final_tokens = dict(Delivery.objects.filter(pk__in=ids).values_list("pk", "attempt_token"))
    assert all(final_tokens[pk] != first_tokens[pk] for pk in ids), "every delivery was claimed again"
    assert len(sandbox.creates("x")) == len(ids)


@pytest.mark.skipif(not redis_server_available(), reason="needs the redis-server binary")
def test_broker_restart_mid_batch_publishes_each_once(stack, sandbox, tmp_path):
    broker = RedisServer(tmp_path).start()
    try:
        stack.config.broker_url = broker.url
        workspace = WorkspaceFactory()
        channels = [make_channel(sandbox, workspace, f"restart_{n}") for n in range(3)]
        ids = ids_of(schedule(workspace, channels, 10, label="restart"))
        faults(sandbox, {"platform": "x", "match": "POST /2/tweets", "latency_ms": {"mean": 400, "jitter": 100}})
        stack.start_worker(concurrency=4)
        stack.start_dispatcher(loop=True)
        stack.wait_until(lambda: len(sandbox.creates("x")) >= 5, 20, what="the batch to be under way")
        pending_at_restart = Delivery.objects.filter(pk__in=ids).exclude(state=DeliveryState.PUBLISHED).count()
        broker.restart(down_for=1.0)
        wait_settled(stack, ids, 45)
    finally:
        broker.stop()

    assert pending_at_restart > 0, "the restart happened after the batch had finished"
    assert assert_proof(sandbox, ids) == {DeliveryState.PUBLISHED: len(ids)}
    claimed_twice = Delivery.objects.filter(pk__in=ids).annotate(n=Count("attempts")).filter(n__gt=1).count()
    assert len(sandbox.creates("x")) == len(ids), f"{claimed_twice} deliveries needed a second attempt"
