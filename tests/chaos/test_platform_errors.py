"""Proofs 7-8: an expired token flags its channel after one attempt; a 429 pauses only its channel."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from platforms.models import Channel, Health
from scheduler.models import Attempt, AttemptOutcome, Delivery, DeliveryState
from tests.chaos.helpers import (
    assert_proof,
    assert_readable,
    create_calls,
    faults,
    ids_of,
    make_channel,
    schedule,
    wait_settled,
)
from tests.factories import WorkspaceFactory

pytestmark = [pytest.mark.services, pytest.mark.chaos, pytest.mark.django_db(transaction=True)]


def test_expired_token_flags_the_channel_after_one_create_call(stack, sandbox):
    workspace = WorkspaceFactory()
    healthy = make_channel(sandbox, workspace, "token_ok")
    expired = make_channel(sandbox, workspace, "token_expired")
    sandbox.expire_tokens("x", "token_expired")
    now = timezone.now()
    first = ids_of(schedule(workspace, [expired], 1, due_at=now, label="expired-first"))
    later = ids_of(schedule(workspace, [expired], 2, due_at=now + timedelta(seconds=2), label="expired-later"))
    fine = ids_of(schedule(workspace, [healthy], 5, due_at=now, label="healthy"))
    stack.start_worker(concurrency=8)
    dispatcher = stack.start_dispatcher()

    assert dispatcher.dispatch(now=now)["result"] == 6
    wait_settled(stack, first + fine, 20)
    # A tick after the later posts are due claims nothing from the flagged channel.
    assert dispatcher.dispatch(now=now + timedelta(seconds=5))["result"] == 0

    [delivery] = Delivery.objects.filter(pk__in=first)
    assert delivery.state == DeliveryState.NEEDS_RECONNECT
    assert_readable(delivery.error_message)
    assert "Reconnect" in delivery.error_message
    expired.refresh_from_db()
    assert expired.health == Health.NEEDS_RECONNECT and expired.last_error
    held = Delivery.objects.filter(pk__in=later)
    assert {d.state for d in held} == {DeliveryState.SCHEDULED} and {d.attempt_count for d in held} == {0}
    assert Attempt.objects.filter(delivery__channel=expired).count() == 1
    assert [call["status"] for call in create_calls(sandbox, "token_expired")] == [401]
    result = assert_proof(sandbox, first + fine)
    assert result == {DeliveryState.PUBLISHED: 5, DeliveryState.NEEDS_RECONNECT: 1}
    assert Channel.objects.get(pk=healthy.pk).health == Health.OK


def test_rate_limit_pauses_only_its_channel_until_the_reset(stack, sandbox):
    workspace = WorkspaceFactory()
    limited = make_channel(sandbox, workspace, "limited")
    other = make_channel(sandbox, workspace, "unlimited")
    reset_not_before = datetime.fromtimestamp(time.time() + 5, UTC)
    faults(sandbox, {"platform": "x", "match": "POST /2/tweets", "account": "limited",
                     "rate_limited": {"reset_in_s": 5}})
    now = timezone.now()
    slow = ids_of(schedule(workspace, [limited], 3, due_at=now, label="limited"))
    fast = ids_of(schedule(workspace, [other], 3, due_at=now, label="unlimited"))
    stack.start_worker(concurrency=8)
    stack.start_dispatcher(loop=True)

    wait_settled(stack, fast, 10)
    assert timezone.now() < reset_not_before, "the healthy channel was held back"
    limited.refresh_from_db()
    assert limited.paused_until is not None and limited.paused_until >= reset_not_before - timedelta(seconds=1)
    assert Delivery.objects.filter(pk__in=slow, state=DeliveryState.PUBLISHED).count() == 0
    wait_settled(stack, slow, 30)

    assert assert_proof(sandbox, slow + fast) == {DeliveryState.PUBLISHED: 6}
    for delivery in Delivery.objects.filter(pk__in=fast):
        assert delivery.published_at - delivery.scheduled_for < timedelta(seconds=3)
    for delivery in Delivery.objects.filter(pk__in=slow):
        assert delivery.published_at >= reset_not_before, (delivery.published_at, reset_not_before)
        assert Attempt.objects.filter(delivery=delivery, outcome=AttemptOutcome.RETRY).exists()
