"""Bluesky end to end against the sandbox over HTTP: connect through the form, publish text, images with
alt text, a video and a thread through SMO's engine, reconcile an unknown, sync the inbox and answer."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
import requests
from django.urls import reverse
from django.utils import timezone

from inbox.tasks import sync_channel
from platforms.models import Channel
from platforms.registry import get_adapter
from platforms.selectors import channel_ref
from platforms.types import ReplyTarget
from scheduler.engine.reconcile import reconcile_unknown
from scheduler.models import DeliveryState
from tests.e2e.conftest import run_engine as run
from tests.e2e.conftest import stored
from tests.fileserver import serve_files
from workspaces.models import Workspace

HANDLE = "smodemo.bsky.social"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
CLIP = b"\x00\x00\x00\x18ftypmp42" + b"e2e video " * 100
KIND = {"replies": "reply", "mentions": "mention", "messages": "message"}


@pytest.fixture(scope="module")
def files() -> Iterator[str]:
    with serve_files({"/a.png": PNG, "/b.png": PNG + b"b", "/clip.mp4": CLIP}) as base:
        yield base


@pytest.fixture
def channel(sandbox: Any, admin: Any, workspace: Workspace) -> Channel:
    """Connected the way an admin does it: the handle + app-password form, through the view."""
    url = reverse("platforms:connect_form", kwargs={"slug": workspace.slug, "platform": "bluesky"})
    assert admin.get(url).status_code == 200
    response = admin.post(url, {"handle": f"@{HANDLE}", "app_password": "abcd-efgh-ijkl-mnop"})
    assert response.status_code == 302, response.content.decode()[:2000]
    return Channel.objects.get(workspace=workspace, platform="bluesky")



def audience(sandbox: Any, **body: Any) -> list[dict[str, Any]]:
    response = requests.post(f"{sandbox.base_url}/_sandbox/audience", timeout=30, json={
        "platform": "bluesky", "account": HANDLE, "webhook_url": "http://127.0.0.1:9/", **body})
    assert response.status_code == 201, response.text
    return response.json()["items"]


def record_of(sandbox: Any, channel: Channel, uri: str) -> dict[str, Any]:
    response = requests.get(f"{sandbox.base_url}/bluesky/xrpc/app.bsky.feed.getPostThread", params={"uri": uri},
                            headers={"Authorization": f"Bearer {channel.credentials['access_token']}"}, timeout=10)
    assert response.status_code == 200, response.text
    return response.json()["thread"]["post"]["record"]


def test_connect_stores_the_session_not_the_app_password(channel: Channel, admin: Any, workspace: Workspace) -> None:
    assert channel.handle == HANDLE and channel.external_id.startswith("did:plc:")
    assert channel.credentials["refresh_token"] and "abcd-efgh-ijkl-mnop" not in str(channel.credentials)
    url = reverse("platforms:connect_form", kwargs={"slug": workspace.slug, "platform": "bluesky"})
    wrong = admin.post(url, {"handle": HANDLE, "app_password": "wrong-password"})
    assert wrong.status_code == 400 and "app password" in wrong.content.decode()


def test_publish_text_images_video_and_thread_through_the_engine(
        sandbox: Any, channel: Channel, files: str, monkeypatch: pytest.MonkeyPatch,
        django_capture_on_commit_callbacks: Any) -> None:
    capture = django_capture_on_commit_callbacks
    text = run(channel, monkeypatch, capture, text="Hello Bluesky #launch https://example.com")
    images = run(channel, monkeypatch, capture, text="Two pictures", media=[
        {"url": f"{files}/a.png", "mime_type": "image/png", "alt_text": "First"},
        {"url": f"{files}/b.png", "mime_type": "image/png", "alt_text": "Second"}])
    clip = run(channel, monkeypatch, capture, text="A clip", media=[
        {"url": f"{files}/clip.mp4", "mime_type": "video/mp4", "alt_text": "Our clip"}])
    thread = run(channel, monkeypatch, capture, text="A thread 1/2", thread=["and 2/2"])
    for delivery in (text, images, clip, thread):
        assert delivery.state == DeliveryState.PUBLISHED, (delivery.error_code, delivery.error_message)
    facets = record_of(sandbox, channel, text.external_id)["facets"]
    assert {f["features"][0]["$type"].rsplit("#", 1)[1] for f in facets} == {"tag", "link"}
    alts = [i["alt"] for i in record_of(sandbox, channel, images.external_id)["embed"]["images"]]
    assert alts == ["First", "Second"]
    assert record_of(sandbox, channel, clip.external_id)["embed"]["alt"] == "Our clip"
    uploads = [r for r in sandbox.requests_log(limit=1000, platform="bluesky")
               if r["path"] == "/xrpc/app.bsky.video.uploadVideo"]
    assert len(uploads) == 1
    texts = [c["text"] for c in sandbox.creates("bluesky", HANDLE)]
    assert texts.count("and 2/2") == 1 and len(texts) == 5


def test_an_unknown_create_is_reconciled_to_the_one_post(
        sandbox: Any, channel: Channel, settings: Any, monkeypatch: pytest.MonkeyPatch,
        django_capture_on_commit_callbacks: Any) -> None:
    settings.PLATFORM_READ_TIMEOUT = 0.5
    sandbox.set_faults({"platform": "bluesky", "match": "POST /xrpc/com.atproto.repo.createRecord",
                        "account": HANDLE, "count": 1, "apply_then_hang": {"hang_s": 3}})
    text = f"Applied, answer lost {uuid.uuid4().hex[:6]}"
    delivery = run(channel, monkeypatch, django_capture_on_commit_callbacks, text=text)
    assert delivery.state == DeliveryState.UNKNOWN
    reconcile_unknown(timezone.now() + timedelta(minutes=2))
    delivery.refresh_from_db()
    made = [c for c in sandbox.creates("bluesky", HANDLE) if c["text"] == text]
    assert delivery.state == DeliveryState.PUBLISHED and len(made) == 1
    assert delivery.external_id == made[0]["id"]


def test_inbox_sync_and_answers_land_exactly_once(
        sandbox: Any, channel: Channel, monkeypatch: pytest.MonkeyPatch,
        django_capture_on_commit_callbacks: Any) -> None:
    delivery = run(channel, monkeypatch, django_capture_on_commit_callbacks, text="Ask us anything")
    made = audience(sandbox, replies=1, mentions=1, messages=1, negative=True)
    assert sync_channel(channel.pk) == "ok"
    items = stored(channel)
    assert sorted(items) == sorted(m["id"] for m in made)
    for created in made:
        assert items[created["id"]].kind == KIND[created["kind"]] and not items[created["id"]].from_us
    reply = items[made[0]["id"]]
    assert reply.conversation.external_id == delivery.external_id and reply.conversation.delivery_id == delivery.pk
    assert sync_channel(channel.pk) == "ok" and len(stored(channel)) == len(made)

    adapter, ref = get_adapter("bluesky"), channel_ref(channel)
    message = items[made[2]["id"]]
    answer = adapter.reply(ref, ReplyTarget(reply.kind, reply.external_id, reply.conversation.external_id,
                                            reply.author_id), "Thanks for asking!")
    sent = adapter.reply(ref, ReplyTarget("message", message.external_id, message.conversation.external_id,
                                          message.author_id), "Sent you the details 📬")
    assert record_of(sandbox, channel, answer.external_id)["reply"]["parent"]["uri"] == reply.external_id
    assert [c["text"] for c in sandbox.creates("bluesky", HANDLE)].count("Thanks for asking!") == 1
    assert sync_channel(channel.pk) == "ok"
    again = stored(channel)
    assert again[sent.external_id].from_us and again[sent.external_id].conversation_id == message.conversation_id
    assert [i for i in again.values() if i.text == "Sent you the details 📬"] == [again[sent.external_id]]

