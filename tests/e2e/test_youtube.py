"""YouTube end to end against the sandbox over HTTP: connect through the views and Google's consent page,
upload through SMO's engine (chunk by chunk, NotReady between), settle a lost final answer through the
reconciler, and read and answer comments through the inbox."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

import pytest
import requests
from django.urls import reverse
from django.utils import timezone

from inbox.models import InboxItem
from inbox.tasks import sync_channel
from platforms.models import Channel, Health
from platforms.quota import used_today
from platforms.registry import get_adapter
from platforms.types import ReplyTarget
from scheduler.engine import delivery_publish, delivery_reconcile, dispatch, dispatch_due
from scheduler.engine.channels import channel_ref
from scheduler.models import Delivery, DeliveryState
from tests.e2e.conftest import stored
from tests.factories import DeliveryFactory, PostFactory, VariantFactory
from tests.fileserver import serve_files
from tests.platforms.sandbox_browser import sandbox_decide

pytestmark = pytest.mark.django_db
QUANTUM = 256 * 1024
VIDEO = b"\x00\x00\x00\x18ftypmp42" + b"v" * (QUANTUM + 5000)  # two chunks
THUMB = b"\x89PNG\r\n\x1a\nthumbnail"
UNUSED_HOOK = "http://127.0.0.1:9/unused"  # YouTube has no webhooks; the simulator wants a target anyway


@pytest.fixture
def yt(sandbox: Any, settings: Any) -> Any:
    settings.YOUTUBE_CLIENT_ID, settings.YOUTUBE_CLIENT_SECRET = "smo-youtube-client", "smo-youtube-secret"
    settings.YOUTUBE_UPLOAD_CHUNK_BYTES = QUANTUM
    return sandbox


@pytest.fixture
def media_base() -> Iterator[str]:
    with serve_files({"/clip.mp4": VIDEO, "/cover.png": THUMB}) as base:
        yield base


def connect_through_the_views(admin: Any, slug: str) -> Channel:
    start = admin.post(reverse("platforms:connect", kwargs={"slug": slug, "platform": "youtube"}))
    assert start.status_code == 302 and "/youtube/o/oauth2/v2/auth?" in start["Location"]
    location = urlsplit(sandbox_decide(start["Location"], "smo_demo_yt"))
    done = admin.get(f"{location.path}?{location.query}")
    assert done.status_code == 302
    return Channel.objects.get(platform="youtube")


@pytest.fixture
def send(monkeypatch: pytest.MonkeyPatch, django_capture_on_commit_callbacks: Any) -> Callable[..., Delivery]:
    """send(channel, text, media, **options): schedule, dispatch, and run each publish message the engine sends
    (an upload answers NotReady between chunks) until the delivery leaves `queued`."""

    def run(channel: Channel, text: str, media: list[dict[str, Any]], **options: Any) -> Delivery:
        sent: list[tuple[int, str]] = []
        monkeypatch.setattr(dispatch, "enqueue_publish",
                            lambda pk, token, check_after_s=0: sent.append((pk, str(token))))
        post = PostFactory(workspace=channel.workspace, text=text, media=media)
        VariantFactory(post=post, channel=channel, options={"title": "Launch day", **options})
        delivery = DeliveryFactory(post=post, channel=channel)
        with django_capture_on_commit_callbacks(execute=True):
            dispatch_due(timezone.now())
        state = DeliveryState.QUEUED
        while state == DeliveryState.QUEUED and sent:
            with django_capture_on_commit_callbacks(execute=True):
                state = delivery_publish(delivery.pk, sent.pop(0)[1])
        delivery.refresh_from_db()
        return delivery

    return run


def test_connect_upload_with_thumbnail_and_answer_comments(yt: Any, admin: Any, workspace: Any, media_base: str,
                                                            send: Callable[..., Delivery]) -> None:
    channel = connect_through_the_views(admin, workspace.slug)
    assert (channel.handle, channel.health) == ("smo_demo_yt", Health.OK)
    assert channel.external_id.startswith("UC") and channel.credentials["refresh_token"]
    assert channel.platform_info["uploads_playlist"] == "UU" + channel.external_id[2:]

    delivery = send(channel, "Our launch, in two minutes", [
        {"url": f"{media_base}/clip.mp4", "mime_type": "video/mp4"},
        {"url": f"{media_base}/cover.png", "mime_type": "image/png"}], privacy="unlisted", tags=["launch"])
    assert delivery.state == DeliveryState.PUBLISHED, delivery.error_message
    assert delivery.permalink == f"https://www.youtube.com/watch?v={delivery.external_id}"
    assert [c["id"] for c in yt.creates("youtube")] == [delivery.external_id]
    assert delivery.progress == {} and delivery.error_message == ""  # no thumbnail warning
    headers = {"Authorization": f"Bearer {channel.credentials['access_token']}"}
    [video] = requests.get(f"{yt.base_url}/youtube/youtube/v3/videos", params={"id": delivery.external_id},
                           headers=headers, timeout=10).json()["items"]
    assert "sandbox=" in video["snippet"]["thumbnails"]["default"]["url"]  # the PNG became the thumbnail
    assert (video["status"]["privacyStatus"], video["snippet"]["tags"]) == ("unlisted", ["launch"])
    plain = send(channel, "Behind the scenes", [{"url": f"{media_base}/clip.mp4", "mime_type": "video/mp4"}])
    assert plain.state == DeliveryState.PUBLISHED and len(yt.creates("youtube")) == 2
    spent = used_today("youtube", channel.external_id)
    assert spent >= 2 * 1_600  # two uploads at videos.insert's price, plus the reads
    page = admin.get(reverse("platforms:list", kwargs={"slug": workspace.slug})).content.decode()
    assert f"API quota used today: {spent} of 10000 units" in page

    made = requests.post(f"{yt.base_url}/_sandbox/audience", timeout=30, json={
        "platform": "youtube", "account": "smo_demo_yt", "comments": 2, "replies": 1,
        "webhook_url": UNUSED_HOOK}).json()["items"]
    assert sync_channel(channel.pk) == "ok"
    items = stored(channel)
    assert sorted(items) == sorted(m["id"] for m in made)
    comment = items[made[0]["id"]]
    assert (comment.kind, comment.text) == ("comment", made[0]["text"])
    assert comment.conversation.external_id == made[0]["post_id"]
    reply = next(items[m["id"]] for m in made if m["kind"] == "replies")
    assert reply.kind == "reply"

    answer = get_adapter("youtube").reply(channel_ref(channel), ReplyTarget(
        kind="comment", external_id=comment.external_id, conversation_id=comment.conversation.external_id),
        "Thanks for watching!")
    ours = [c for c in yt_comments(yt, channel) if c["snippet"]["textOriginal"] == "Thanks for watching!"]
    assert [c["id"] for c in ours] == [answer.external_id]
    assert sync_channel(channel.pk) == "ok"
    assert InboxItem.objects.get(channel=channel, external_id=answer.external_id).from_us


def test_a_lost_answer_to_the_last_chunk_is_reconciled_to_the_one_video(yt: Any, admin: Any, workspace: Any,
                                                                       media_base: str, settings: Any,
                                                                       send: Callable[..., Delivery]) -> None:
    channel = connect_through_the_views(admin, workspace.slug)
    settings.PLATFORM_READ_TIMEOUT = 1
    yt.set_faults({"rules": [], "youtube_drop_final_answer_s": 3})
    delivery = send(channel, "Lost answer", [{"url": f"{media_base}/clip.mp4", "mime_type": "video/mp4"}])
    assert delivery.state == DeliveryState.UNKNOWN and delivery.progress["upload_url"]
    [video] = yt.creates("youtube")  # YouTube has the video; SMO never heard back

    yt.clear_faults()
    later = timezone.now() + timedelta(seconds=settings.QUEUED_LEASE_SECONDS + 60)
    assert delivery_reconcile(delivery.pk, now=later) == DeliveryState.PUBLISHED
    delivery.refresh_from_db()
    assert delivery.external_id == video["id"]
    assert [c["id"] for c in yt.creates("youtube")] == [video["id"]]


def yt_comments(yt: Any, channel: Channel) -> list[dict[str, Any]]:
    headers = {"Authorization": f"Bearer {channel.credentials['access_token']}"}
    threads = requests.get(f"{yt.base_url}/youtube/youtube/v3/commentThreads", headers=headers, timeout=10,
                           params={"part": "snippet,replies", "allThreadsRelatedToChannelId": channel.external_id})
    found = []
    for thread in threads.json()["items"]:
        found += [thread["snippet"]["topLevelComment"], *(thread.get("replies") or {}).get("comments", [])]
    return found
