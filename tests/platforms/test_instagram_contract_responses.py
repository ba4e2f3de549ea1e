"""The adapter contract for Instagram against `responses` fixtures shaped like the real Graph API."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
import requests
import responses

from platforms.instagram import InstagramAdapter
from platforms.types import ChannelRef, Credentials, MediaItem, PublishRequest
from tests.platforms.contract import AdapterContract
from tests.platforms.fake_instagram import GRAPH, IG_ID, FakeInstagram, fixture
from tests.platforms.fake_x import connect_refused

PAGE_TOKEN = "contract-ig-page-token-9a7c1e"
IMAGE = MediaItem(url="https://example.org/contract.jpg", mime_type="image/jpeg")


class TestInstagramContractWithFixtures(AdapterContract):
    @pytest.fixture(autouse=True)
    def _fake_instagram(self, settings) -> Iterator[None]:
        settings.PLATFORM_ORIGINS = {}  # talk to the real hosts, which `responses` intercepts
        settings.FACEBOOK_GRAPH_VERSION = "v21.0"
        with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
            self.fake = FakeInstagram(mock)
            yield

    def make_adapter(self) -> InstagramAdapter:
        return InstagramAdapter()

    def channel(self) -> ChannelRef:
        return ChannelRef(platform="instagram", external_id=IG_ID, handle="smodemo",
                          credentials=Credentials(access_token=PAGE_TOKEN))

    def request(self, text: str | None = None) -> PublishRequest:
        return PublishRequest(channel=self.channel(), text=text or "Contract post", media=(IMAGE,))

    @contextmanager
    def scenario(self, name: str, request: PublishRequest) -> Iterator[None]:
        fake = self.fake
        # responses answers a URL with the first registered match: failures go in before the happy path.
        if name == "duplicate":
            fake.fail(responses.POST, f"{IG_ID}/media_publish", fixture("error_2207001"))
        elif name == "auth_expired":
            fake.fail(responses.GET, f"{IG_ID}/content_publishing_limit", fixture("error_190_463"))
        elif name == "rate_limited":
            fake.limit = "content_publishing_limit_full"
        elif name == "connect_error":
            fake.raise_on(responses.POST, f"{IG_ID}/media_publish", connect_refused(f"{GRAPH}/{IG_ID}/media_publish"))
        elif name == "timeout_after_send":
            fake.raise_on(responses.POST, f"{IG_ID}/media_publish",
                          requests.ReadTimeout("Read timed out. (read timeout=20.0)"))
        elif name != "ok":
            raise ValueError(name)
        fake.install_ok()
        yield
