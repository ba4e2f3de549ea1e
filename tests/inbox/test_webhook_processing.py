"""Stored webhook events -> inbox items: enqueued on commit, processed once, replays store nothing."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json

import pytest

from inbox import tasks
from inbox.models import InboxItem, ProcessedEvent
from inbox.services import webhook_event_process
from platforms import webhooks
from platforms.models import WebhookEvent
from platforms.services import webhook_event_record
from tests.factories import ChannelFactory
from tests.fakes import webhook_payload

pytestmark = pytest.mark.django_db
SECRET = "x-consumer-secret-test"


def stored(payload, platform="x") -> WebhookEvent:
    return webhook_event_record(platform, json.dumps(payload).encode(), payload)[0]


def test_an_event_is_ingested_for_its_channel_and_marked_processed(fake, channel, entry):
    event = stored(webhook_payload("acct-1", entry(1), entry(2, kind="reply", in_reply_to="c1")))
    processed = webhook_event_process(event.pk)
    assert (processed.items, processed.error) == (2, "")
    assert sorted(InboxItem.objects.filter(channel=channel).values_list("external_id", flat=True)) == ["c1", "c2"]
    assert InboxItem.objects.get(external_id="c1").raw["source"] == "webhook"


def test_replaying_an_event_stores_nothing_new(fake, channel, entry):
    payload = webhook_payload("acct-1", entry(1))
    first = webhook_event_process(stored(payload).pk)
    event, created = webhook_event_record("x", json.dumps(payload).encode(), payload)  # the re-delivery
    assert not created
    again = webhook_event_process(event.pk)
    assert again.pk == first.pk and again.items == 1
    assert InboxItem.objects.count() == 1 and ProcessedEvent.objects.count() == 1


def test_the_same_item_in_two_events_is_stored_once_in_any_order(fake, channel, entry):
    later = stored(webhook_payload("acct-1", entry(2), entry(1)))
    earlier = stored(webhook_payload("acct-1", entry(1)))
    assert webhook_event_process(later.pk).items == 2
    assert webhook_event_process(earlier.pk).items == 0
    assert InboxItem.objects.count() == 2


def test_every_workspace_that_connected_the_account_gets_the_items(fake, channel, entry):
    twin = ChannelFactory(platform="x", external_id="acct-1")  # the same account in another workspace
    webhook_event_process(stored(webhook_payload("acct-1", entry(1))).pk)
    assert set(InboxItem.objects.values_list("channel_id", flat=True)) == {channel.pk, twin.pk}


def test_an_event_for_an_unknown_account_is_processed_with_a_reason(fake, entry):
    processed = webhook_event_process(stored(webhook_payload("nobody", entry(1))).pk)
    assert (processed.items, processed.error) == (0, "No x channel is connected for account(s) nobody.")


def test_a_malformed_event_is_processed_with_the_adapter_message(fake, channel):
    processed = webhook_event_process(stored({"for_user_id": "acct-1", "garbage": True}).pk)
    assert processed.error == "The fake webhook event has no account_id and entries list."
    assert InboxItem.objects.count() == 0


def test_an_event_of_a_platform_without_adapter_does_not_crash(fake):
    event = stored({"object": "user", "entry": [{"id": "1", "time": 1}]}, platform="meta")
    assert webhook_event_process(event.pk).error == "No adapter for platform 'meta'."


def test_a_missing_event_is_ignored():
    assert webhook_event_process(424242) is None


def test_the_receiver_enqueues_processing_of_new_events_on_commit(
        fake, channel, entry, client, settings, monkeypatch, django_capture_on_commit_callbacks):
    settings.X_CONSUMER_SECRET = SECRET
    sent: list[int] = []
    monkeypatch.setattr(tasks.process_webhook_event, "delay", lambda pk: sent.append(pk))
    body = json.dumps({**webhook_payload("acct-1", entry(1)), "for_user_id": "acct-1"}).encode()
    signature = "sha256=" + base64.b64encode(hmac.new(SECRET.encode(), body, hashlib.sha256).digest()).decode()
    for _ in range(2):  # the second POST is the platform's re-delivery
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post("/webhooks/x/", data=body, content_type="application/json",
                                   headers={"x-twitter-webhooks-signature": signature})
        assert response.status_code == 200
    event = WebhookEvent.objects.get()
    assert sent == [event.pk]
    assert tasks.process_webhook_event(event.pk) == 1
    assert InboxItem.objects.get().text == "Comment number 1"


def test_a_broker_failure_does_not_fail_the_receiver(monkeypatch, caplog):
    def down(pk):
        raise ConnectionError("broker down")

    monkeypatch.setattr(tasks.process_webhook_event, "delay", down)
    webhooks._enqueue_processing(5)
    assert "Could not enqueue processing of webhook event 5" in caplog.text


def test_the_pending_sweep_enqueues_unprocessed_old_events(fake, channel, entry, monkeypatch):
    from datetime import timedelta

    from django.utils import timezone

    old, fresh, done = (stored(webhook_payload("acct-1", entry(n))) for n in (1, 2, 3))
    WebhookEvent.objects.filter(pk__in=[old.pk, done.pk]).update(received_at=timezone.now() - timedelta(minutes=5))
    webhook_event_process(done.pk)
    sent: list[int] = []
    monkeypatch.setattr(tasks.process_webhook_event, "delay", lambda pk: sent.append(pk))
    assert tasks.process_pending_webhooks() == 1
    assert sent == [old.pk] and fresh.pk not in sent
