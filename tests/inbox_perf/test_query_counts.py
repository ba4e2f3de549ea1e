"""Ingestion costs a constant number of queries, whatever the number of items, threads or events."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from inbox import services, threads_sql
from inbox.models import Conversation, InboxItem, ProcessedEvent
from inbox.services import inbox_ingest
from platforms.models import Channel, WebhookEvent
from platforms.types import InboxEntry
from tests.factories import ChannelFactory

pytestmark = pytest.mark.django_db
SECRET = "x-consumer-secret-perf"
FIELDS = ("external_id", "kind", "item_count", "last_item_at", "snippet", "author_id", "author_name",
          "author_handle", "title", "post_external_id", "delivery_id", "status")


def mixed(entry: Callable[..., InboxEntry], start: int, n: int, threads: int) -> list[InboxEntry]:
    """n entries over `threads` comment threads and as many DM threads, some of them our own answers."""
    made = []
    for k in range(start, start + n):
        if k % 3 == 0:
            made.append(entry(k, kind="message", conversation_id=f"dm-{k % threads}", post_external_id="",
                              author_id=f"p{k % threads}", author_name=f"Person {k % threads}"))
        else:
            made.append(entry(k, conversation_id=f"post-{k % threads}", post_external_id=f"post-{k % threads}",
                              from_us=k % 7 == 0))
    return made


def counted(queries: CaptureQueriesContext) -> int:
    """Statements, with a multi-row INSERT counted once: SQLite's backend splits one at its bound-variable
    limit (999 here), in process; PostgreSQL sends it whole (500 rows a statement)."""
    sql = [query["sql"] for query in queries.captured_queries]
    if connection.vendor == "postgresql":
        return len(sql)
    inserts = [s.split("(", 1)[0] for s in sql if s.startswith("INSERT")]
    return len(sql) - len(inserts) + len(set(inserts))


def count_ingest(channel: Channel, entries: list[InboxEntry]) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert inbox_ingest(channel, entries).created == len(entries)
    return counted(queries)


def test_ingest_queries_do_not_grow_with_items_or_threads(channel, entry):
    small = count_ingest(channel, mixed(entry, 1, 6, threads=2))
    large = count_ingest(channel, mixed(entry, 100, 300, threads=60))
    assert small == large
    assert large <= 12


def test_a_webhook_batch_costs_the_same_queries_for_3_or_60_events(fake, channel, entry, stored):
    def run(start: int, n: int) -> int:
        events = [stored(*mixed(entry, start + 3 * k, 3, threads=40)) for k in range(n)]
        with CaptureQueriesContext(connection) as queries:
            services.webhook_events_process(events[0].pk)
        assert ProcessedEvent.objects.filter(event__in=events).count() == n
        return counted(queries)

    assert run(1, 3) == run(1000, 60)


def test_the_sql_and_orm_thread_updates_agree(channel, entry, monkeypatch):
    """inbox.threads_sql and the ORM fallback (SQLite before 3.33) apply the same rules."""
    other = ChannelFactory(platform="x", external_id="acct-2")

    def scenario(target: Channel) -> list[tuple[Any, ...]]:
        ours = entry(1, kind="message", conversation_id="dm-a", post_external_id="", from_us=True, author_id="me",
                     author_name="Acme")
        inbox_ingest(target, [ours, *mixed(entry, 2, 12, threads=3)])
        inbox_ingest(target, [entry(50, kind="message", conversation_id="dm-a", post_external_id="",
                                    author_id="p9", author_name="", author_handle=""),
                              entry(51, kind="message", conversation_id="dm-a", post_external_id="",
                                    author_id="p9", author_name="Nine", author_handle="nine")])
        inbox_ingest(target, [entry(0, created_at=entry(0).created_at - timedelta(days=1),
                                    text="an old one arriving late")])
        rows = Conversation.objects.filter(channel=target).order_by("external_id").values_list(*FIELDS)
        return list(rows)

    sql = scenario(channel)
    monkeypatch.setattr(threads_sql, "supported", lambda: False)
    orm = scenario(other)
    assert sql == orm
    dm = {row[0]: row for row in sql}["dm-a"]
    assert dm[5:9] == ("p9", "Nine", "nine", "Nine")  # learned the other party (named by a later item)
    assert {row[0]: row[4] for row in sql}["post-1"] != "an old one arriving late"


def test_receiving_an_x_event_is_one_query(fake, channel, entry, client, settings, monkeypatch,
                                           django_capture_on_commit_callbacks):
    from platforms import webhooks

    settings.X_CONSUMER_SECRET = SECRET
    sent: list[int] = []
    monkeypatch.setattr(webhooks, "_enqueue_processing", sent.append)
    body = json.dumps({"for_user_id": "acct-1", "tweet_create_events": [{"id_str": "1"}]}).encode()
    signature = "sha256=" + base64.b64encode(hmac.new(SECRET.encode(), body, hashlib.sha256).digest()).decode()
    for attempt in range(2):  # the second is the platform's re-delivery
        with CaptureQueriesContext(connection) as queries, django_capture_on_commit_callbacks(execute=True):
            response = client.post("/webhooks/x/", data=body, content_type="application/json",
                                   headers={"x-twitter-webhooks-signature": signature})
        assert response.json() == {"received": 1, "stored": 1 - attempt}
        assert len(queries) == 1
    event = WebhookEvent.objects.get()
    assert sent == [event.pk] and (event.account_id, event.channel_id) == ("acct-1", channel.pk)


def test_a_meta_batch_is_stored_in_one_statement_with_duplicates_once(client, settings, monkeypatch):
    from platforms import webhooks

    settings.FACEBOOK_APP_SECRET = SECRET
    monkeypatch.setattr(webhooks, "_enqueue_processing", lambda pk: None)
    page = ChannelFactory(platform="facebook", external_id="555")
    ChannelFactory(platform="facebook", external_id="777")
    ChannelFactory(platform="facebook", external_id="777")  # connected in two workspaces: neither is picked
    entries = [{"id": account, "time": n, "changes": [{"field": "feed", "value": {"n": n}}]}
               for n, account in enumerate(["555", "777", "999", "555"])]
    body = json.dumps({"object": "page", "entry": [*entries, entries[0]]}).encode()
    signature = "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
    with CaptureQueriesContext(connection) as queries:
        response = client.post("/webhooks/meta/", data=body, content_type="application/json",
                               headers={"X-Hub-Signature-256": signature})
    assert response.json() == {"received": 5, "stored": 4} and len(queries) == 1
    channels = dict(WebhookEvent.objects.values_list("payload__entry__0__time", "channel_id"))
    assert channels == {0: page.pk, 1: None, 2: None, 3: page.pk}
    assert set(WebhookEvent.objects.values_list("platform", flat=True)) == {"facebook"}
    assert InboxItem.objects.count() == 0
