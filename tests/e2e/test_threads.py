"""Threads end to end against the sandbox over HTTP: connect through the views and the sandbox's
authorize page, publish text, an image, a video, a carousel and a reply chain through SMO's engine,
reconcile an unknown, sync replies and mentions into the inbox, answer one and hide one."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

import pytest
import requests
from django.urls import reverse
from django.utils import timezone

from inbox.models import SyncState
from inbox.tasks import sync_channel
from platforms.models import Channel, Health
from platforms.registry import get_adapter
from platforms.selectors import channel_ref
from platforms.types import ReplyTarget
from scheduler.engine.reconcile import reconcile_unknown
from scheduler.models import DeliveryState
from tests.e2e.conftest import run_engine as run
from tests.e2e.conftest import stored
from tests.platforms.sandbox_browser import sandbox_decide
from workspaces.models import Workspace

HANDLE = "smo_demo_threads"
USER_ID = "26000000000000001"
KIND = {"comments": "comment", "replies": "reply", "mentions": "mention"}


@pytest.fixture
def channel(sandbox: Any, admin: Any, workspace: Workspace, settings: Any) -> Channel:
    """Connected the way an admin does it: Connect -> the sandbox's Threads page -> the callback."""
    settings.THREADS_APP_ID, settings.THREADS_APP_SECRET = "smo-threads-app", "smo-threads-secret"
    response = admin.post(reverse("platforms:connect", kwargs={"slug": workspace.slug, "platform": "threads"}))
    assert response.status_code == 302, response.content.decode()[:2000]
    assert response["Location"].startswith(sandbox.base_url + "/threads/web/oauth/authorize?")
    location = urlsplit(sandbox_decide(response["Location"], HANDLE))
    done = admin.get(f"{location.path}?{location.query}")
    assert done.status_code == 302, done.content.decode()[:2000]
    return Channel.objects.get(workspace=workspace, platform="threads")



def graph(sandbox: Any, channel: Channel, path: str, **params: Any) -> dict[str, Any]:
    response = requests.get(f"{sandbox.base_url}/threads/v1.0{path}", timeout=10,
                            params={**params, "access_token": channel.credentials["access_token"]})
    assert response.status_code == 200, response.text
    return response.json()


def test_connect_stores_the_long_lived_token(channel: Channel) -> None:
    assert (channel.handle, channel.external_id, channel.health) == (HANDLE, USER_ID, Health.OK)
    assert channel.credentials["access_token"] and channel.token_expires_at is not None
    assert channel.token_expires_at - timezone.now() > timedelta(days=59)
    assert "threads_content_publish" in channel.scopes


def test_publish_every_media_kind_and_a_reply_chain_through_the_engine(
        sandbox: Any, channel: Channel, monkeypatch: pytest.MonkeyPatch,
        django_capture_on_commit_callbacks: Any) -> None:
    capture, files = django_capture_on_commit_callbacks, "https://smo.example/m"
    published = {
        "TEXT_POST": run(channel, monkeypatch, capture, text="Hello Threads 👋", link="https://example.com/launch"),
        "IMAGE": run(channel, monkeypatch, capture, text="One picture", media=[
            {"url": f"{files}/a.jpg", "mime_type": "image/jpeg", "alt_text": "A red bicycle"}]),
        "VIDEO": run(channel, monkeypatch, capture, text="A clip", media=[
            {"url": f"{files}/clip.mp4", "mime_type": "video/mp4"}]),
        "CAROUSEL_ALBUM": run(channel, monkeypatch, capture, text="Three things", media=[
            {"url": f"{files}/a.jpg", "mime_type": "image/jpeg"}, {"url": f"{files}/b.png", "mime_type": "image/png"},
            {"url": f"{files}/clip.mp4", "mime_type": "video/mp4"}]),
    }
    chain = run(channel, monkeypatch, capture, text="A thread 1/2", thread=["and 2/2"])
    for kind, delivery in [*published.items(), ("TEXT_POST", chain)]:
        assert delivery.state == DeliveryState.PUBLISHED, (kind, delivery.error_code, delivery.error_message)
        media = graph(sandbox, channel, f"/{delivery.external_id}", fields="media_type,text,permalink")
        assert media["media_type"] == kind
        assert delivery.permalink == media["permalink"]
    assert graph(sandbox, channel, f"/{published['TEXT_POST'].external_id}", fields="text")["text"] == \
        "Hello Threads 👋\n\nhttps://example.com/launch"
    parts = graph(sandbox, channel, f"/{chain.external_id}/replies", fields="id,text")["data"]
    assert [p["text"] for p in parts] == ["and 2/2"]
    texts = [c["text"] for c in sandbox.creates("threads", HANDLE)]
    assert len(texts) == 6 and texts.count("A clip") == 1 and sandbox.stats()["duplicates"] == 0
    containers = [r for r in sandbox.requests_log(limit=1000, platform="threads")
                  if r["method"] == "POST" and r["path"].endswith("/threads")]
    assert len(containers) == 1 + 1 + 1 + 4 + 2  # each container created once, video waits included


def test_an_unknown_create_is_reconciled_to_the_one_post(
        sandbox: Any, channel: Channel, settings: Any, monkeypatch: pytest.MonkeyPatch,
        django_capture_on_commit_callbacks: Any) -> None:
    settings.PLATFORM_READ_TIMEOUT = 0.5
    sandbox.set_faults({"platform": "threads", "match": "POST /v1.0/*/threads_publish", "account": HANDLE,
                        "count": 1, "apply_then_hang": {"hang_s": 3}})
    text = f"Applied, answer lost {uuid.uuid4().hex[:6]}"
    delivery = run(channel, monkeypatch, django_capture_on_commit_callbacks, text=text)
    assert delivery.state == DeliveryState.UNKNOWN
    settings.PLATFORM_READ_TIMEOUT = 20
    reconcile_unknown(timezone.now() + timedelta(minutes=2))
    delivery.refresh_from_db()
    made = [c for c in sandbox.creates("threads", HANDLE) if c["text"] == text]
    assert delivery.state == DeliveryState.PUBLISHED and len(made) == 1
    assert delivery.external_id == made[0]["id"]


def test_inbox_sync_answer_and_hide(sandbox: Any, channel: Channel, monkeypatch: pytest.MonkeyPatch,
                                    django_capture_on_commit_callbacks: Any) -> None:
    delivery = run(channel, monkeypatch, django_capture_on_commit_callbacks, text="Ask us anything")
    made = requests.post(f"{sandbox.base_url}/_sandbox/audience", timeout=30, json={
        "platform": "threads", "account": HANDLE, "comments": 2, "replies": 1, "mentions": 1, "negative": True,
        "webhook_url": "http://127.0.0.1:9/"}).json()["items"]
    assert sync_channel(channel.pk) == "ok"
    items = stored(channel)
    assert sorted(items) == sorted(m["id"] for m in made)
    for created in made:
        item = items[created["id"]]
        assert (item.kind, item.author_handle, item.from_us) == (KIND[created["kind"]], created["author"]["handle"],
                                                                 False)
    comment = items[made[0]["id"]]
    assert comment.conversation.external_id == delivery.external_id and comment.conversation.delivery_id == delivery.pk
    mention = next(items[m["id"]] for m in made if m["kind"] == "mentions")
    assert mention.conversation.external_id == mention.external_id
    assert sync_channel(channel.pk) == "ok" and len(stored(channel)) == len(made)
    assert SyncState.objects.get(channel=channel).items_last_sync == 0

    adapter, ref = get_adapter("threads"), channel_ref(channel)
    answer = adapter.reply(ref, ReplyTarget(comment.kind, comment.external_id, comment.conversation.external_id),
                           "Thanks for asking!")
    ours = graph(sandbox, channel, f"/{answer.external_id}", fields="text,replied_to,root_post")
    assert ours == {"text": "Thanks for asking!", "replied_to": {"id": comment.external_id},
                    "root_post": {"id": delivery.external_id}}
    assert [c["text"] for c in sandbox.creates("threads", HANDLE)].count("Thanks for asking!") == 1
    assert sync_channel(channel.pk) == "ok"
    again = stored(channel)
    assert again[answer.external_id].from_us and again[answer.external_id].conversation_id == comment.conversation_id

    adapter.set_hidden(ref, comment.external_id, True)
    top = graph(sandbox, channel, f"/{delivery.external_id}/replies", fields="id,hide_status")["data"]
    assert {r["id"]: r["hide_status"] for r in top}[comment.external_id] == "HIDDEN"
