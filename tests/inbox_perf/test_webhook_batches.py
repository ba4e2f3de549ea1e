"""Webhook events processed in batches: each event once, each item once, crashes leave events pending."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from inbox import ingest, selectors, services, tasks
from inbox.models import Conversation, InboxItem, ProcessedEvent
from platforms.models import WebhookEvent
from tests.factories import ChannelFactory

pytestmark = pytest.mark.django_db


def processed() -> dict[int, tuple[int, str]]:
    return {p.event_id: (p.items, p.error) for p in ProcessedEvent.objects.all()}


def test_one_task_takes_the_pending_events_of_its_account_along(fake, channel, entry, stored):
    events = [stored(entry(n)) for n in range(1, 6)]
    assert tasks.process_webhook_event(events[2].pk) == 1
    assert processed() == {event.pk: (1, "") for event in events}
    assert not WebhookEvent.objects.filter(processed_at__isnull=True).exists()
    assert Conversation.objects.get(channel=channel).item_count == 5
    with CaptureQueriesContext(connection) as queries:  # the later tasks of the burst: one lookup each
        assert tasks.process_webhook_event(events[4].pk) == 1
    assert len(queries) == 1


def test_duplicates_inside_one_batch_are_stored_once_and_credited_to_the_oldest_event(
        fake, channel, entry, stored):
    first = stored(entry(1), entry(2))
    second = stored(entry(2), entry(3), entry(3))  # c2 again, and c3 twice in the same event
    third = stored(entry(1))
    services.webhook_events_process(third.pk)
    assert processed() == {first.pk: (2, ""), second.pk: (1, ""), third.pk: (0, "")}
    assert sorted(InboxItem.objects.values_list("external_id", flat=True)) == ["c1", "c2", "c3"]
    assert Conversation.objects.get().item_count == 3


def test_a_reply_stored_before_its_parent_joins_the_parents_thread_in_one_batch(fake, channel, entry, stored):
    # X names only the tweet a reply answers; the reply's event arrives before the parent's.
    reply = entry(2, kind="mention", conversation_id="", post_external_id="", in_reply_to="c1")
    child, parent = stored(reply), stored(entry(1))
    services.webhook_events_process(child.pk)
    items = {item.external_id: item for item in InboxItem.objects.select_related("conversation")}
    assert items["c2"].conversation_id == items["c1"].conversation_id
    assert items["c2"].kind == "reply" and items["c1"].conversation.external_id == "post-1"
    assert processed() == {child.pk: (1, ""), parent.pk: (1, "")}


def test_the_batch_size_setting_bounds_a_batch(fake, channel, entry, stored, settings):
    settings.INBOX_WEBHOOK_BATCH_SIZE = 2
    events = [stored(entry(n)) for n in range(1, 6)]
    services.webhook_events_process(events[3].pk)  # its own event first, then the oldest pending one
    assert set(processed()) == {events[3].pk, events[0].pk}


def test_the_single_event_service_takes_only_its_event(fake, channel, entry, stored):
    events = [stored(entry(n)) for n in range(1, 4)]
    assert services.webhook_event_process(events[1].pk).items == 1
    assert set(processed()) == {events[1].pk}


def test_other_accounts_and_processed_events_are_not_taken_along(fake, channel, entry, stored):
    twin = ChannelFactory(platform="x", external_id="acct-2")
    mine, theirs, again = stored(entry(1)), stored(entry(2), account="acct-2"), stored(entry(3))
    WebhookEvent.objects.filter(pk=theirs.pk).update(account_id="acct-2")  # the fake's payload names no for_user_id
    services.webhook_event_process(again.pk)
    services.webhook_events_process(mine.pk)
    assert set(processed()) == {mine.pk, again.pk}
    assert not InboxItem.objects.filter(channel=twin).exists()


def test_a_crash_mid_batch_leaves_every_event_pending_for_the_sweep(fake, channel, entry, stored, monkeypatch):
    events = [stored(entry(n)) for n in range(1, 4)]

    def crash(*args, **kwargs):
        raise RuntimeError("worker killed")

    monkeypatch.setattr(ProcessedEvent.objects, "bulk_create", crash)  # after the ingest, before the commit
    with pytest.raises(RuntimeError):
        services.webhook_events_process(events[0].pk)
    assert not InboxItem.objects.exists() and not ProcessedEvent.objects.exists()
    assert WebhookEvent.objects.filter(processed_at__isnull=True).count() == 3
    later = timezone.now() + timedelta(minutes=5)
    assert selectors.webhook_events_pending(later) == [event.pk for event in events]
    monkeypatch.undo()
    assert services.webhook_events_process(events[0].pk).items == 1  # the sweep's task redoes the batch
    assert len(processed()) == 3 and InboxItem.objects.count() == 3


def test_one_poisonous_event_does_not_hold_up_the_others(fake, channel, entry, stored, monkeypatch):
    good, bad, fine = stored(entry(1)), stored(entry(2, text="boom")), stored(entry(3))
    real = ingest.ingest_entries

    def fragile(channel, entries, **kwargs):
        if any(e.text == "boom" for e in entries):
            raise ValueError("a bug in ingest")
        return real(channel, entries, **kwargs)

    monkeypatch.setattr(services, "ingest_entries", fragile)
    services.webhook_events_process(good.pk)
    outcome = processed()
    assert outcome[good.pk] == (1, "") and outcome[fine.pk] == (1, "")
    assert outcome[bad.pk] == (0, "The event could not be stored; see the worker log.")
    assert sorted(InboxItem.objects.values_list("external_id", flat=True)) == ["c1", "c3"]


def test_unreadable_and_unrouted_events_in_a_batch_keep_their_own_errors(fake, channel, entry, stored):
    readable = stored(entry(1))
    nobody = stored(entry(2), account="nobody")
    garbage = WebhookEvent.objects.create(platform="x", event_id="sha256:garbage", raw_body=b"{}",
                                          payload={"garbage": True})
    services.webhook_events_process(readable.pk)
    assert processed() == {
        readable.pk: (1, ""),
        nobody.pk: (0, "No x channel is connected for account(s) nobody."),
        garbage.pk: (0, "The fake webhook event has no account_id and entries list."),
    }
