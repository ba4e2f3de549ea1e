"""The adapter contract for X against the real sandbox process over HTTP; faults via its control API."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from platforms.types import ChannelRef, Credentials, PublishRequest, ReplyTarget
from platforms.x import XAdapter
from tests.platforms.contract import AdapterContract, closed_port_url

ACCOUNT = "contract_x"



class TestXContractAgainstSandbox(AdapterContract):
    @pytest.fixture(autouse=True)
    def _sandbox(self, live_sandbox: Any, settings: Any) -> Iterator[None]:
        self.sandbox, self.settings = live_sandbox, settings
        settings.PLATFORM_ORIGINS = live_sandbox.origins()
        settings.X_CONSUMER_KEY = settings.X_CONSUMER_SECRET = None
        # A fresh token per test, so expiring it cannot leak into the next test.
        self.minted = live_sandbox.mint_token("x", ACCOUNT)
        yield
        live_sandbox.clear_faults()

    def make_adapter(self) -> XAdapter:
        return XAdapter()

    def channel(self) -> ChannelRef:
        creds = Credentials(access_token=self.minted["access_token"], refresh_token=self.minted["refresh_token"])
        return ChannelRef(platform="x", external_id=self.minted["account_id"], handle=ACCOUNT, credentials=creds)

    @contextmanager
    def scenario(self, name: str, request: PublishRequest) -> Iterator[None]:
        sandbox = self.sandbox
        if name == "duplicate":
            XAdapter().publish(request)  # the first copy; the test's publish is then the duplicate
        elif name == "auth_expired":
            sandbox.expire_tokens("x", token=self.minted["access_token"])
        elif name == "rate_limited":
            sandbox.set_faults({"platform": "x", "match": "POST /2/tweets", "account": ACCOUNT, "count": 1,
                                "rate_limited": {"reset_in_s": 120}})
        elif name == "connect_error":
            self.settings.PLATFORM_ORIGINS = {origin: closed_port_url() for origin in sandbox.origins()}
        elif name == "timeout_after_send":
            self.settings.PLATFORM_READ_TIMEOUT = 0.5
            sandbox.set_faults({"platform": "x", "match": "POST /2/tweets", "account": ACCOUNT, "count": 1,
                                "apply_then_hang": {"hang_s": 3}})
        elif name != "ok":
            raise ValueError(name)
        yield

    def test_timeout_after_send_really_created_the_post(self) -> None:
        """The point of OutcomeUnknown: the sandbox applied the create although we saw a timeout."""
        request = self.request(f"Applied then hung {uuid.uuid4().hex[:8]}")
        with self.scenario("timeout_after_send", request), pytest.raises(Exception):  # noqa: B017 - asserted below
            self.make_adapter().publish(request)
        texts = [record["text"] for record in self.sandbox.creates("x", ACCOUNT)]
        assert request.text in texts

    def test_thread_and_verify_and_inbox_round_trip(self) -> None:
        adapter = self.make_adapter()
        tag = uuid.uuid4().hex[:8]
        request = PublishRequest(channel=self.channel(), text=f"Thread root {tag}",
                                 thread=(f"second {tag}", f"third {tag}"))
        result = adapter.publish(request)
        assert len(result.thread_ids) == 2 and result.warning == ""
        account = adapter.verify(self.channel())
        assert account.handle == ACCOUNT and account.external_id == self.minted["account_id"]
        fan = self.sandbox.mint_token("x", "contract_fan")
        fan_channel = ChannelRef(platform="x", external_id=fan["account_id"], handle="contract_fan",
                                 credentials=Credentials(access_token=fan["access_token"]))
        mention = adapter.publish(PublishRequest(channel=fan_channel, text=f"@{ACCOUNT} love it {tag}"))
        page = adapter.fetch_inbox(self.channel(), "")
        found = [item for item in page.items if item.external_id == mention.external_id]
        assert found and found[0].author_handle == "contract_fan" and found[0].kind == "mention"
        assert adapter.fetch_inbox(self.channel(), page.cursor).items == ()
        answer = adapter.reply(self.channel(), ReplyTarget(kind="mention", external_id=mention.external_id),
                               f"@contract_fan thanks {tag}")
        assert answer.external_id
        replies = [r for r in self.sandbox.creates("x", ACCOUNT) if r["id"] in result.thread_ids]
        assert [r["text"] for r in replies] == [f"second {tag}", f"third {tag}"]
