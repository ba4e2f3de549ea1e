"""The reconciler: settle `unknown` by asking the platform, never by sending again."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from platforms.errors import AuthExpired, NotSupported, OutcomeUnknown, RateLimited, TransientError
from platforms.models import Channel, Health
from scheduler.engine import delivery_publish, delivery_reconcile, reconcile_unknown
from scheduler.models import AttemptOutcome, Delivery, DeliveryState
from tests.factories import DeliveryFactory
from tests.fakes import ApplyThenRaise

pytestmark = pytest.mark.django_db
START = "2026-06-01 09:00:00+00:00"


def reload(delivery: Delivery) -> Delivery:
    delivery.refresh_from_db()
    return delivery


@pytest.fixture
def clock():
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


def send_into_unknown(tick, fake, outcome) -> Delivery:
    fake.script(outcome)
    delivery = DeliveryFactory()
    [(pk, token)] = tick()
    assert delivery_publish(pk, token) == DeliveryState.UNKNOWN
    return reload(delivery)


def test_found_on_the_platform_becomes_published(clock, fake, tick):
    delivery = send_into_unknown(tick, fake, ApplyThenRaise())
    clock.shift(timedelta(seconds=15))
    assert reconcile_unknown(timezone.now()) == 1

    d = reload(delivery)
    assert d.state == DeliveryState.PUBLISHED and d.external_id == fake.creates[0].external_id
    assert d.permalink and d.error_message == ""
    assert [a.outcome for a in d.attempts.order_by("pk")] == [AttemptOutcome.UNKNOWN, AttemptOutcome.RECONCILED]
    assert fake.create_count() == 1 and len(fake.publish_calls) == 1
    [(channel, fingerprint, since)] = fake.find_calls
    assert fingerprint == d.fingerprint and since == d.sending_at - timedelta(minutes=1)


def test_not_found_waits_for_the_lease_and_a_grace_then_fails(clock, fake, tick, settings):
    settings.PLATFORM_READ_TIMEOUT = 20
    delivery = send_into_unknown(tick, fake, OutcomeUnknown("Read timed out"))
    lease = delivery.lease_expires_at
    clock.move_to(lease + timedelta(seconds=39))
    assert delivery_reconcile(delivery.pk) == DeliveryState.UNKNOWN
    clock.move_to(lease + timedelta(seconds=40))
    assert delivery_reconcile(delivery.pk) == DeliveryState.FAILED

    d = reload(delivery)
    assert d.error_message == (
        "X has no post with this content; the send was interrupted before X received it. Retry to send it again."
    )
    assert d.attempts.order_by("pk").last().outcome == AttemptOutcome.FAILED
    assert len(fake.publish_calls) == 1  # the reconciler never sends


@pytest.mark.parametrize("error", [TransientError("503"), RateLimited("slow down")])
def test_transient_trouble_while_asking_keeps_it_unknown_until_give_up(clock, fake, tick, settings, error):
    settings.RECONCILE_GIVE_UP_SECONDS = 600
    delivery = send_into_unknown(tick, fake, OutcomeUnknown("timeout"))
    fake.script_find(error, error)
    clock.shift(timedelta(seconds=300))
    assert delivery_reconcile(delivery.pk) == DeliveryState.UNKNOWN
    assert reload(delivery).attempts.count() == 1  # no row per polite retry
    clock.shift(timedelta(seconds=300))
    assert delivery_reconcile(delivery.pk) == DeliveryState.NEEDS_CHECK
    d = reload(delivery)
    assert d.error_message.startswith("X did not answer SMO's checks")
    assert "check whether the post is there" in d.error_message


@pytest.mark.parametrize("error", [NotSupported("search is not available"), AuthExpired("token revoked")])
def test_cannot_ask_means_needs_check(clock, fake, tick, error):
    delivery = send_into_unknown(tick, fake, OutcomeUnknown("timeout"))
    fake.script_find(error)
    assert delivery_reconcile(delivery.pk) == DeliveryState.NEEDS_CHECK
    d = reload(delivery)
    assert d.error_message.startswith(f"SMO cannot ask X whether this post exists ({error.message})")
    assert d.attempts.order_by("pk").last().error_class == type(error).__name__
    expected_health = Health.NEEDS_RECONNECT if isinstance(error, AuthExpired) else Health.OK
    assert Channel.objects.get(pk=d.channel_id).health == expected_health


def test_still_not_visible_after_give_up_needs_check(clock, fake, tick, settings):
    settings.RECONCILE_GIVE_UP_SECONDS = 60
    settings.PLATFORM_READ_TIMEOUT = 1000  # the grace would still be running: only give-up applies
    delivery = send_into_unknown(tick, fake, OutcomeUnknown("timeout"))
    clock.shift(timedelta(seconds=61))
    assert reconcile_unknown() == 1
    assert reload(delivery).state == DeliveryState.NEEDS_CHECK


def test_only_unknown_deliveries_are_touched(fake):
    for state in (DeliveryState.SENDING, DeliveryState.PUBLISHED, DeliveryState.FAILED):
        assert delivery_reconcile(DeliveryFactory(state=state).pk) is None
    assert reconcile_unknown() == 0 and fake.find_calls == []


def test_worker_lost_mid_send_is_found_after_lease_expiry(clock, fake, tick):
    delivery = DeliveryFactory()
    [(pk, token)] = tick()

    def crash(request):  # the worker dies after the platform applied the create
        fake._create(request)
        raise SystemExit

    fake.on_publish = crash
    with pytest.raises(SystemExit):
        delivery_publish(pk, token)
    assert reload(delivery).state == DeliveryState.SENDING
    clock.shift(timedelta(seconds=91))
    assert tick() == []  # the expired lease goes to unknown, never back to scheduled
    assert reload(delivery).state == DeliveryState.UNKNOWN
    reconcile_unknown()
    assert reload(delivery).state == DeliveryState.PUBLISHED
    assert fake.create_count() == 1 and not fake.duplicates()
