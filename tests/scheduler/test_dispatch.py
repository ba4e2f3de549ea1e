"""The dispatcher: what it claims, what it leaves, leases, batches and idempotence."""

from __future__ import annotations

import time
import uuid
from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from platforms.models import Health
from scheduler.engine import dispatch, dispatch_due, expire_leases
from scheduler.models import AttemptOutcome, Delivery, DeliveryState, Post
from tests.factories import AttemptFactory, ChannelFactory, DeliveryFactory

pytestmark = pytest.mark.django_db


def states(*deliveries: Delivery) -> list[str]:
    return [Delivery.objects.get(pk=d.pk).state for d in deliveries]


def test_claims_due_scheduled_and_retry_wait_rows(tick):
    now = timezone.now()
    due = DeliveryFactory(due_at=now - timedelta(seconds=1))
    retry = DeliveryFactory(state=DeliveryState.RETRY_WAIT, due_at=now)
    later = DeliveryFactory(due_at=now + timedelta(seconds=1))
    draft = DeliveryFactory(state=DeliveryState.DRAFT, due_at=now - timedelta(hours=1))

    sent = tick(now)

    assert sorted(pk for pk, _ in sent) == sorted([due.pk, retry.pk])
    assert states(due, retry, later, draft) == ["queued", "queued", "scheduled", "draft"]
    claimed = Delivery.objects.get(pk=due.pk)
    assert claimed.queued_at == now
    assert claimed.lease_expires_at == now + timedelta(seconds=120)
    assert str(claimed.attempt_token) == dict(sent)[due.pk]


def test_each_claim_gets_its_own_fresh_token(tick):
    deliveries = DeliveryFactory.create_batch(3)
    sent = tick()
    assert len({token for _, token in sent}) == 3
    for d in deliveries:
        d.refresh_from_db()
        assert uuid.UUID(dict(sent)[d.pk]) == d.attempt_token


def test_running_twice_claims_once(tick):
    DeliveryFactory.create_batch(4)
    now = timezone.now()
    first, second = tick(now), tick(now)
    assert len(first) == 4
    assert second == []


def test_unhealthy_and_paused_channels_are_held(tick):
    now = timezone.now()
    healthy = DeliveryFactory()
    broken = DeliveryFactory(channel__health=Health.NEEDS_RECONNECT)
    erroring = DeliveryFactory(channel__health=Health.ERROR)
    paused = DeliveryFactory(channel__paused_until=now + timedelta(seconds=60))
    pause_over = DeliveryFactory(channel__paused_until=now)

    sent = tick(now)

    assert sorted(pk for pk, _ in sent) == sorted([healthy.pk, pause_over.pk])
    assert states(broken, erroring, paused) == ["scheduled"] * 3
    assert tick(now + timedelta(seconds=59)) == []
    assert [pk for pk, _ in tick(now + timedelta(seconds=60))] == [paused.pk]


def test_claims_oldest_due_first_and_drains_a_burst_in_batches(tick, settings):
    settings.DISPATCH_BATCH_SIZE = 50
    settings.DISPATCH_INTERVAL_SECONDS = 60  # a generous budget: the loop must not stop early
    now = timezone.now()
    channel = ChannelFactory()
    oldest = DeliveryFactory(channel=channel, post__workspace=channel.workspace, due_at=now - timedelta(days=1))
    for i in range(219):
        DeliveryFactory(channel=ChannelFactory(workspace=channel.workspace), post__workspace=channel.workspace,
                        due_at=now - timedelta(seconds=i))

    sent = tick(now)

    assert len(sent) == 220
    assert sent[0][0] == oldest.pk
    assert not Delivery.objects.filter(state=DeliveryState.SCHEDULED).exists()


def test_time_budget_stops_the_loop_after_one_batch(tick, settings):
    settings.DISPATCH_BATCH_SIZE = 5
    settings.DISPATCH_INTERVAL_SECONDS = 0  # budget used up after the first batch
    DeliveryFactory.create_batch(12)
    assert len(tick()) == 5
    assert len(tick()) == 5
    assert len(tick()) == 2


def test_expired_queued_lease_goes_back_to_scheduled_and_its_token_dies(tick):
    start = timezone.now()
    delivery = DeliveryFactory()
    [(pk, token)] = tick(start)
    attempt = AttemptFactory(delivery=delivery, token=uuid.UUID(token))

    assert expire_leases(start + timedelta(seconds=119)) == (0, 0)
    assert expire_leases(start + timedelta(seconds=121)) == (1, 0)

    delivery.refresh_from_db()
    attempt.refresh_from_db()
    assert (delivery.state, delivery.attempt_token, delivery.lease_expires_at) == ("scheduled", None, None)
    assert attempt.outcome == AttemptOutcome.ABANDONED
    # The next tick claims it again with a new token.
    [(pk2, token2)] = tick(start + timedelta(seconds=121))
    assert (pk2, token2 != token) == (pk, True)


def test_expired_sending_lease_becomes_unknown_never_scheduled():
    now = timezone.now()
    token = uuid.uuid4()
    delivery = DeliveryFactory(state=DeliveryState.SENDING, attempt_token=token, sending_at=now - timedelta(minutes=2),
                               lease_expires_at=now - timedelta(seconds=1))
    attempt = AttemptFactory(delivery=delivery, token=token)
    fresh = DeliveryFactory(state=DeliveryState.SENDING, attempt_token=uuid.uuid4(),
                            lease_expires_at=now + timedelta(seconds=1))

    dispatch_due(now)

    delivery.refresh_from_db()
    attempt.refresh_from_db()
    assert delivery.state == DeliveryState.UNKNOWN
    assert delivery.attempt_token == token  # kept: a late success with this token may still settle it
    assert "checking" in delivery.error_message
    assert attempt.outcome == AttemptOutcome.ABANDONED
    assert states(fresh) == ["sending"]


def test_lease_rules_follow_the_clock():
    with time_machine.travel("2026-05-01 12:00:00+00:00", tick=False) as clock:
        queued = DeliveryFactory(state=DeliveryState.QUEUED, attempt_token=uuid.uuid4(),
                                 lease_expires_at=timezone.now() + timedelta(seconds=120))
        sending = DeliveryFactory(state=DeliveryState.SENDING, attempt_token=uuid.uuid4(),
                                  lease_expires_at=timezone.now() + timedelta(seconds=90))
        clock.shift(timedelta(seconds=91))
        dispatch_due(timezone.now())
        assert states(queued, sending) == ["queued", "unknown"]
        clock.shift(timedelta(seconds=30))
        expire_leases(timezone.now())
        assert states(queued, sending) == ["scheduled", "unknown"]


def test_a_failed_enqueue_does_not_stop_the_others(monkeypatch, django_capture_on_commit_callbacks):
    deliveries = DeliveryFactory.create_batch(3)
    sent = []

    def flaky(pk, token):
        if pk == deliveries[0].pk:
            raise ConnectionError("broker down")
        sent.append(pk)

    monkeypatch.setattr(dispatch, "enqueue_publish", flaky)
    with django_capture_on_commit_callbacks(execute=True):
        assert dispatch_due(timezone.now()) == 3
    assert sorted(sent) == sorted(d.pk for d in deliveries[1:])
    # The unsent one stays queued until its lease expires, then is claimed again.
    assert states(deliveries[0]) == ["queued"]


def test_nothing_is_enqueued_before_commit(outbox):
    DeliveryFactory()
    dispatch_due(timezone.now())  # inside the test's transaction: no commit, so no message yet
    assert outbox == []


def test_a_burst_of_2000_drains_in_a_few_ticks(tick, settings):
    settings.DISPATCH_BATCH_SIZE, settings.DISPATCH_INTERVAL_SECONDS = 500, 1.0  # the defaults
    workspace = ChannelFactory().workspace
    channels = [ChannelFactory(workspace=workspace) for _ in range(20)]
    posts = Post.objects.bulk_create([Post(workspace=workspace, text=f"burst {i}") for i in range(100)])
    due = timezone.now() - timedelta(seconds=1)
    Delivery.objects.bulk_create(
        Delivery(workspace=workspace, post=post, channel=channel, state=DeliveryState.SCHEDULED, due_at=due)
        for post in posts for channel in channels
    )
    ticks, claimed = 0, 0
    while claimed < 2000:
        started = time.monotonic()
        claimed += len(tick())
        ticks += 1
        assert time.monotonic() - started < 5
    assert ticks <= 4
