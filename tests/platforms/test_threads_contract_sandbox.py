"""The adapter contract for Threads against the real sandbox process over HTTP, plus the container
flows (image, video, carousel, ERROR, resume without re-creating) and reply chains."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from platforms.errors import ContentRejected, NotReady, PlatformError, RateLimited
from platforms.threads import ThreadsAdapter
from platforms.threads.client import connect
from platforms.types import ChannelRef, Credentials, MediaItem, PublishRequest
from tests.platforms.contract import AdapterContract, closed_port_url

ACCOUNT = "contract_threads"
IMAGE = MediaItem(url="https://example.org/photo.jpg", mime_type="image/jpeg", alt_text="A red bicycle")
VIDEO = MediaItem(url="https://example.org/clip.mp4", mime_type="video/mp4")


def container_creates(sandbox: Any) -> list[dict[str, Any]]:
    return [r for r in sandbox.requests_log(limit=500, platform="threads")
            if r["method"] == "POST" and r["path"].endswith("/threads")]


class TestThreadsContractAgainstSandbox(AdapterContract):
    @pytest.fixture(autouse=True)
    def _sandbox(self, live_sandbox: Any, settings: Any) -> Iterator[None]:
        self.sandbox, self.settings = live_sandbox, settings
        settings.PLATFORM_ORIGINS = live_sandbox.origins()
        self.minted = live_sandbox.mint_token("threads", ACCOUNT)
        yield
        live_sandbox.clear_faults()

    def make_adapter(self) -> ThreadsAdapter:
        return ThreadsAdapter()

    def channel(self) -> ChannelRef:
        return ChannelRef(platform="threads", external_id=self.minted["account_id"], handle=ACCOUNT,
                          credentials=Credentials(access_token=self.minted["access_token"]))

    @contextmanager
    def scenario(self, name: str, request: PublishRequest) -> Iterator[None]:
        sandbox = self.sandbox
        rule = {"platform": "threads", "match": "POST /v1.0/*/threads_publish", "account": ACCOUNT, "count": 1}
        if name == "duplicate":
            # Threads has no duplicate check; a refusal of the content (Graph #100) must be ContentRejected.
            sandbox.set_faults({**rule, "error_rates": {"400": 1.0}})
        elif name == "auth_expired":
            sandbox.expire_tokens("threads", token=self.minted["access_token"])
        elif name == "rate_limited":
            sandbox.set_faults({**rule, "rate_limited": {"reset_in_s": 120}})
        elif name == "connect_error":
            self.settings.PLATFORM_ORIGINS = {origin: closed_port_url() for origin in sandbox.origins()}
        elif name == "timeout_after_send":
            self.settings.PLATFORM_READ_TIMEOUT = 0.5
            sandbox.set_faults({**rule, "apply_then_hang": {"hang_s": 3}})
        elif name != "ok":
            raise ValueError(name)
        yield

    def publish_until_done(self, request: PublishRequest, rounds: int = 6) -> Any:
        adapter, progress = self.make_adapter(), dict(request.progress)
        for _ in range(rounds):
            try:
                return adapter.publish(PublishRequest(**{**request.__dict__, "progress": progress}))
            except NotReady as exc:
                progress = exc.progress
        raise AssertionError("never finished")

    def test_verify_names_the_profile(self) -> None:
        account = self.make_adapter().verify(self.channel())
        assert (account.external_id, account.handle) == (self.minted["account_id"], ACCOUNT)
        assert account.avatar_url.startswith("https://")

    def test_image_post_with_alt_text_and_permalink(self) -> None:
        request = PublishRequest(channel=self.channel(), text=f"Bike {uuid.uuid4().hex[:8]}", media=(IMAGE,))
        result = self.make_adapter().publish(request)
        assert result.permalink.startswith(f"https://www.threads.net/@{ACCOUNT}/post/")
        created = self.sandbox.creates("threads", ACCOUNT)[-1]
        assert created["id"] == result.external_id and created["text"] == request.text

    def test_video_waits_with_not_ready_and_never_creates_twice(self) -> None:
        request = PublishRequest(channel=self.channel(), text=f"Clip {uuid.uuid4().hex[:8]}", media=(VIDEO,))
        before = len(container_creates(self.sandbox))
        with pytest.raises(NotReady) as waiting:
            self.make_adapter().publish(request)
        assert waiting.value.progress["container"]
        result = self.publish_until_done(PublishRequest(**{**request.__dict__, "progress": waiting.value.progress}))
        assert len(container_creates(self.sandbox)) - before == 1
        assert [c["id"] for c in self.sandbox.creates("threads", ACCOUNT) if c["text"] == request.text] == \
            [result.external_id]

    def test_carousel_of_images_and_a_video(self) -> None:
        media = (IMAGE, MediaItem(url="https://example.org/two.png", mime_type="image/png"), VIDEO)
        request = PublishRequest(channel=self.channel(), text=f"Album {uuid.uuid4().hex[:8]}", media=media)
        before = len(container_creates(self.sandbox))
        result = self.publish_until_done(request)
        assert len(container_creates(self.sandbox)) - before == 4  # three items and the carousel, once each
        assert result.external_id in [c["id"] for c in self.sandbox.creates("threads", ACCOUNT)]

    def test_processing_error_is_content_rejected(self) -> None:
        self.sandbox.set_faults({"threads_container_final": "ERROR", "threads_image_in_progress_polls": 0})
        request = PublishRequest(channel=self.channel(), text=f"Broken {uuid.uuid4().hex[:8]}", media=(IMAGE,))
        error = self.expect_error(ContentRejected, lambda: self.make_adapter().publish(request))
        assert error.platform_code == "container_error"

    def test_full_quota_creates_nothing_and_waits_for_the_oldest_post(self) -> None:
        first = self.make_adapter().publish(self.request())
        self.sandbox.set_faults({"threads_quota_total": 1})
        before = len(container_creates(self.sandbox))
        error = self.expect_error(RateLimited, lambda: self.make_adapter().publish(self.request()))
        assert len(container_creates(self.sandbox)) == before
        assert isinstance(error, RateLimited) and error.retry_at is not None
        assert timedelta(hours=23) < error.retry_at - datetime.now(UTC) <= timedelta(hours=24)
        assert first.external_id and "1 posts per 24 hours" in error.message

    def test_thread_parts_form_a_reply_chain(self) -> None:
        tag = uuid.uuid4().hex[:8]
        request = PublishRequest(channel=self.channel(), text=f"Root {tag}", thread=(f"Two {tag}", f"Three {tag}"))
        since = datetime.now(UTC) - timedelta(minutes=1)
        result = self.make_adapter().publish(request)
        assert len(result.thread_ids) == 2 and result.warning == ""
        conn = connect(self.channel())
        parents = [conn.get(f"/{part}", fields="replied_to,root_post") for part in result.thread_ids]
        assert [p["replied_to"]["id"] for p in parents] == [result.external_id, result.thread_ids[0]]
        assert {p["root_post"]["id"] for p in parents} == {result.external_id}
        found = self.make_adapter().find_published(self.channel(), self.make_adapter().fingerprint(request), since)
        assert found is not None and found.external_id == result.external_id  # parts are replies, not posts

    def test_refresh_returns_a_new_token(self) -> None:
        self.sandbox.set_faults({"threads_refresh_min_age_s": 0})
        grant = self.make_adapter().refresh(self.channel())
        assert grant.access_token and grant.access_token != self.minted["access_token"]
        assert grant.expires_at is not None

    def test_errors_never_carry_the_token(self) -> None:
        self.sandbox.expire_tokens("threads", token=self.minted["access_token"])
        with pytest.raises(PlatformError) as caught:
            self.make_adapter().verify(self.channel())
        assert self.minted["access_token"] not in str(caught.value)
