"""Media that the platform is still processing: the send waits without a sleeping worker."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import override_settings
from django.utils import timezone

from platforms.errors import NotReady
from scheduler.engine import delivery_publish, dispatch_due
from scheduler.models import Attempt, AttemptOutcome, Delivery, DeliveryState
from scheduler.services import post_update_content
from tests.factories import DeliveryFactory

pytestmark = pytest.mark.django_db
UPLOADED = {"media": [{"id": "m-1", "state": "in_progress"}]}


@pytest.fixture
def send(django_capture_on_commit_callbacks):
    """delivery_publish with its on-commit work (the check message) run, as after a real commit."""

    def run(pk: int, token: str) -> str | None:
        with django_capture_on_commit_callbacks(execute=True):
            return delivery_publish(pk, token)

    return run


def not_ready(check_after_s: float = 5.0) -> NotReady:
    return NotReady("The video is processing.", progress=UPLOADED, check_after_s=check_after_s)


def test_not_ready_requeues_with_progress_and_a_fresh_token(fake, tick, outbox, send):
    fake.script(not_ready())
    delivery = DeliveryFactory()
    [(pk, first_token)] = tick()

    assert send(pk, first_token) == DeliveryState.QUEUED

    d = Delivery.objects.get(pk=pk)
    assert d.progress == UPLOADED and d.processing_since is not None
    assert str(d.attempt_token) != first_token and d.attempt_count == 0
    assert "still processing the media" in d.error_message and "5 s" in d.error_message
    assert outbox[-1] == (pk, str(d.attempt_token))
    [attempt] = Attempt.objects.filter(delivery=delivery)
    assert attempt.outcome == AttemptOutcome.WAITING
    assert fake.creates == []


def test_the_next_call_gets_the_progress_and_publishes_once(fake, tick, outbox, send):
    fake.script(not_ready(), "ok")
    DeliveryFactory()
    [(pk, token)] = tick()
    send(pk, token)
    assert send(*outbox[-1]) == DeliveryState.PUBLISHED

    first, second = fake.publish_calls
    assert first.progress == {} and second.progress == UPLOADED
    d = Delivery.objects.get(pk=pk)
    assert len(fake.creates) == 1 and d.progress == {} and d.processing_since is None
    assert d.attempt_count == 1 and d.error_message == ""
    outcomes = list(Attempt.objects.filter(delivery=d).order_by("pk").values_list("outcome", flat=True))
    assert outcomes == [AttemptOutcome.WAITING, AttemptOutcome.PUBLISHED]


def test_the_old_token_is_stale_after_a_wait(fake, tick, outbox, send):
    fake.script(not_ready())
    DeliveryFactory()
    [(pk, token)] = tick()
    send(pk, token)
    assert send(pk, token) is None  # a redelivered copy of the first message
    assert len(fake.publish_calls) == 1


def test_a_lost_check_message_is_recovered_by_the_queued_lease(fake, tick, outbox, send):
    fake.script(not_ready(), "ok")
    DeliveryFactory()
    [(pk, token)] = tick()
    send(pk, token)
    outbox.clear()  # the countdown message never arrives

    later = timezone.now() + timedelta(seconds=5 + 121)
    [(same_pk, new_token)] = tick(later)
    assert same_pk == pk
    assert send(pk, new_token) == DeliveryState.PUBLISHED
    assert fake.publish_calls[-1].progress == UPLOADED and len(fake.creates) == 1


@override_settings(MEDIA_PROCESSING_TIMEOUT_SECONDS=60)
def test_processing_that_never_ends_fails_with_advice(fake, tick, outbox, send):
    fake.script(not_ready(), not_ready())
    DeliveryFactory()
    [(pk, token)] = tick()
    send(pk, token)
    Delivery.objects.filter(pk=pk).update(processing_since=timezone.now() - timedelta(minutes=2))

    assert send(*outbox[-1]) == DeliveryState.FAILED
    d = Delivery.objects.get(pk=pk)
    assert d.error_code == "processing_timeout" and "did not finish processing the media within 1 minutes" in \
        d.error_message
    assert d.progress == {} and fake.creates == []


def test_editing_the_post_while_it_waits_drops_the_uploaded_media(fake, tick, outbox, send):
    fake.script(not_ready())
    delivery = DeliveryFactory()
    [(pk, token)] = tick()
    send(pk, token)

    post_update_content(delivery.post, text="A new text")

    d = Delivery.objects.get(pk=pk)
    assert d.state == DeliveryState.SCHEDULED and d.attempt_token is None and d.progress == {}
    assert send(*outbox[-1]) is None  # the pending check message is now stale


def test_check_after_is_clamped(fake, tick, outbox, send):
    fake.script(NotReady("slow", progress={"a": 1}, check_after_s=3600))
    DeliveryFactory()
    [(pk, token)] = tick()
    send(pk, token)
    d = Delivery.objects.get(pk=pk)
    assert "30 s" in d.error_message
    assert d.lease_expires_at <= timezone.now() + timedelta(seconds=30 + 120 + 1)


def test_dispatch_ignores_a_waiting_delivery_until_its_lease_expires(fake, tick, outbox, send):
    fake.script(not_ready())
    DeliveryFactory()
    [(pk, token)] = tick()
    send(pk, token)
    assert dispatch_due(timezone.now()) == 0
