"""The adapter contract for X against `responses` fixtures shaped like the real API."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
import requests
import responses

from platforms.types import ChannelRef, Credentials, PublishRequest
from platforms.x import XAdapter
from tests.platforms.contract import AdapterContract
from tests.platforms.fake_x import API, USER_ID, FakeX, connect_refused

ACCESS_TOKEN = "contract-access-token-7f3a9c"


class TestXContractWithFixtures(AdapterContract):
    @pytest.fixture(autouse=True)
    def _fake_x(self, settings) -> Iterator[None]:
        settings.PLATFORM_ORIGINS = {}  # talk to the real hosts, which `responses` intercepts
        with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
            self.fake = FakeX(mock)
            yield

    def make_adapter(self) -> XAdapter:
        return XAdapter()

    def channel(self) -> ChannelRef:
        return ChannelRef(platform="x", external_id=USER_ID, handle="smo_demo",
                          credentials=Credentials(access_token=ACCESS_TOKEN, refresh_token="contract-refresh-1b2c"))

    @contextmanager
    def scenario(self, name: str, request: PublishRequest) -> Iterator[None]:
        fake = self.fake
        if name == "ok":
            fake.install_ok()
        elif name == "duplicate":
            fake.fail_create(403, "duplicate_403")
        elif name == "auth_expired":
            fake.fail_create(401, "unauthorized_401")
        elif name == "rate_limited":
            reset = str(int(time.time()) + 900)
            fake.fail_create(429, "rate_limited_429", {"x-rate-limit-limit": "200", "x-rate-limit-remaining": "0",
                                                       "x-rate-limit-reset": reset})
        elif name == "connect_error":
            fake.raise_on_create(connect_refused(f"{API}/2/tweets"))
        elif name == "timeout_after_send":
            fake.raise_on_create(requests.ReadTimeout("Read timed out. (read timeout=20.0)"))
        else:
            raise ValueError(name)
        yield
