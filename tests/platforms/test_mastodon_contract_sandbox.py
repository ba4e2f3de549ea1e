"""The adapter contract for Mastodon against the real sandbox process over HTTP; faults via its control API."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from platforms.mastodon import MastodonAdapter
from platforms.mastodon.adapter import idempotency_key
from platforms.mastodon.client import Connection, connect
from platforms.types import ChannelRef, Credentials, PublishRequest
from tests.platforms.contract import AdapterContract, closed_port_url

ACCOUNT = "contract_mastodon"
INSTANCE = "https://mastodon.example"


class TestMastodonContractAgainstSandbox(AdapterContract):
    @pytest.fixture(autouse=True)
    def _sandbox(self, live_sandbox: Any, settings: Any) -> Iterator[None]:
        self.sandbox, self.settings = live_sandbox, settings
        settings.PLATFORM_ORIGINS = live_sandbox.origins()
        self.minted = live_sandbox.mint_token("mastodon", ACCOUNT)
        yield
        live_sandbox.clear_faults()

    def make_adapter(self) -> MastodonAdapter:
        return MastodonAdapter()

    def channel(self) -> ChannelRef:
        creds = Credentials(access_token=self.minted["access_token"], extra={"instance_url": INSTANCE})
        return ChannelRef(platform="mastodon", external_id=self.minted["account_id"], handle=ACCOUNT,
                          credentials=creds)

    @contextmanager
    def scenario(self, name: str, request: PublishRequest) -> Iterator[None]:
        sandbox = self.sandbox
        rule = {"platform": "mastodon", "match": "POST /api/v1/statuses", "account": ACCOUNT, "count": 1}
        if name == "duplicate":
            # Mastodon has no duplicate check (the Idempotency-Key makes a repeat harmless); what the
            # contract asks is that a refusal of the content (422 "Validation failed") is ContentRejected.
            sandbox.set_faults({**rule, "error_rates": {"422": 1.0}})
        elif name == "auth_expired":
            sandbox.expire_tokens("mastodon", token=self.minted["access_token"])
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

    def test_a_repeated_create_with_the_same_key_returns_the_same_status(self) -> None:
        request = self.request(f"Idempotent {uuid.uuid4().hex[:8]}")
        adapter = self.make_adapter()
        first = adapter.publish(request)
        second = adapter.publish(request)  # the engine's retry of the same delivery
        assert second.external_id == first.external_id
        texts = [record["text"] for record in self.sandbox.creates("mastodon", ACCOUNT)]
        assert texts.count(request.text) == 1

    def test_a_different_key_creates_a_second_status(self) -> None:
        """Proves the test above is about the key: without it the sandbox would post again."""
        request = self.request(f"Keyed {uuid.uuid4().hex[:8]}")
        conn: Connection = connect(self.channel())
        for key in (idempotency_key(request, "a"), idempotency_key(request, "b")):
            conn.json("POST", "/api/v1/statuses", json={"status": request.text}, create=True,
                      headers={"Idempotency-Key": key})
        texts = [record["text"] for record in self.sandbox.creates("mastodon", ACCOUNT)]
        assert texts.count(request.text) == 2

    def test_timeout_after_send_then_retry_never_posts_twice(self) -> None:
        request = self.request(f"Applied then hung {uuid.uuid4().hex[:8]}")
        with self.scenario("timeout_after_send", request), pytest.raises(Exception):  # noqa: B017 - asserted below
            self.make_adapter().publish(request)
        self.settings.PLATFORM_READ_TIMEOUT = 20
        retried = self.make_adapter().publish(request)
        records = [r for r in self.sandbox.creates("mastodon", ACCOUNT) if r["text"] == request.text]
        assert [r["id"] for r in records] == [retried.external_id]

    def test_verify_names_the_account_with_its_instance_and_the_instance_limit(self) -> None:
        self.sandbox.set_faults({"mastodon_max_characters": 5000})
        account = self.make_adapter().verify(self.channel())
        assert account.handle == f"{ACCOUNT}@mastodon.example"
        # ids are unique per instance only, so the channel's id names the instance too
        assert account.external_id == f"{self.minted['account_id']}@mastodon.example"
        assert account.info["max_characters"] == 5000


def test_media_with_alt_text_waits_for_processing_then_publishes(live_sandbox: Any, settings: Any,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    from platforms.errors import NotReady
    from platforms.mastodon import media
    from platforms.types import MediaItem

    settings.PLATFORM_ORIGINS = live_sandbox.origins()
    monkeypatch.setattr(media, "fetch", lambda item: b"\x00video-bytes")
    minted = live_sandbox.mint_token("mastodon", ACCOUNT)
    channel = ChannelRef(platform="mastodon", external_id=minted["account_id"], handle=ACCOUNT,
                         credentials=Credentials(access_token=minted["access_token"], extra={"instance_url": INSTANCE}))
    clip = MediaItem(url="https://smo.example/m/clip.mp4", mime_type="video/mp4", alt_text="A cat, jumping")
    request = PublishRequest(channel=channel, text=f"Video {uuid.uuid4().hex[:8]}", media=(clip,))
    adapter = MastodonAdapter()
    with pytest.raises(NotReady) as waiting:
        adapter.publish(request)  # 202 on upload: still processing
    progress = waiting.value.progress
    uploads = [r for r in live_sandbox.requests_log(platform="mastodon") if r["path"] == "/api/v2/media"]
    for _ in range(3):  # the engine calls again with the progress until the media is ready
        try:
            result = adapter.publish(PublishRequest(channel=channel, text=request.text, media=(clip,),
                                                    progress=progress))
            break
        except NotReady as exc:
            progress = exc.progress
    assert result.external_id
    assert [r for r in live_sandbox.requests_log(platform="mastodon") if r["path"] == "/api/v2/media"] == uploads
    status = connect(channel).json("GET", f"/api/v1/statuses/{result.external_id}")
    assert [m["description"] for m in status["media_attachments"]] == ["A cat, jumping"]
