"""The adapter contract for TikTok against the real sandbox process over HTTP, plus the flows only TikTok
has: chunked uploads resumed after an interruption, creator info re-checked before a post, rotating
refresh tokens."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from platforms.errors import AuthExpired, ContentRejected, NotReady
from platforms.tiktok import TikTokAdapter, posting
from platforms.types import ChannelRef, Credentials, MediaItem, PublishRequest, PublishResult
from tests.platforms.contract import AdapterContract, closed_port_url

MIB = 1024 * 1024
VIDEO = MediaItem(url="https://media.smo.example/clip.mp4", mime_type="video/mp4", duration_s=12.0)


def drive(adapter: TikTokAdapter, request: PublishRequest, rounds: int = 6) -> PublishResult:
    """What the engine does: call publish() again with the progress NotReady carried, until it settles."""
    for _ in range(rounds):
        try:
            return adapter.publish(request)
        except NotReady as waiting:
            request = PublishRequest(channel=request.channel, text=request.text, link=request.link,
                                     media=request.media, options=request.options, progress=waiting.progress)
    raise AssertionError("still processing after every round")


class DrivenTikTok(TikTokAdapter):
    def publish(self, request: PublishRequest) -> PublishResult:
        return drive(TikTokAdapter(), request)


@pytest.fixture
def video_bytes(monkeypatch: pytest.MonkeyPatch) -> dict[str, int]:
    """SMO's media URLs are not served in these tests: the video is `size` zero bytes."""
    size = {"bytes": 2048}
    monkeypatch.setattr(posting, "fetch", lambda item: bytes(size["bytes"]))
    return size


class TestTikTokContractAgainstSandbox(AdapterContract):
    @pytest.fixture(autouse=True)
    def _sandbox(self, live_sandbox: Any, settings: Any, video_bytes: dict[str, int]) -> Iterator[None]:
        self.sandbox, self.settings, self.video = live_sandbox, settings, video_bytes
        settings.PLATFORM_ORIGINS = live_sandbox.origins()
        settings.TIKTOK_CLIENT_KEY, settings.TIKTOK_CLIENT_SECRET = "smo-tiktok-key", "smo-tiktok-secret"
        settings.TIKTOK_VIDEO_SOURCE = "FILE_UPLOAD"
        # A fresh account per test: TikTok allows six inits a minute per user.
        self.account = f"ct_{uuid.uuid4().hex[:10]}"
        self.minted = live_sandbox.mint_token("tiktok", self.account, client_id="smo-tiktok-key")
        yield
        live_sandbox.clear_faults()

    def make_adapter(self) -> TikTokAdapter:
        return DrivenTikTok()

    def channel(self) -> ChannelRef:
        creds = Credentials(access_token=self.minted["access_token"], refresh_token=self.minted["refresh_token"])
        return ChannelRef(platform="tiktok", external_id=self.minted["account_id"], handle=self.account,
                          credentials=creds)

    def request(self, text: str | None = None) -> PublishRequest:
        return PublishRequest(channel=self.channel(), text=text or f"Contract clip {uuid.uuid4().hex[:12]}",
                              media=(VIDEO,), options={"privacy_level": "PUBLIC_TO_EVERYONE"})

    @contextmanager
    def scenario(self, name: str, request: PublishRequest) -> Iterator[None]:
        rule = {"platform": "tiktok", "match": "POST /v2/post/publish/video/init/", "account": self.account,
                "count": 1}
        if name == "duplicate":
            # TikTok has no duplicate check; the contract's point is that a refused post is ContentRejected.
            self.sandbox.set_faults({**rule, "error_rates": {"400": 1.0}})
        elif name == "auth_expired":
            self.sandbox.expire_tokens("tiktok", token=self.minted["access_token"])
        elif name == "rate_limited":
            self.sandbox.set_faults({**rule, "rate_limited": {"reset_in_s": 60}})
        elif name == "connect_error":
            self.settings.PLATFORM_ORIGINS = {origin: closed_port_url() for origin in self.sandbox.origins()}
        elif name == "timeout_after_send":
            self.settings.TIKTOK_VIDEO_SOURCE = "PULL_FROM_URL"  # the init itself is the whole create
            self.settings.PLATFORM_READ_TIMEOUT = 0.5
            self.sandbox.set_faults({**rule, "apply_then_hang": {"hang_s": 3}})
        elif name != "ok":
            raise ValueError(name)
        yield

    def test_published_post_links_to_the_video(self) -> None:
        result = drive(TikTokAdapter(), self.request())
        assert result.permalink == f"https://www.tiktok.com/@{self.account}/video/{result.external_id}"
        assert [c["id"] for c in self.sandbox.creates("tiktok", self.account)] == [result.external_id]

    def test_a_large_video_goes_in_chunks_and_an_interrupted_upload_resumes_without_a_second_init(self) -> None:
        self.video["bytes"] = 23 * MIB  # two chunks: 10 MB, then 13 MB
        self.sandbox.set_faults({"platform": "tiktok", "match": "PUT /video/*", "count": 1, "rate": 1.0,
                                 "error_rates": {"503": 1.0}})
        request = self.request()
        with pytest.raises(NotReady) as interrupted:
            TikTokAdapter().publish(request)
        assert interrupted.value.progress["publish_id"] and not interrupted.value.progress["uploaded"]
        resumed = drive(TikTokAdapter(), PublishRequest(channel=request.channel, text=request.text,
                        media=request.media, options=request.options, progress=interrupted.value.progress))
        log = self.sandbox.requests_log(limit=200, platform="tiktok")
        inits = [r for r in log if r["path"] == "/v2/post/publish/video/init/" and r["account"] == self.account]
        assert len(inits) == 1
        puts = [r["status"] for r in log if r["method"] == "PUT" and r["account"] == self.account]
        assert sorted(puts) == [201, 206, 503]
        assert [c["id"] for c in self.sandbox.creates("tiktok", self.account)] == [resumed.external_id]

    def test_creator_info_is_checked_again_before_the_post(self) -> None:
        self.sandbox.set_faults({"tiktok_privacy_levels": ["SELF_ONLY"]})
        error = self.expect_error(ContentRejected, lambda: TikTokAdapter().publish(self.request()))
        assert "PUBLIC_TO_EVERYONE" in error.message
        self.sandbox.set_faults({"tiktok_max_video_s": 10})
        self.expect_error(ContentRejected, lambda: TikTokAdapter().publish(self.request()))
        assert self.sandbox.creates("tiktok", self.account) == []

    def test_a_failed_post_is_content_rejected_with_the_reason(self) -> None:
        self.sandbox.set_faults({"tiktok_fail_reason": "duration_check_failed", "tiktok_status_polls": 0})
        error = self.expect_error(ContentRejected, lambda: self.make_adapter().publish(self.request()))
        assert error.platform_code == "duration_check_failed"

    def test_a_photo_post_pulls_its_images(self) -> None:
        photos = tuple(MediaItem(url=f"https://media.smo.example/{n}.jpg", mime_type="image/jpeg") for n in range(3))
        request = PublishRequest(channel=self.channel(), text="Three photos", media=photos,
                                 options={"privacy_level": "FOLLOWER_OF_CREATOR", "title": "Trip"})
        result = drive(TikTokAdapter(), request)
        assert result.permalink.endswith(f"/photo/{result.external_id}")
        assert self.sandbox.creates("tiktok", self.account)[0]["text"] == "Three photos"

    def test_verify_stores_the_creator_info(self) -> None:
        account = TikTokAdapter().verify(self.channel())
        assert account.handle == self.account and account.external_id == self.minted["account_id"]
        assert {"value": "SELF_ONLY", "label": "Only me"} in account.info["privacy_levels"]
        assert account.info["max_video_post_duration_sec"] == 600

    def test_refresh_rotates_and_the_sandbox_refuses_the_old_refresh_token(self) -> None:
        adapter, channel = TikTokAdapter(), self.channel()
        first = adapter.refresh(channel)
        assert first.refresh_token and first.refresh_token != channel.credentials.refresh_token
        rotated = ChannelRef(platform="tiktok", external_id=channel.external_id, handle=channel.handle,
                             credentials=Credentials(access_token=first.access_token,
                                                     refresh_token=first.refresh_token))
        second = adapter.refresh(rotated)
        assert second.refresh_token not in (first.refresh_token, channel.credentials.refresh_token)
        self.expect_error(AuthExpired, lambda: adapter.refresh(channel))
        self.expect_error(AuthExpired, lambda: adapter.refresh(rotated))
