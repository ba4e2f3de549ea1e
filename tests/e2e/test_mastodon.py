"""Mastodon end to end against the sandbox over HTTP: connect through the instance form and the sandbox's
authorize page, publish text (with a content warning), an image with alt text and a video through SMO's
engine, reconcile an unknown, retry a create with the same key, sync the inbox and answer through the
reply engine."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

import pytest
import requests
from django.urls import reverse
from django.utils import timezone

from inbox.models import Conversation
from inbox.replies import reply_create
from inbox.reply_engine import reply_send
from inbox.tasks import sync_channel
from platforms.models import Channel, MastodonApp
from platforms.registry import get_adapter
from scheduler.engine.reconcile import reconcile_unknown
from scheduler.models import DeliveryState
from scheduler.rendering import render_request
from tests.e2e.conftest import run_engine as run
from tests.e2e.conftest import stored
from tests.factories import MemberFactory
from tests.fileserver import serve_files
from tests.platforms.sandbox_browser import sandbox_decide
from workspaces.models import Role, Workspace

INSTANCE = "mastodon.example"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
CLIP = b"\x00\x00\x00\x18ftypmp42" + b"e2e video " * 100
KIND = {"comments": "reply", "replies": "reply", "mentions": "mention", "messages": "message"}


@pytest.fixture(scope="module")
def files() -> Iterator[str]:
    with serve_files({"/photo.png": PNG, "/clip.mp4": CLIP}) as base:
        yield base


@pytest.fixture
def channel(sandbox: Any, admin: Any, workspace: Workspace) -> Channel:
    """Connected the way an admin does it: the instance form, the instance's authorize page, the callback."""
    sandbox.set_faults({"mastodon_max_characters": 1000})
    url = reverse("platforms:connect_form", kwargs={"slug": workspace.slug, "platform": "mastodon"})
    assert admin.get(url).status_code == 200
    refused = admin.post(url, {"instance": "http://127.0.0.1:8000"})
    assert refused.status_code == 400 and "https only" in refused.content.decode()
    started = admin.post(url, {"instance": f"https://{INSTANCE}/"})
    assert started.status_code == 302, started.content.decode()[:2000]
    back = urlsplit(sandbox_decide(started["Location"], "smo_demo"))
    finished = admin.get(f"{back.path}?{back.query}")
    assert finished.status_code == 302, finished.content.decode()[:2000]
    return Channel.objects.get(workspace=workspace, platform="mastodon")



def api(sandbox: Any, channel: Channel, path: str) -> Any:
    response = requests.get(f"{sandbox.base_url}/mastodon{path}", timeout=10,
                            headers={"Authorization": f"Bearer {channel.credentials['access_token']}"})
    assert response.status_code == 200, response.text
    return response.json()


def audience(sandbox: Any, **body: Any) -> list[dict[str, Any]]:
    response = requests.post(f"{sandbox.base_url}/_sandbox/audience", timeout=30, json={
        "platform": "mastodon", "account": "smo_demo", "webhook_url": "http://127.0.0.1:9/", **body})
    assert response.status_code == 201, response.text
    return response.json()["items"]


def test_connect_registers_smo_on_the_instance_and_stores_its_limit(channel: Channel) -> None:
    assert channel.handle == f"smo_demo@{INSTANCE}" and channel.health == "ok"
    assert channel.credentials["instance_url"] == f"https://{INSTANCE}"
    assert channel.credentials["max_characters"] == 1000 and channel.platform_info["max_characters"] == 1000
    assert channel.token_expires_at is None
    app = MastodonApp.objects.get()
    assert app.instance_url == f"https://{INSTANCE}" and app.redirect_uri.endswith("/callback/mastodon/")
    assert app.secrets["client_secret"] not in str(channel.credentials)


def test_publish_text_image_and_video_through_the_engine(
        sandbox: Any, channel: Channel, files: str, monkeypatch: pytest.MonkeyPatch,
        django_capture_on_commit_callbacks: Any) -> None:
    capture = django_capture_on_commit_callbacks
    long_text = "Spoilers below. " + "x" * 700  # over Mastodon's default 500, within this instance's 1000
    text = run(channel, monkeypatch, capture, text=long_text,
               options={"spoiler_text": "Season finale", "visibility": "unlisted", "language": "en"})
    photo = run(channel, monkeypatch, capture, text="A picture", media=[
        {"url": f"{files}/photo.png", "mime_type": "image/png", "alt_text": "Our team on stage"}])
    clip = run(channel, monkeypatch, capture, text="A clip", media=[
        {"url": f"{files}/clip.mp4", "mime_type": "video/mp4", "alt_text": "The launch video"}])
    for delivery in (text, photo, clip):
        assert delivery.state == DeliveryState.PUBLISHED, (delivery.error_code, delivery.error_message)
    first = api(sandbox, channel, f"/api/v1/statuses/{text.external_id}")
    assert (first["spoiler_text"], first["visibility"], first["language"]) == ("Season finale", "unlisted", "en")
    attached = api(sandbox, channel, f"/api/v1/statuses/{photo.external_id}")["media_attachments"]
    assert [(m["type"], m["description"]) for m in attached] == [("image", "Our team on stage")]
    video = api(sandbox, channel, f"/api/v1/statuses/{clip.external_id}")["media_attachments"]
    assert [(m["type"], m["description"]) for m in video] == [("video", "The launch video")]
    uploads = [r for r in sandbox.requests_log(limit=1000, platform="mastodon") if r["path"] == "/api/v2/media"]
    assert len(uploads) == 2  # the video was checked while it processed, never uploaded again
    assert clip.permalink.startswith(f"https://{INSTANCE}/@smo_demo/")
    assert len(sandbox.creates("mastodon", "smo_demo")) == 3


def test_an_unknown_create_is_reconciled_and_a_retry_with_the_same_key_posts_nothing_new(
        sandbox: Any, channel: Channel, settings: Any, monkeypatch: pytest.MonkeyPatch,
        django_capture_on_commit_callbacks: Any) -> None:
    settings.PLATFORM_READ_TIMEOUT = 0.5
    sandbox.set_faults({"platform": "mastodon", "match": "POST /api/v1/statuses", "account": "smo_demo",
                        "count": 1, "apply_then_hang": {"hang_s": 3}, "mastodon_max_characters": 1000})
    text = f"Applied, answer lost {uuid.uuid4().hex[:6]}"
    delivery = run(channel, monkeypatch, django_capture_on_commit_callbacks, text=text)
    assert delivery.state == DeliveryState.UNKNOWN
    settings.PLATFORM_READ_TIMEOUT = 20
    again = get_adapter("mastodon").publish(render_request(delivery))  # the same delivery, the same key
    reconcile_unknown(timezone.now() + timedelta(minutes=2))
    delivery.refresh_from_db()
    made = [c for c in sandbox.creates("mastodon", "smo_demo") if c["text"] == text]
    assert delivery.state == DeliveryState.PUBLISHED and len(made) == 1
    assert delivery.external_id == made[0]["id"] == again.external_id


def test_inbox_sync_and_answers_land_exactly_once(
        sandbox: Any, channel: Channel, workspace: Workspace, monkeypatch: pytest.MonkeyPatch,
        django_capture_on_commit_callbacks: Any) -> None:
    delivery = run(channel, monkeypatch, django_capture_on_commit_callbacks, text="Ask us anything")
    made = audience(sandbox, comments=1, replies=1, mentions=1, messages=1)
    assert sync_channel(channel.pk) == "ok"
    items = stored(channel)
    assert sorted(items) == sorted(m["id"] for m in made)
    for created in made:
        item = items[created["id"]]
        assert item.kind == KIND[created["kind"]] and not item.from_us
        assert (item.author_id, item.text) == (created["author"]["id"], created["text"])
    comment = items[made[0]["id"]]
    assert comment.conversation.external_id == delivery.external_id and comment.conversation.delivery_id == delivery.pk
    assert sync_channel(channel.pk) == "ok" and len(stored(channel)) == len(made)

    manager = MemberFactory(workspace=workspace, role=Role.COMMUNITY_MANAGER).user
    monkeypatch.setattr("inbox.reply_engine.enqueue_send", lambda pk, token: None)  # sent by hand below
    message = items[made[3]["id"]]
    for conversation, item, text in ((comment.conversation, comment, "Thanks for asking!"),
                                     (Conversation.objects.get(pk=message.conversation_id), message, "Check DMs")):
        reply = reply_create(conversation, item, text, manager)
        assert reply_send(reply.pk, str(reply.attempt_token)) == "sent"
        assert reply_send(reply.pk, str(reply.attempt_token)) is None  # a duplicate message does nothing
    texts = [c["text"] for c in sandbox.creates("mastodon", "smo_demo")]
    assert texts.count(f"@{comment.author_handle} Thanks for asking!") == 1
    assert texts.count(f"@{message.author_handle} Check DMs") == 1
    assert sync_channel(channel.pk) == "ok"
    # Each answer is in its thread once, although the direct one also came back through the sync.
    ours = {i.conversation_id: i.text for i in stored(channel).values() if i.from_us}
    assert len([i for i in stored(channel).values() if i.from_us]) == 2
    assert ours[comment.conversation_id].endswith("Thanks for asking!") and ours[message.conversation_id].endswith(
        "Check DMs")
