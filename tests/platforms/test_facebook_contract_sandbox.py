"""The adapter contract for Facebook Pages against the real sandbox process; faults via its control API."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from platforms.facebook import FacebookAdapter
from platforms.types import ChannelRef, Credentials, MediaItem, PublishRequest
from tests.platforms.contract import AdapterContract, closed_port_url

PAGE = "contract_fb_page"



class TestFacebookContractAgainstSandbox(AdapterContract):
    @pytest.fixture(autouse=True)
    def _sandbox(self, live_sandbox: Any, settings: Any) -> Iterator[None]:
        self.sandbox, self.settings = live_sandbox, settings
        settings.PLATFORM_ORIGINS = live_sandbox.origins()
        settings.FACEBOOK_GRAPH_VERSION = "v21.0"
        self.minted = live_sandbox.mint_token("facebook", PAGE)  # fresh per test: expiring cannot leak
        yield
        live_sandbox.clear_faults()

    def make_adapter(self) -> FacebookAdapter:
        return FacebookAdapter()

    def channel(self) -> ChannelRef:
        return ChannelRef(platform="facebook", external_id=self.minted["page_id"], handle=PAGE,
                          credentials=Credentials(access_token=self.minted["page_access_token"]))

    @contextmanager
    def scenario(self, name: str, request: PublishRequest) -> Iterator[None]:
        sandbox = self.sandbox
        if name == "duplicate":
            FacebookAdapter().publish(request)  # the first copy; the test's publish is the duplicate
        elif name == "auth_expired":
            sandbox.expire_tokens("facebook", token=self.minted["page_access_token"])
        elif name == "rate_limited":
            sandbox.set_faults({"platform": "facebook", "match": "POST /*/feed", "account": PAGE, "count": 1,
                                "rate_limited": {"reset_in_s": 600}})
        elif name == "connect_error":
            self.settings.PLATFORM_ORIGINS = {origin: closed_port_url() for origin in sandbox.origins()}
        elif name == "timeout_after_send":
            self.settings.PLATFORM_READ_TIMEOUT = 0.5
            sandbox.set_faults({"platform": "facebook", "match": "POST /*/feed", "account": PAGE, "count": 1,
                                "apply_then_hang": {"hang_s": 3}})
        elif name != "ok":
            raise ValueError(name)
        yield

    def test_timeout_after_send_really_created_the_post(self) -> None:
        request = self.request(f"Applied then hung {uuid.uuid4().hex[:8]}")
        with self.scenario("timeout_after_send", request), pytest.raises(Exception):  # noqa: B017 - asserted below
            self.make_adapter().publish(request)
        assert request.text in [record["text"] for record in self.sandbox.creates("facebook", PAGE)]

    def test_multi_photo_post_with_first_comment_and_verify(self) -> None:
        tag = uuid.uuid4().hex[:8]
        media = tuple(MediaItem(url=f"https://example.org/{tag}/{n}.jpg", mime_type="image/jpeg") for n in range(3))
        request = PublishRequest(channel=self.channel(), text=f"Album {tag}", link="https://example.org/x",
                                 media=media, first_comment=f"More at the link {tag}")
        result = self.make_adapter().publish(request)
        assert result.warning == "" and result.external_id.startswith(self.minted["page_id"] + "_")
        creates = [c for c in self.sandbox.creates("facebook", PAGE) if tag in c["text"]]
        assert [c["text"] for c in creates] == [f"Album {tag}\n\nhttps://example.org/x", f"More at the link {tag}"]
        account = self.make_adapter().verify(self.channel())
        assert account.external_id == self.minted["page_id"] and account.handle == PAGE

    def test_single_photo_and_link_posts(self) -> None:
        tag = uuid.uuid4().hex[:8]
        adapter = self.make_adapter()
        image = MediaItem(url="https://example.org/p.jpg", mime_type="image/png")
        photo = adapter.publish(PublishRequest(channel=self.channel(), text=f"One photo {tag}", media=(image,)))
        link = adapter.publish(PublishRequest(channel=self.channel(), text="", link=f"https://example.org/{tag}"))
        assert photo.external_id != link.external_id
        found = adapter.find_published(self.channel(), adapter.fingerprint(
            PublishRequest(channel=self.channel(), text="", link=f"https://example.org/{tag}")),
            since=datetime.now(UTC) - timedelta(minutes=1))
        assert found is not None and found.external_id == link.external_id

    def test_failed_first_comment_is_a_warning(self) -> None:
        self.sandbox.set_faults({"platform": "facebook", "match": "POST /*/comments", "count": 1,
                                 "error_rates": {"500": 1.0}})
        request = PublishRequest(channel=self.channel(), text=f"Post {uuid.uuid4().hex[:8]}", first_comment="hi")
        result = self.make_adapter().publish(request)
        assert result.external_id and "first comment failed" in result.warning
