"""Pinterest end to end against the sandbox over HTTP: connect through SMO's views and the sandbox's
consent page (boards come along), publish an image, a carousel and a video through the engine, settle a
lost answer by reconciliation, and see that the publish-only channel is never synced for an inbox."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.urls import reverse
from django.utils import timezone

from inbox.selectors import channels_with_inbox
from inbox.tasks import sync_channel
from platforms.models import Channel
from platforms.pinterest import media
from scheduler.engine import delivery_publish, delivery_reconcile, dispatch, dispatch_due
from scheduler.models import Delivery, DeliveryState
from tests.factories import DeliveryFactory, PostFactory, VariantFactory
from tests.platforms.sandbox_browser import sandbox_decide
from workspaces.models import Workspace

SEEDED_BOARDS = {"1130000000000100001": "Spring launch", "1130000000000100002": "Recipes",
                 "1130000000000100003": "Behind the scenes"}
BOARD = "1130000000000100002"
IMAGE = {"url": "https://smo.example/m/tulip.jpg", "mime_type": "image/jpeg", "alt_text": "A red tulip"}
VIDEO = {"url": "https://smo.example/m/clip.mp4", "mime_type": "video/mp4"}


@pytest.fixture
def pinterest(sandbox: Any, settings: Any) -> Any:
    settings.PINTEREST_APP_ID, settings.PINTEREST_APP_SECRET = "smo-pinterest-app", "smo-pinterest-secret"
    return sandbox


@pytest.fixture
def channel(pinterest: Any, admin: Any, workspace: Workspace) -> Channel:
    """Connected the way an admin does it: Connect -> Pinterest's consent page -> callback."""
    start = admin.post(reverse("platforms:connect", kwargs={"slug": workspace.slug, "platform": "pinterest"}))
    assert start.status_code == 302 and start["Location"].startswith(f"{pinterest.base_url}/pinterest/oauth/?")
    back = urlsplit(sandbox_decide(start["Location"], "smo_demo"))
    done = admin.get(f"{back.path}?{back.query}")
    assert done.status_code == 302, done.content.decode()[:500]
    return Channel.objects.get(workspace=workspace, platform="pinterest")


@pytest.fixture
def send(monkeypatch: pytest.MonkeyPatch, django_capture_on_commit_callbacks: Any) -> Callable[..., Delivery]:
    """send(channel, text, media, **options): schedule a post with the channel's variant and run the engine,
    following media processing (NotReady) the way the worker's next message would."""

    def run(channel: Channel, text: str, media_items: list[dict[str, str]], **options: str) -> Delivery:
        sent: list[tuple[int, str]] = []
        monkeypatch.setattr(dispatch, "enqueue_publish", lambda pk, token, check_after_s=0: sent.append((pk, token)))
        post = PostFactory(workspace=channel.workspace, text=text, media=media_items, link="https://example.com/spring")
        VariantFactory(post=post, channel=channel, options={"board": BOARD, **options})
        delivery = DeliveryFactory(post=post, channel=channel)
        with django_capture_on_commit_callbacks(execute=True):
            dispatch_due(timezone.now())
        for _ in range(5):
            with django_capture_on_commit_callbacks(execute=True):
                state = delivery_publish(delivery.pk, str(sent[-1][1]))
            if state != DeliveryState.QUEUED:
                break
        delivery.refresh_from_db()
        return delivery

    return run


def pins(sandbox: Any, channel: Channel) -> list[dict[str, Any]]:
    return sandbox.creates("pinterest", channel.handle)


def test_connect_stores_the_account_and_its_boards(channel: Channel) -> None:
    assert (channel.handle, channel.external_id) == ("smo_demo", "1130000000000000001")
    assert {b["value"]: b["label"] for b in channel.platform_info["boards"]} == SEEDED_BOARDS
    assert channel.credentials["refresh_token"] and channel.token_expires_at > timezone.now()
    assert "pins:write" in channel.scopes


def test_image_carousel_and_video_pins_through_the_engine(pinterest: Any, channel: Channel,
                                                          send: Callable[..., Delivery],
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(media, "fetch", lambda item: b"\x00\x00\x00\x18ftypmp42 e2e video")
    image = send(channel, "One tulip", [IMAGE], title="Tulip")
    carousel = send(channel, "Three tulips", [IMAGE, {**IMAGE, "url": "https://smo.example/m/2.jpg"},
                                              {**IMAGE, "url": "https://smo.example/m/3.jpg"}])
    video = send(channel, "Tulips in the wind", [VIDEO, IMAGE])
    for delivery in (image, carousel, video):
        assert delivery.state == DeliveryState.PUBLISHED, (delivery.error_code, delivery.error_message)
        assert delivery.permalink == f"https://www.pinterest.com/pin/{delivery.external_id}/"
    assert [p["id"] for p in pins(pinterest, channel)] == [image.external_id, carousel.external_id,
                                                           video.external_id]
    page = pinterest.requests_log(limit=2000, platform="pinterest")
    assert sum(1 for r in page if r["path"] == "/v5/media" and r["method"] == "POST") == 1  # one upload


def test_lost_answer_goes_unknown_then_reconciles_to_the_one_pin(pinterest: Any, channel: Channel,
                                                                  send: Callable[..., Delivery], settings: Any) -> None:
    settings.PLATFORM_READ_TIMEOUT = 0.5
    pinterest.set_faults({"platform": "pinterest", "match": "POST /v5/pins", "count": 1,
                          "apply_then_hang": {"hang_s": 2}})
    delivery = send(channel, "Lost in the wind", [IMAGE])
    assert delivery.state == DeliveryState.UNKNOWN
    settings.PLATFORM_READ_TIMEOUT = 20
    assert delivery_reconcile(delivery.pk) == DeliveryState.PUBLISHED
    delivery.refresh_from_db()
    created = [p for p in pins(pinterest, channel) if p["text"] == "Lost in the wind"]
    assert [p["id"] for p in created] == [delivery.external_id]


def test_unknown_board_fails_with_a_reason(pinterest: Any, channel: Channel, send: Callable[..., Delivery]) -> None:
    delivery = send(channel, "Nowhere to pin", [IMAGE], board="404404")
    assert delivery.state == DeliveryState.FAILED and "board" in delivery.error_message
    assert pins(pinterest, channel) == []


def test_publish_only_channel_is_never_synced(channel: Channel) -> None:
    assert channel not in channels_with_inbox()
    assert sync_channel(channel.pk) == "failed"  # asked anyway: the adapter says why, nothing is stored
