"""Snapchat end to end against the sandbox over HTTP: connect through SMO's views and Snap's consent page,
publish a Story photo and a Spotlight video through the engine (the video waits for Snap's processing),
and settle a create whose answer was lost. Snapchat has no inbox, so there is nothing to sync or answer."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from django.urls import reverse
from django.utils import timezone

from platforms.models import Channel, Health
from platforms.registry import get_adapter
from platforms.selectors import channel_ref
from platforms.services import channel_refresh_token
from platforms.snapchat import media
from scheduler.engine import delivery_publish, dispatch, dispatch_due
from scheduler.engine.reconcile import delivery_reconcile
from scheduler.models import Delivery, DeliveryState, Variant
from tests.factories import DeliveryFactory, PostFactory
from tests.platforms.sandbox_browser import sandbox_decide
from workspaces.models import Workspace

PROFILE = "smo_demo_snap"
MP4 = b"\x00\x00\x00\x18ftypmp42" + bytes(range(256)) * 8
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF" + bytes(range(256)) * 4
PHOTO = {"url": "https://media.example/m/token/spring.jpg", "mime_type": "image/jpeg", "size_bytes": len(JPEG)}
CLIP = {"url": "https://media.example/m/token/launch.mp4", "mime_type": "video/mp4", "duration_s": 14,
        "width": 1080, "height": 1920}


@pytest.fixture
def snap(sandbox: Any, settings: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    settings.SNAPCHAT_CLIENT_ID, settings.SNAPCHAT_CLIENT_SECRET = "smo-e2e-app", "smo-e2e-secret"
    sandbox.register_client("snapchat", "smo-e2e-app", "smo-e2e-secret")
    sandbox.set_faults({"rules": [], "snapchat_media_polls": 1})
    # SMO's signed media URLs need SMO's web server; the file's bytes are what matters here.
    monkeypatch.setattr(media, "fetch", lambda item: MP4 if item.kind == "video" else JPEG)
    yield sandbox


def connect_through_views(admin: Any, snap: Any, workspace: Workspace) -> Channel:
    started = admin.post(reverse("platforms:connect", kwargs={"slug": workspace.slug, "platform": "snapchat"}))
    assert started.status_code == 302
    authorize = started["Location"]
    assert authorize.startswith(f"{snap.base_url}/snapchat-accounts/accounts/oauth2/auth?")
    assert parse_qs(urlsplit(authorize).query)["scope"] == ["snapchat-profile-api"]
    back = urlsplit(sandbox_decide(authorize, PROFILE))
    page = admin.get(f"{back.path}?{back.query}", follow=True)
    channel = Channel.objects.get(workspace=workspace, platform="snapchat")
    assert (channel.handle, channel.health) == (PROFILE, Health.OK)
    assert channel.credentials["refresh_token"] and channel.token_expires_at is not None
    assert channel.credentials["access_token"] not in page.content.decode()
    return channel


@pytest.fixture
def channel(admin: Any, snap: Any, workspace: Workspace) -> Channel:
    return connect_through_views(admin, snap, workspace)


@pytest.fixture
def run(monkeypatch: pytest.MonkeyPatch, django_capture_on_commit_callbacks: Any) -> Callable[..., Delivery]:
    """run(channel, text, media, placement): a scheduled post through dispatcher and publisher, following
    each media-processing check the engine schedules, until the delivery leaves `queued`."""

    def go(channel: Channel, text: str, item: dict[str, Any], placement: str) -> Delivery:
        sent: list[tuple[int, str]] = []
        monkeypatch.setattr(dispatch, "enqueue_publish", lambda pk, token, check_after_s=0: sent.append((pk, token)))
        post = PostFactory(workspace=channel.workspace, text=text, media=[item])
        Variant.objects.create(post=post, channel=channel, options={"placement": placement})
        delivery = DeliveryFactory(post=post, channel=channel)
        with django_capture_on_commit_callbacks(execute=True):
            dispatch_due(timezone.now())
        for _ in range(4):
            with django_capture_on_commit_callbacks(execute=True):
                state = delivery_publish(delivery.pk, str(sent[-1][1]))
            if state != DeliveryState.QUEUED:
                break
        delivery.refresh_from_db()
        return delivery

    return go


def test_connect_then_publish_a_story_photo_and_a_spotlight_video(snap: Any, channel: Channel,
                                                                   run: Callable[..., Delivery]) -> None:
    story = run(channel, "Spring is here", PHOTO, "story")
    assert story.state == DeliveryState.PUBLISHED, story.error_message
    assert story.permalink == f"https://www.snapchat.com/add/{PROFILE}"

    spotlight = run(channel, "Launch day #smo", CLIP, "spotlight")
    assert spotlight.state == DeliveryState.PUBLISHED, spotlight.error_message
    assert spotlight.progress == {} and spotlight.attempt_count == 1  # the processing check was not a retry

    creates = snap.creates("snapchat", PROFILE)
    assert [(c["id"], c["text"]) for c in creates] == [(story.external_id, ""),
                                                      (spotlight.external_id, "Launch day #smo")]
    containers = [r for r in snap.requests_log(platform="snapchat") if r["method"] == "POST"
                  and r["path"].endswith("/media")]
    assert len(containers) == 2  # one upload per post, none repeated while the video processed


def test_the_short_lived_login_refreshes_against_snaps_token_endpoint(snap: Any, channel: Channel) -> None:
    old = dict(channel.credentials)
    refreshed = channel_refresh_token(channel)
    assert refreshed.credentials["access_token"] != old["access_token"]
    assert refreshed.credentials["refresh_token"] == old["refresh_token"]  # Snap's answer may omit a new one
    assert get_adapter("snapchat").verify(channel_ref(refreshed)).handle == PROFILE


def test_a_spotlight_photo_is_refused_before_anything_is_sent(snap: Any, channel: Channel,
                                                              run: Callable[..., Delivery]) -> None:
    delivery = run(channel, "Not a video", PHOTO, "spotlight")
    assert delivery.state == DeliveryState.FAILED and "Spotlight takes videos only" in delivery.error_message
    assert snap.creates("snapchat", PROFILE) == []


def test_a_lost_answer_goes_unknown_then_reconciles_to_the_one_story(snap: Any, channel: Channel, settings: Any,
                                                                     run: Callable[..., Delivery]) -> None:
    settings.PLATFORM_READ_TIMEOUT = 0.5
    snap.set_faults({"rules": [{"platform": "snapchat", "match": "POST /v1/public_profiles/*/stories", "count": 1,
                                "apply_then_hang": {"hang_s": 3}}], "snapchat_media_polls": 1})
    delivery = run(channel, "Applied, answer dropped", PHOTO, "story")
    assert delivery.state == DeliveryState.UNKNOWN
    created = snap.creates("snapchat", PROFILE)
    assert len(created) == 1  # Snap made the story; SMO never heard back

    settings.PLATFORM_READ_TIMEOUT = 20
    later = timezone.now() + timedelta(minutes=2)
    assert delivery_reconcile(delivery.pk, now=later) == DeliveryState.PUBLISHED
    delivery.refresh_from_db()
    assert delivery.external_id == created[0]["id"]
    assert len(snap.creates("snapchat", PROFILE)) == 1  # reconciled, never sent again
