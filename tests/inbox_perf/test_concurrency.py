"""Two workers at once (PostgreSQL: SKIP LOCKED and real concurrency; SQLite's test database locks whole tables)."""

from __future__ import annotations

import json
import random
import threading
from collections.abc import Callable

import pytest
from django.db import connection

from inbox import services
from inbox.models import Conversation, InboxItem, ProcessedEvent
from platforms.models import WebhookEvent
from platforms.services import webhook_events_store

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("postgres_required")]


def in_threads(*work: Callable[[], object], timeout: float = 30) -> list[BaseException]:
    errors: list[BaseException] = []

    def run(job: Callable[[], object]) -> None:
        try:
            job()
        except BaseException as exc:  # noqa: BLE001 - reported to the test
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(job,)) for job in work]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout)
    assert not any(thread.is_alive() for thread in threads), "a worker hung"
    return errors


def test_a_worker_skips_the_events_another_worker_holds(fake, channel, entry, stored, settings, monkeypatch):
    settings.INBOX_WEBHOOK_BATCH_SIZE = 3
    events = [stored(entry(n)) for n in range(1, 7)]
    holding, release = threading.Event(), threading.Event()
    real, seen = services._ingest_events, {}

    def slow(batch):
        worker = threading.current_thread().name
        seen[worker] = [event.pk for event in batch]
        if worker == "first":
            holding.set()
            assert release.wait(20)
        return real(batch)

    monkeypatch.setattr(services, "_ingest_events", slow)
    outcome: dict[str, object] = {}

    def first() -> None:
        threading.current_thread().name = "first"
        outcome["first"] = services.webhook_events_process(events[0].pk)

    def second() -> None:
        threading.current_thread().name = "second"
        assert holding.wait(20)
        outcome["second"] = services.webhook_events_process(events[0].pk)  # the same event, held by `first`
        release.set()

    assert in_threads(first, second) == []
    assert seen == {"first": [e.pk for e in events[:3]], "second": [e.pk for e in events[3:]]}
    assert outcome["second"] is None  # not done yet when asked, and not waited for
    assert outcome["first"].items == 1
    assert ProcessedEvent.objects.count() == 6 and InboxItem.objects.count() == 6
    assert not WebhookEvent.objects.filter(processed_at__isnull=True).exists()


def test_workers_racing_through_a_burst_store_every_item_and_event_once(fake, channel, entry, stored, settings):
    settings.INBOX_WEBHOOK_BATCH_SIZE = 7
    # 60 events; each item comes in two events, and the events of replies are often stored before their parents'.
    entries = [entry(n, kind="reply", in_reply_to=f"c{n - 1}") if n % 4 == 0 else entry(n) for n in range(1, 61)]
    order = random.Random(5).sample(range(60), 60)
    events = [stored(entries[k], entries[(k + 1) % 60]) for k in order]
    ids = [event.pk for event in events]

    def worker(seed: int) -> Callable[[], None]:
        def run() -> None:
            for pk in random.Random(seed).sample(ids, len(ids)):
                services.webhook_events_process(pk)
        return run

    assert in_threads(*(worker(seed) for seed in range(4))) == []
    done = list(ProcessedEvent.objects.values_list("event_id", "items", "error"))
    assert sorted(pk for pk, _items, _error in done) == sorted(ids)
    assert {error for _pk, _items, error in done} == {""}
    assert InboxItem.objects.count() == 60
    # Credits are an upper bound (IngestCounts.created): two workers may both have seen an item as new.
    assert sum(items for _pk, items, _error in done) >= 60
    assert Conversation.objects.get(channel=channel).item_count == 60


def test_two_receivers_storing_the_same_delivery_keep_one_row(db):
    payload = {"for_user_id": "acct-1", "tweet_create_events": [{"id_str": "1"}]}
    body, results = json.dumps(payload).encode(), []
    barrier = threading.Barrier(4)

    def receive() -> None:
        barrier.wait()
        results.append(webhook_events_store(body, [("x", payload)]))

    assert in_threads(*[receive] * 4) == []
    assert WebhookEvent.objects.count() == 1
    assert sorted(len(stored) for stored in results) == [0, 0, 0, 1]


def test_items_arriving_by_webhook_and_by_sync_at_once_are_stored_once(fake, channel, entry, stored):
    entries = [entry(n) for n in range(1, 41)]
    events = [stored(*entries[k:k + 5]) for k in range(0, 40, 5)]

    def hooks() -> None:
        services.webhook_events_process(events[0].pk)

    def sync() -> None:
        services.inbox_ingest(channel, list(reversed(entries)))

    assert in_threads(hooks, sync) == []
    assert InboxItem.objects.filter(channel=channel).count() == 40
    assert Conversation.objects.get(channel=channel).item_count == 40
    # The webhook side credits at most what it stored; both together account for every item.
    assert sum(ProcessedEvent.objects.values_list("items", flat=True)) <= 40
