"""The adapter contract for Facebook Pages against `responses` fixtures shaped like the real Graph API."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
import requests
import responses

from platforms.facebook import FacebookAdapter
from platforms.types import ChannelRef, Credentials, PublishRequest
from tests.platforms.contract import AdapterContract
from tests.platforms.fake_facebook import GRAPH, PAGE_ID, FakeFacebook, fixture
from tests.platforms.fake_x import connect_refused

PAGE_TOKEN = "contract-page-token-4e1d8b"


class TestFacebookContractWithFixtures(AdapterContract):
    @pytest.fixture(autouse=True)
    def _fake_facebook(self, settings) -> Iterator[None]:
        settings.PLATFORM_ORIGINS = {}  # talk to the real hosts, which `responses` intercepts
        settings.FACEBOOK_GRAPH_VERSION = "v21.0"
        with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
            self.fake = FakeFacebook(mock)
            yield

    def make_adapter(self) -> FacebookAdapter:
        return FacebookAdapter()

    def channel(self) -> ChannelRef:
        return ChannelRef(platform="facebook", external_id=PAGE_ID, handle="smodemopage",
                          credentials=Credentials(access_token=PAGE_TOKEN))

    @contextmanager
    def scenario(self, name: str, request: PublishRequest) -> Iterator[None]:
        fake = self.fake
        if name == "ok":
            fake.install_ok()
        elif name == "duplicate":
            fake.fail(responses.POST, "feed", fixture("error_506"))
        elif name == "auth_expired":
            fake.fail(responses.POST, "feed", fixture("error_190_463"))
        elif name == "rate_limited":
            usage = {PAGE_ID: [{"type": "pages", "call_count": 100, "total_cputime": 12, "total_time": 20,
                                "estimated_time_to_regain_access": 17}]}
            fake.fail(responses.POST, "feed", fixture("error_32"),
                      headers={"X-Business-Use-Case-Usage": json.dumps(usage)})
        elif name == "connect_error":
            fake.raise_on(responses.POST, "feed", connect_refused(f"{GRAPH}/{PAGE_ID}/feed"))
        elif name == "timeout_after_send":
            fake.raise_on(responses.POST, "feed", requests.ReadTimeout("Read timed out. (read timeout=20.0)"))
        else:
            raise ValueError(name)
        yield

    def test_form_body_carries_token_message_and_link(self) -> None:
        self.fake.install_ok()
        request = PublishRequest(channel=self.channel(), text="Hello", link="https://example.org/a")
        self.make_adapter().publish(request)
        [(path, form)] = self.fake.forms
        assert path == f"/{PAGE_ID}/feed"
        assert form == {"message": "Hello", "link": "https://example.org/a", "access_token": PAGE_TOKEN}
