"""TikTok end to end against the sandbox over HTTP: connect through the views and the sandbox's consent
page, publish a chunked video, a pulled video and a photo post through SMO's engine, reconcile an
unknown, refresh with rotating tokens. TikTok's posting API has no inbox."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from django.urls import reverse
from django.utils import timezone

from platforms.errors import AuthExpired, NotSupported
from platforms.models import Channel
from platforms.registry import get_adapter
from platforms.selectors import channel_ref
from platforms.services import channel_refresh_token
from scheduler.engine.reconcile import reconcile_unknown
from scheduler.models import DeliveryState
from tests.e2e.conftest import run_engine as run
from tests.fileserver import serve_files
from tests.platforms.sandbox_browser import sandbox_decide
from workspaces.models import Workspace

MIB = 1024 * 1024
CLIP = b"\x00\x00\x00\x18ftypmp42" + bytes(21 * MIB)  # two chunks: 10 MB, then the remaining 11 MB
PHOTO = b"\xff\xd8\xff\xe0" + b"\x00" * 64


@pytest.fixture(scope="module")
def files() -> Iterator[str]:
    with serve_files({"/clip.mp4": CLIP, "/a.jpg": PHOTO, "/b.jpg": PHOTO}) as base:
        yield base


@pytest.fixture
def tiktok_settings(sandbox: Any, settings: Any) -> Any:
    settings.TIKTOK_CLIENT_KEY, settings.TIKTOK_CLIENT_SECRET = "smo-tiktok-key", "smo-tiktok-secret"
    settings.TIKTOK_VIDEO_SOURCE = "FILE_UPLOAD"
    return settings


@pytest.fixture
def channel(tiktok_settings: Any, sandbox: Any, admin: Any, workspace: Workspace) -> Channel:
    """Connected the way an admin does it: the connect button, TikTok's consent page, the callback."""
    start = admin.post(reverse("platforms:connect", kwargs={"slug": workspace.slug, "platform": "tiktok"}))
    assert start.status_code == 302
    authorize = start["Location"]
    assert authorize.startswith(sandbox.base_url + "/tiktok/v2/auth/authorize/?")
    assert parse_qs(urlsplit(authorize).query)["scope"] == ["user.info.basic,video.publish,video.list"]
    location = sandbox_decide(authorize, "smo_demo")
    parts = urlsplit(location)
    response = admin.get(f"{parts.path}?{parts.query}", follow=True)
    assert response.status_code == 200
    return Channel.objects.get(workspace=workspace, platform="tiktok")



def test_connect_stores_the_account_and_its_creator_info(channel: Channel) -> None:
    assert channel.handle == "smo_demo" and channel.external_id
    assert channel.credentials["access_token"] and channel.credentials["refresh_token"]
    assert channel.token_expires_at is not None
    levels = [level["value"] for level in channel.platform_info["privacy_levels"]]
    assert levels == ["PUBLIC_TO_EVERYONE", "MUTUAL_FOLLOW_FRIENDS", "FOLLOWER_OF_CREATOR", "SELF_ONLY"]
    assert channel.platform_info["max_video_post_duration_sec"] == 600


def test_chunked_video_pulled_video_and_photos_publish_through_the_engine(
        sandbox: Any, channel: Channel, files: str, tiktok_settings: Any, monkeypatch: pytest.MonkeyPatch,
        django_capture_on_commit_callbacks: Any) -> None:
    capture = django_capture_on_commit_callbacks
    public = {"privacy_level": "PUBLIC_TO_EVERYONE", "disable_duet": True}
    video = run(channel, monkeypatch, capture, public, text="Launch clip #smo",
                media=[{"url": f"{files}/clip.mp4", "mime_type": "video/mp4"}])
    photos = run(channel, monkeypatch, capture, {"privacy_level": "FOLLOWER_OF_CREATOR", "title": "Backstage"},
                 text="Two photos", media=[{"url": f"{files}/a.jpg", "mime_type": "image/jpeg"},
                                           {"url": f"{files}/b.jpg", "mime_type": "image/jpeg"}])
    tiktok_settings.TIKTOK_VIDEO_SOURCE = "PULL_FROM_URL"
    pulled = run(channel, monkeypatch, capture, public, text="Pulled clip",
                 media=[{"url": f"{files}/clip.mp4", "mime_type": "video/mp4"}])
    for delivery in (video, photos, pulled):
        assert delivery.state == DeliveryState.PUBLISHED, (delivery.error_code, delivery.error_message)
    creates = {c["text"]: c["id"] for c in sandbox.creates("tiktok", "smo_demo")}
    assert creates == {"Launch clip #smo": video.external_id, "Two photos": photos.external_id,
                       "Pulled clip": pulled.external_id}
    assert video.permalink == f"https://www.tiktok.com/@smo_demo/video/{video.external_id}"
    assert photos.permalink.endswith(f"/photo/{photos.external_id}")
    log = sandbox.requests_log(limit=500, platform="tiktok")
    assert sorted(r["status"] for r in log if r["method"] == "PUT") == [201, 206]  # one video, two chunks
    assert len([r for r in log if r["path"].endswith("/init/")]) == 3
    assert len([r for r in log if r["path"] == "/v2/post/publish/creator_info/query/"]) >= 3


def test_a_privacy_the_account_no_longer_offers_fails_with_a_clear_reason(
        sandbox: Any, channel: Channel, files: str, monkeypatch: pytest.MonkeyPatch,
        django_capture_on_commit_callbacks: Any) -> None:
    sandbox.set_faults({"tiktok_privacy_levels": ["SELF_ONLY"]})
    delivery = run(channel, monkeypatch, django_capture_on_commit_callbacks, {"privacy_level": "PUBLIC_TO_EVERYONE"},
                   text="Not for everyone", media=[{"url": f"{files}/a.jpg", "mime_type": "image/jpeg"}])
    assert delivery.state == DeliveryState.FAILED
    assert "SELF_ONLY" in delivery.error_message and sandbox.creates("tiktok") == []


def test_an_unknown_create_is_reconciled_to_the_one_post(
        sandbox: Any, channel: Channel, files: str, tiktok_settings: Any, monkeypatch: pytest.MonkeyPatch,
        django_capture_on_commit_callbacks: Any) -> None:
    tiktok_settings.TIKTOK_VIDEO_SOURCE = "PULL_FROM_URL"
    tiktok_settings.PLATFORM_READ_TIMEOUT = 0.5
    sandbox.set_faults({"platform": "tiktok", "match": "POST /v2/post/publish/video/init/", "account": "smo_demo",
                        "count": 1, "apply_then_hang": {"hang_s": 3}})
    text = f"Applied, answer lost {uuid.uuid4().hex[:6]}"
    delivery = run(channel, monkeypatch, django_capture_on_commit_callbacks, {"privacy_level": "SELF_ONLY"},
                   text=text, media=[{"url": f"{files}/clip.mp4", "mime_type": "video/mp4"}])
    assert delivery.state == DeliveryState.UNKNOWN
    tiktok_settings.PLATFORM_READ_TIMEOUT = 20
    reconcile_unknown(timezone.now() + timedelta(minutes=2))
    delivery.refresh_from_db()
    made = [c for c in sandbox.creates("tiktok", "smo_demo") if c["text"] == text]
    assert delivery.state == DeliveryState.PUBLISHED and len(made) == 1
    assert delivery.external_id == made[0]["id"]


def test_refresh_keeps_the_newest_rotating_token_and_there_is_no_inbox(sandbox: Any, channel: Channel) -> None:
    first_refresh = channel.credentials["refresh_token"]
    channel.token_expires_at = timezone.now()
    refreshed = channel_refresh_token(channel)
    second_refresh = refreshed.credentials["refresh_token"]
    assert second_refresh and second_refresh != first_refresh
    again = channel_refresh_token(refreshed)
    assert again.credentials["refresh_token"] not in (first_refresh, second_refresh)
    stale = channel_ref(channel)  # still holds the first refresh token, which TikTok rotated away
    with pytest.raises(AuthExpired):
        get_adapter("tiktok").refresh(stale)
    with pytest.raises(NotSupported):
        get_adapter("tiktok").fetch_inbox(channel_ref(again), "")
