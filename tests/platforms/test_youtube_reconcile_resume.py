"""The reconciler's opt-in for resumable uploads: an `unknown` delivery whose adapter `resumes_uploads` and
whose progress holds an upload session goes back to `queued` (fresh token, progress kept) instead of failing."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from platforms.youtube import YouTubeAdapter
from scheduler.engine import delivery_reconcile, dispatch
from scheduler.models import Delivery, DeliveryState
from tests.factories import ChannelFactory, DeliveryFactory

pytestmark = pytest.mark.django_db
SESSION = {"upload_url": "https://www.googleapis.com/upload/youtube/v3/videos?upload_id=abc", "total": 10,
           "offset": 4, "mime": "video/mp4"}


@pytest.fixture
def nothing_on_youtube(monkeypatch: pytest.MonkeyPatch) -> list[tuple[int, Any]]:
    monkeypatch.setattr(YouTubeAdapter, "find_published", lambda self, channel, fingerprint, since: None)
    sent: list[tuple[int, Any]] = []
    monkeypatch.setattr(dispatch, "enqueue_publish", lambda pk, token, check_after_s=0: sent.append((pk, token)))
    return sent


def interrupted(platform: str, progress: dict[str, Any]) -> Delivery:
    long_ago = timezone.now() - timedelta(minutes=10)
    channel = ChannelFactory(platform=platform, external_id="UCx")
    return DeliveryFactory(channel=channel, state=DeliveryState.UNKNOWN, attempt_token=uuid.uuid4(),
                           sending_at=long_ago, lease_expires_at=long_ago, progress=progress, fingerprint="f")


def test_an_interrupted_upload_is_queued_again_with_its_session(nothing_on_youtube: list[tuple[int, Any]],
                                                                 django_capture_on_commit_callbacks: Any) -> None:
    delivery = interrupted("youtube", SESSION)
    with django_capture_on_commit_callbacks(execute=True):
        assert delivery_reconcile(delivery.pk) == DeliveryState.QUEUED
    after = Delivery.objects.get(pk=delivery.pk)
    assert after.state == DeliveryState.QUEUED and after.progress == SESSION
    assert after.attempt_token != delivery.attempt_token
    assert after.lease_expires_at is not None and after.lease_expires_at > timezone.now()
    assert nothing_on_youtube == [(delivery.pk, after.attempt_token)]


def test_without_a_stored_session_not_found_still_fails(nothing_on_youtube: list[tuple[int, Any]]) -> None:
    delivery = interrupted("youtube", {})
    assert delivery_reconcile(delivery.pk) == DeliveryState.FAILED
    assert nothing_on_youtube == []


def test_platforms_that_do_not_resume_keep_failing(monkeypatch: pytest.MonkeyPatch,
                                                   nothing_on_youtube: list[tuple[int, Any]]) -> None:
    from platforms.mastodon import MastodonAdapter

    monkeypatch.setattr(MastodonAdapter, "find_published", lambda self, channel, fingerprint, since: None)
    delivery = interrupted("mastodon", {"media": [{"id": "1", "ready": True}]})
    assert delivery_reconcile(delivery.pk) == DeliveryState.FAILED
    assert nothing_on_youtube == []
