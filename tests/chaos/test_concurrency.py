"""Proof 5: the same publish message delivered several times at once, and two dispatchers at once."""

from __future__ import annotations

import time

import pytest

from scheduler.models import Attempt, Delivery, DeliveryState
from tests.chaos.helpers import assert_proof, faults, ids_of, make_channel, schedule, wait_settled
from tests.factories import WorkspaceFactory

pytestmark = [pytest.mark.services, pytest.mark.chaos, pytest.mark.django_db(transaction=True)]


def test_same_message_three_times_concurrently_creates_once(stack, sandbox):
    workspace = WorkspaceFactory()
    channel = make_channel(sandbox, workspace, "triple")
    ids = ids_of(schedule(workspace, [channel], 8, label="triple"))
    dispatcher = stack.start_dispatcher()
    assert dispatcher.dispatch()["result"] == len(ids)
    for pk, token in Delivery.objects.filter(pk__in=ids).values_list("pk", "attempt_token"):
        stack.send_publish(pk, str(token), times=2)  # with the dispatcher's own: three copies each
    assert stack.queue_length() == 3 * len(ids)
    # Latency keeps the first copy in flight while its twins are taken by other threads.
    faults(sandbox, {"platform": "x", "match": "POST /2/tweets", "latency_ms": 500})
    worker = stack.start_worker(concurrency=3 * len(ids), prefetch=3)

    wait_settled(stack, ids, 30)
    stack.wait_until(lambda: worker.log_text().count("succeeded in") == 3 * len(ids), 15,
                     what="every copy of every message to be run")
    assert assert_proof(sandbox, ids) == {DeliveryState.PUBLISHED: len(ids)}
    assert worker.log_text().count("stale or a duplicate") == 2 * len(ids)
    assert len(sandbox.creates("x")) == len(ids)
    assert Attempt.objects.filter(delivery_id__in=ids).count() == len(ids)


def test_two_dispatchers_at_once_claim_each_delivery_once(stack, sandbox):
    workspace = WorkspaceFactory()
    channels = [make_channel(sandbox, workspace, f"twin_{n}") for n in range(4)]
    ids = ids_of(schedule(workspace, channels, 75, label="twins"))  # 300 deliveries
    # Small batches and a long tick budget: both processes loop over batches at the same time.
    env = {"DISPATCH_BATCH_SIZE": "5", "DISPATCH_INTERVAL_SECONDS": "20"}
    first, second = stack.start_dispatcher(env=env), stack.start_dispatcher(env=env)
    at = time.time() + 1.0
    first.send("dispatch", at=at)
    second.send("dispatch", at=at)
    claims = [first.receive()["result"], second.receive()["result"]]

    assert sum(claims) == len(ids), f"claims {claims} for {len(ids)} due deliveries"
    assert min(claims) > 0, f"one dispatcher claimed everything ({claims}): the race was not exercised"
    assert Delivery.objects.filter(pk__in=ids, state=DeliveryState.QUEUED).count() == len(ids)
    assert stack.queue_length() == len(ids), "one message per claim, none doubled"
    stack.start_worker(concurrency=32)
    stack.start_dispatcher(loop=True)  # in case a queued lease runs out before its message is taken
    wait_settled(stack, ids, 40)
    assert assert_proof(sandbox, ids) == {DeliveryState.PUBLISHED: len(ids)}
    assert len(sandbox.creates("x")) == len(ids)
