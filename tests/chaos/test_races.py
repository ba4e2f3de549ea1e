"""Proof 10: a cancel or an edit racing the send. Either the change wins and the old content is never
created, or it is refused and the create happens once; never both."""

from __future__ import annotations

import random
import time
from dataclasses import dataclass

import pytest
from django.core.exceptions import ValidationError

from scheduler.models import Delivery, DeliveryState, Post
from scheduler.services import DeliveryBusy, delivery_cancel, post_update_content
from tests.chaos.helpers import assert_proof, creates_by_key, faults, ids_of, make_channel, schedule, wait_settled
from tests.factories import WorkspaceFactory

pytestmark = [pytest.mark.services, pytest.mark.chaos, pytest.mark.django_db(transaction=True)]
LATENCY = {"platform": "x", "match": "POST /2/tweets", "latency_ms": {"mean": 1500, "jitter": 0}}


def test_cancel_while_queued_wins_and_the_message_becomes_a_no_op(stack, sandbox):
    workspace = WorkspaceFactory()
    channel = make_channel(sandbox, workspace, "cancel_queued")
    [delivery] = schedule(workspace, [channel], 1, label="cancel-queued")
    assert stack.start_dispatcher().dispatch()["result"] == 1
    assert stack.queue_length() == 1
    assert delivery_cancel(Delivery.objects.get(pk=delivery.pk)).state == DeliveryState.CANCELLED
    worker = stack.start_worker(concurrency=2)
    stack.wait_until(lambda: "succeeded in" in worker.log_text(), 15, what="the publish message to be run")
    assert sandbox.creates("x") == []
    assert "stale or a duplicate" in worker.log_text()
    assert_proof(sandbox, [delivery.pk])


def test_cancel_while_sending_is_refused_and_the_post_is_published_once(stack, sandbox):
    workspace = WorkspaceFactory()
    channel = make_channel(sandbox, workspace, "cancel_sending")
    [delivery] = schedule(workspace, [channel], 1, label="cancel-sending")
    faults(sandbox, LATENCY)
    stack.start_worker(concurrency=2)
    stack.start_dispatcher(loop=True)
    stack.wait_until(lambda: Delivery.objects.get(pk=delivery.pk).state == DeliveryState.SENDING, 15,
                     interval=0.02, what="the send to start")
    with pytest.raises(DeliveryBusy):
        delivery_cancel(Delivery.objects.get(pk=delivery.pk))
    with pytest.raises(DeliveryBusy):
        post_update_content(Post.objects.get(pk=delivery.post_id), text="too late")
    wait_settled(stack, [delivery.pk], 15)
    assert assert_proof(sandbox, [delivery.pk]) == {DeliveryState.PUBLISHED: 1}
    assert [c["text"] for c in sandbox.creates("x")] == [Post.objects.get(pk=delivery.post_id).text]


@dataclass
class Change:
    delivery_id: int
    kind: str  # "cancel" | "edit"
    accepted: bool = False
    old_text: str = ""
    new_text: str = ""


def _apply(change: Change) -> None:
    delivery = Delivery.objects.select_related("post").get(pk=change.delivery_id)
    change.old_text = delivery.post.text
    try:
        if change.kind == "cancel":
            delivery_cancel(delivery)
        else:
            change.new_text = f"{change.old_text} (edited)"
            post_update_content(delivery.post, text=change.new_text)
        change.accepted = True
    except (DeliveryBusy, ValidationError):
        change.accepted = False


def test_random_cancels_and_edits_racing_sends_never_do_both(stack, sandbox):
    rng = random.Random(20261123)
    workspace = WorkspaceFactory()
    channels = [make_channel(sandbox, workspace, f"race_{n}") for n in range(3)]
    ids = ids_of(schedule(workspace, channels[:1], 14, label="race-a") + schedule(workspace, channels[1:2], 13,
                 label="race-b") + schedule(workspace, channels[2:], 13, label="race-c"))
    faults(sandbox, {"platform": "x", "match": "POST /2/tweets", "latency_ms": {"mean": 400, "jitter": 350}})
    changes = [Change(pk, rng.choice(["cancel", "edit"])) for pk in ids]
    delays = sorted(rng.uniform(0, 3.0) for _ in changes)
    rng.shuffle(changes)
    stack.start_worker(concurrency=6)
    stack.start_dispatcher(loop=True)
    started = time.monotonic()
    for change, delay in zip(changes, delays, strict=True):
        time.sleep(max(0.0, started + delay - time.monotonic()))  # spread the changes over the batch
        _apply(change)
    wait_settled(stack, ids, 45)

    assert_proof(sandbox, ids)
    created = creates_by_key(sandbox)
    for change in changes:
        delivery = Delivery.objects.select_related("channel").get(pk=change.delivery_id)
        account = delivery.channel.external_id
        old, new = created[(account, change.old_text)], created[(account, change.new_text)]
        if change.kind == "cancel" and change.accepted:
            assert (delivery.state, old) == (DeliveryState.CANCELLED, 0), change
        elif change.kind == "edit" and change.accepted:
            assert (delivery.state, old, new) == (DeliveryState.PUBLISHED, 0, 1), change
        else:
            assert (delivery.state, old) == (DeliveryState.PUBLISHED, 1), change
    kinds = {(c.kind, c.accepted) for c in changes}
    assert len(kinds) >= 3, f"the race did not mix outcomes: {kinds}"
