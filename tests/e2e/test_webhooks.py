"""Webhooks end to end: the sandbox's audience POSTs signed events to SMO's endpoint running in a live
server, the stored events are processed as the worker would, and a poll afterwards finds nothing new.
Replays store nothing; a forged signature is refused and stores nothing."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from inbox import tasks
from inbox.models import InboxItem, ProcessedEvent
from platforms.models import Channel, WebhookEvent
from platforms.sandbox.webhooks import meta_handshake, send_meta_event, send_x_event, x_crc
from scheduler.models import Delivery
from tests.e2e.conftest import META_SECRET, VERIFY_TOKEN, X_SECRET, assert_matches, audience, stored
from tests.e2e.test_meta import instagram_post

pytestmark = pytest.mark.django_db(transaction=True)
PATHS = {"x": "/webhooks/x/", "facebook": "/webhooks/meta/", "instagram": "/webhooks/meta/"}
KINDS = {"x": {"comments": 1, "replies": 1, "mentions": 1, "messages": 1},
         "facebook": {"comments": 2, "replies": 1, "messages": 1},
         "instagram": {"comments": 2, "replies": 1, "messages": 1}}


@pytest.fixture
def enqueued(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[int]]:
    """Event ids the receiver handed to the worker on commit (no broker in tests)."""
    ids: list[int] = []
    monkeypatch.setattr(tasks.process_webhook_event, "delay", lambda pk: ids.append(pk))
    yield ids


def send(platform: str, url: str, secret: str, body: bytes) -> Any:
    return (send_x_event if platform == "x" else send_meta_event)(url, secret, body)


def deliver(platform: str, sandbox: Any, url: str, enqueued: list[int], **kinds: int) -> list[dict[str, Any]]:
    """The audience over webhooks; every event the endpoint stored is processed by the task."""
    before = len(enqueued)
    answer = audience(sandbox, platform, deliver="webhook", webhook_url=url, negative=True, **kinds)
    assert [hook["status"] for hook in answer["webhooks"]] == [200] * len(answer["webhooks"]), answer["webhooks"]
    for event_id in enqueued[before:]:
        tasks.process_webhook_event(event_id)
    return answer["items"]


@pytest.mark.parametrize("platform", ["x", "facebook", "instagram"])
def test_webhook_items_replays_and_forgeries(platform: str, sandbox: Any, live_server: Any,
                                             channel_for: Callable[[str], Channel],
                                             publish: Callable[..., Delivery], enqueued: list[int]) -> None:
    url = live_server.url + PATHS[platform]
    secret = X_SECRET if platform == "x" else META_SECRET
    assert (x_crc(url, X_SECRET) if platform == "x" else meta_handshake(url, VERIFY_TOKEN)).ok
    channel = channel_for(platform)
    delivery = instagram_post(channel, "Hello") if platform == "instagram" else publish(channel, "Hello")

    made = deliver(platform, sandbox, url, enqueued, **KINDS[platform])
    events = list(WebhookEvent.objects.filter(platform=platform).order_by("pk"))
    assert sorted(enqueued) == [e.pk for e in events] and events
    assert [(p.items, p.error) for p in ProcessedEvent.objects.order_by("event_id")] == \
        [(len(made) // len(events) if platform == "x" else 1, "")] * len(events)
    items = stored(channel)
    assert sorted(items) == sorted(m["id"] for m in made)
    for created in made:
        unnamed = platform != "x" and created["kind"] == "messages"
        assert_matches(platform, items[created["id"]], created, named=not unnamed)
        assert items[created["id"]].raw["source"] == "webhook"
    public = [items[m["id"]] for m in made if m["kind"] in ("comments", "replies")]
    assert {(i.conversation.external_id, i.conversation.delivery_id) for i in public} == \
        {(delivery.external_id, delivery.pk)}

    # The same delivery again, byte for byte: accepted (the platform must stop retrying), nothing new.
    bodies = list(dict.fromkeys(bytes(e.raw_body) for e in events))  # Meta: one batch for all its entries
    assert len(bodies) == (len(events) if platform == "x" else 1)
    replayed = [send(platform, url, secret, body) for body in bodies]
    assert [(r.status_code, r.json()) for r in replayed] == \
        [(200, {"received": len(events) // len(bodies), "stored": 0})] * len(bodies)
    assert WebhookEvent.objects.count() == len(events) and len(enqueued) == len(events)
    # A forged one: refused before anything is stored.
    forged = send(platform, url, "not-the-app-secret", bytes(events[0].raw_body).replace(b"}", b" }", 1))
    assert forged.status_code == 403 and forged.json() == {"error": "Invalid signature."}
    assert WebhookEvent.objects.count() == len(events)

    # Polling afterwards finds the same items under the same ids and threads: nothing is stored twice,
    # and the authors Meta's messaging events leave unnamed get their names.
    threads = {key: item.conversation_id for key, item in items.items()}
    assert tasks.sync_channel(channel.pk) == "ok"
    polled = stored(channel)
    assert {key: item.conversation_id for key, item in polled.items()} == threads
    assert InboxItem.objects.count() == len(made)
    for created in made:
        assert_matches(platform, polled[created["id"]], created)
    for created in (m for m in made if m["kind"] == "messages"):
        thread = polled[created["id"]].conversation
        assert (thread.author_id, thread.title) == (created["author"]["id"], polled[created["id"]].author_name)


def test_sweeper_processes_an_event_whose_enqueue_was_lost(sandbox: Any, live_server: Any, settings: Any,
                                                          channel_for: Callable[[str], Channel],
                                                          publish: Callable[..., Delivery],
                                                          enqueued: list[int]) -> None:
    channel = channel_for("facebook")
    publish(channel, "Hello")
    answer = audience(sandbox, "facebook", deliver="webhook", webhook_url=live_server.url + "/webhooks/meta/",
                      comments=1, messages=1)
    assert InboxItem.objects.count() == 0 and len(enqueued) == 2  # stored, handed to a worker that never ran
    enqueued.clear()
    WebhookEvent.objects.update(received_at=WebhookEvent.objects.first().received_at.replace(year=2020))
    assert tasks.process_pending_webhooks() == 2
    for event_id in enqueued:
        tasks.process_webhook_event(event_id)
    assert sorted(stored(channel)) == sorted(answer[kind][0] for kind in ("comments", "messages"))
    assert tasks.process_pending_webhooks() == 0
