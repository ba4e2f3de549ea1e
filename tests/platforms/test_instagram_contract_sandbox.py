"""The adapter contract for Instagram against the real sandbox process; faults via its control API.

Instagram's Graph calls share graph.facebook.com, so fault rules name platform "facebook" and the
IG account. Each test gets its own IG account, so the 24-hour quota never carries across tests.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from typing import Any

import pytest

from platforms.errors import ContentRejected, NotReady, RateLimited
from platforms.instagram import InstagramAdapter
from platforms.types import ChannelRef, Credentials, MediaItem, PublishRequest
from tests.platforms.contract import AdapterContract, closed_port_url

IMAGE = MediaItem(url="https://example.org/contract.jpg", mime_type="image/jpeg")


class TestInstagramContractAgainstSandbox(AdapterContract):
    @pytest.fixture(autouse=True)
    def _sandbox(self, live_sandbox: Any, settings: Any) -> Iterator[None]:
        self.sandbox, self.settings = live_sandbox, settings
        settings.PLATFORM_ORIGINS = live_sandbox.origins()
        settings.FACEBOOK_GRAPH_VERSION = "v21.0"
        self.account = f"contract_ig_{uuid.uuid4().hex[:10]}"
        self.minted = live_sandbox.mint_token("instagram", self.account)
        yield
        live_sandbox.clear_faults()

    def make_adapter(self) -> InstagramAdapter:
        return InstagramAdapter()

    def channel(self) -> ChannelRef:
        return ChannelRef(platform="instagram", external_id=self.minted["ig_user_id"], handle=self.account,
                          credentials=Credentials(access_token=self.minted["access_token"]))

    def request(self, text: str | None = None) -> PublishRequest:
        # Instagram needs an image on every post.
        return PublishRequest(channel=self.channel(), text=text or f"Contract post {uuid.uuid4().hex[:12]}",
                              media=(IMAGE,))

    @contextmanager
    def scenario(self, name: str, request: PublishRequest) -> Iterator[None]:
        sandbox = self.sandbox
        publish = {"platform": "facebook", "match": "POST /*/media_publish", "account": self.account, "count": 1}
        if name == "duplicate":  # Meta answers repeated content with its spam subcode
            sandbox.set_faults({**publish, "error_rates": {"400": 1.0}, "facebook_error_codes": {"400": [9, 2207001]}})
        elif name == "auth_expired":
            sandbox.expire_tokens("instagram", token=self.minted["access_token"])
        elif name == "rate_limited":
            sandbox.set_faults({"instagram_quota_total": 0})
        elif name == "connect_error":
            self.settings.PLATFORM_ORIGINS = {origin: closed_port_url() for origin in sandbox.origins()}
        elif name == "timeout_after_send":
            self.settings.PLATFORM_READ_TIMEOUT = 0.5
            sandbox.set_faults({**publish, "apply_then_hang": {"hang_s": 3}})
        elif name != "ok":
            raise ValueError(name)
        yield

    def test_timeout_after_send_really_created_the_post(self) -> None:
        request = self.request(f"Applied then hung {uuid.uuid4().hex[:8]}")
        with self.scenario("timeout_after_send", request), pytest.raises(Exception):  # noqa: B017 - asserted below
            self.make_adapter().publish(request)
        assert request.text in [record["text"] for record in self.sandbox.creates("instagram", self.account)]

    def test_carousel_with_first_comment_permalink_and_verify(self) -> None:
        tag = uuid.uuid4().hex[:8]
        media = tuple(MediaItem(url=f"https://example.org/{tag}/{n}.jpg", mime_type="image/jpeg") for n in range(3))
        request = PublishRequest(channel=self.channel(), text=f"Album {tag}", media=media, first_comment=f"#tags {tag}")
        result = self.make_adapter().publish(request)
        assert result.warning == "" and result.permalink.startswith("https://www.instagram.com/p/")
        creates = self.sandbox.creates("instagram", self.account)
        assert [c["text"] for c in creates] == [f"Album {tag}", f"#tags {tag}"]
        account = self.make_adapter().verify(self.channel())
        assert account.external_id == self.minted["ig_user_id"] and account.handle == self.account

    def test_quota_wait_names_the_limit(self) -> None:
        self.make_adapter().publish(self.request())
        self.sandbox.set_faults({"instagram_quota_total": 1})
        error = self.expect_error(RateLimited, lambda: self.make_adapter().publish(self.request()))
        assert "Instagram allows 1 posts per 24 hours" in error.message
        assert len(self.sandbox.creates("instagram", self.account)) == 1

    def test_slow_processing_is_not_ready_and_an_error_on_resume_is_rejected(self) -> None:
        self.sandbox.set_faults({"instagram_in_progress_polls": 2, "instagram_container_final": "ERROR"})
        request = self.request()
        first = self.expect_error(NotReady, lambda: self.make_adapter().publish(request))
        assert isinstance(first, NotReady) and first.check_after_s == 5
        resumed = replace(request, progress=first.progress)
        self.expect_error(NotReady, lambda: self.make_adapter().publish(resumed))
        error = self.expect_error(ContentRejected, lambda: self.make_adapter().publish(resumed))
        assert "could not process the media" in error.message and "2207082" in error.message
        assert self.sandbox.creates("instagram", self.account) == []
        containers = [r for r in self.sandbox.requests_log(200, "facebook")
                      if r["method"] == "POST" and r["path"].endswith("/media") and r["account"] == self.account]
        assert len(containers) == 1  # resumed calls only read the status

    def test_page_token_of_the_linked_page_publishes(self) -> None:
        page_token = self.sandbox.mint_token("facebook", "smo_demo_page")["page_access_token"]
        channel = ChannelRef(platform="instagram", external_id="17841400000000001", handle="smo_demo_ig",
                             credentials=Credentials(access_token=page_token))
        result = self.make_adapter().publish(PublishRequest(channel=channel, text=f"Via Page {uuid.uuid4().hex}",
                                                            media=(IMAGE,)))
        assert result.external_id and result.permalink
