"""Proofs 1-3: a worker that dies, or a platform that goes quiet, at the worst moment of a send."""

from __future__ import annotations

import pytest

from scheduler.models import Attempt, AttemptOutcome, Delivery, DeliveryState
from scheduler.services import post_retry_failed
from tests.chaos.helpers import assert_proof, create_calls, faults, make_channel, schedule, wait_settled
from tests.factories import WorkspaceFactory

pytestmark = [pytest.mark.services, pytest.mark.chaos, pytest.mark.django_db(transaction=True)]


def outcomes(delivery: Delivery) -> list[str]:
    return list(Attempt.objects.filter(delivery=delivery).order_by("pk").values_list("outcome", flat=True))


def test_kill_after_claim_before_send_publishes_once_after_the_lease(stack, sandbox):
    """SIGKILL after the dispatcher's claim, when the worker holds the message but has not started the
    send: the delivery is still `queued`, so its lease expiry hands it back to the schedule and it is
    published automatically, exactly once, after the lease."""
    workspace = WorkspaceFactory()
    channel = make_channel(sandbox, workspace, "crash_claimed")
    [delivery] = schedule(workspace, [channel], 1, label="claimed")
    doomed = stack.start_worker(concurrency=2, failpoints="publish.received=kill")
    stack.start_dispatcher(loop=True)
    stack.wait_until(lambda: not doomed.alive(), 20, what="the worker to kill itself after the claim")
    delivery.refresh_from_db()
    assert delivery.state == DeliveryState.QUEUED and sandbox.creates("x") == []
    lease_expired_at = delivery.lease_expires_at
    stack.start_worker(concurrency=2)

    wait_settled(stack, [delivery.pk], 30)
    assert assert_proof(sandbox, [delivery.pk]) == {DeliveryState.PUBLISHED: 1}
    delivery.refresh_from_db()
    assert delivery.published_at >= lease_expired_at
    assert [c["text"] for c in sandbox.creates("x")] == [delivery.post.text]


def test_kill_after_sending_started_is_never_resent_blindly(stack, sandbox):
    """SIGKILL between the queued->sending compare-and-set and the HTTP call: nothing reached the
    platform, but SMO cannot know that. The lease turns it `unknown`, never back to `scheduled`; the
    reconciler finds no such post and fails it with a message asking for a retry, and the user's
    retry publishes it exactly once."""
    workspace = WorkspaceFactory()
    channel = make_channel(sandbox, workspace, "crash_before")
    [delivery] = schedule(workspace, [channel], 1, label="before-send")
    doomed = stack.start_worker(concurrency=2, failpoints="publish.before_send=kill")
    stack.start_dispatcher(loop=True)
    stack.wait_until(lambda: not doomed.alive(), 20, what="the worker to kill itself before sending")
    delivery.refresh_from_db()
    assert delivery.state == DeliveryState.SENDING and sandbox.creates("x") == []
    stack.start_worker(concurrency=2)

    wait_settled(stack, [delivery.pk], 30)
    delivery.refresh_from_db()
    assert (delivery.state, delivery.error_code) == (DeliveryState.FAILED, "not_found"), delivery.error_message
    assert "Retry" in delivery.error_message
    assert sandbox.creates("x") == []
    assert post_retry_failed(delivery.post) == 1
    wait_settled(stack, [delivery.pk], 20)
    assert assert_proof(sandbox, [delivery.pk]) == {DeliveryState.PUBLISHED: 1}
    assert [c["text"] for c in sandbox.creates("x")] == [delivery.post.text]


def test_kill_after_the_platform_applied_is_reconciled_without_a_second_create(stack, sandbox):
    workspace = WorkspaceFactory()
    channel = make_channel(sandbox, workspace, "crash_after")
    [delivery] = schedule(workspace, [channel], 1, label="after-send")
    doomed = stack.start_worker(concurrency=2, failpoints="publish.after_send=kill")
    stack.start_dispatcher(loop=True)
    stack.wait_until(lambda: not doomed.alive(), 20, what="the worker to kill itself after sending")
    [create] = sandbox.creates("x")
    delivery.refresh_from_db()
    assert delivery.state in (DeliveryState.SENDING, DeliveryState.UNKNOWN)
    stack.start_worker(concurrency=2)  # a healthy worker must not send it again either

    wait_settled(stack, [delivery.pk], 30)
    assert assert_proof(sandbox, [delivery.pk]) == {DeliveryState.PUBLISHED: 1}
    delivery.refresh_from_db()
    assert sandbox.creates("x") == [create]
    assert delivery.external_id == create["id"]
    assert outcomes(delivery) == [AttemptOutcome.ABANDONED, AttemptOutcome.RECONCILED]


def test_create_applied_but_answer_lost_is_not_retried_blindly(stack, sandbox):
    workspace = WorkspaceFactory()
    channel = make_channel(sandbox, workspace, "hang_after")
    [delivery] = schedule(workspace, [channel], 1, label="hang")
    faults(sandbox, {"platform": "x", "match": "POST /2/tweets", "count": 1,
                     "apply_then_hang": {"hang_s": 3 * stack.config.read_timeout_s + 2}})
    stack.start_worker(concurrency=2)
    stack.start_dispatcher(loop=True)

    wait_settled(stack, [delivery.pk], 40)
    assert assert_proof(sandbox, [delivery.pk]) == {DeliveryState.PUBLISHED: 1}
    # One POST, which timed out (unknown); the reconciler then found the post instead of sending again.
    assert [call["fault"] for call in create_calls(sandbox, "hang_after")] == ["apply_then_hang"]
    [create] = sandbox.creates("x")
    delivery.refresh_from_db()
    assert delivery.external_id == create["id"]
    assert outcomes(delivery) == [AttemptOutcome.UNKNOWN, AttemptOutcome.RECONCILED]
    assert delivery.attempt_count == 1
