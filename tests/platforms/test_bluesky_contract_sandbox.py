"""The adapter contract for Bluesky against the real sandbox process over HTTP; faults via its control API."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from platforms.bluesky import BlueskyAdapter
from platforms.bluesky.adapter import create_session
from platforms.errors import AuthExpired, RateLimited
from platforms.types import ChannelRef, Credentials, MediaItem, PublishRequest
from tests.platforms.contract import AdapterContract, closed_port_url

ACCOUNT = "smodemo.bsky.social"



class TestBlueskyContractAgainstSandbox(AdapterContract):
    @pytest.fixture(autouse=True)
    def _sandbox(self, live_sandbox: Any, settings: Any) -> Iterator[None]:
        self.sandbox, self.settings = live_sandbox, settings
        settings.PLATFORM_ORIGINS = live_sandbox.origins()
        self.minted = live_sandbox.mint_token("bluesky", ACCOUNT)
        yield
        live_sandbox.clear_faults()

    def make_adapter(self) -> BlueskyAdapter:
        return BlueskyAdapter()

    def channel(self) -> ChannelRef:
        creds = Credentials(access_token=self.minted["access_token"], refresh_token=self.minted["refresh_token"],
                            extra={"pds": "https://bsky.social", "did": self.minted["did"]})
        return ChannelRef(platform="bluesky", external_id=self.minted["did"], handle=ACCOUNT, credentials=creds)

    @contextmanager
    def scenario(self, name: str, request: PublishRequest) -> Iterator[None]:
        sandbox = self.sandbox
        create = {"platform": "bluesky", "match": "POST /xrpc/com.atproto.repo.createRecord", "account": ACCOUNT,
                  "count": 1}
        if name == "duplicate":
            # Bluesky has no duplicate check (the sandbox, like Bluesky, accepts a repeat: see below), so this
            # exercises the permanent refusal Bluesky does have: 400 InvalidRequest for a record it rejects.
            sandbox.set_faults({**create, "error_rates": {"400": 1.0}})
        elif name == "auth_expired":
            sandbox.expire_tokens("bluesky", token=self.minted["access_token"])
        elif name == "rate_limited":
            sandbox.set_faults({**create, "rate_limited": {"reset_in_s": 120}})
        elif name == "connect_error":
            self.settings.PLATFORM_ORIGINS = {origin: closed_port_url() for origin in sandbox.origins()}
        elif name == "timeout_after_send":
            self.settings.PLATFORM_READ_TIMEOUT = 0.5
            sandbox.set_faults({**create, "apply_then_hang": {"hang_s": 3}})
        elif name != "ok":
            raise ValueError(name)
        yield

    def _session_logins(self) -> int:
        return sum(1 for r in self.sandbox.requests_log(limit=5000, platform="bluesky")
                   if r["path"] == "/xrpc/com.atproto.server.createSession")

    def test_timeout_after_send_really_created_the_post_and_reconciliation_finds_it(self) -> None:
        request = self.request(f"Applied then hung {uuid.uuid4().hex[:8]}")
        since = datetime.now(UTC) - timedelta(minutes=1)
        with self.scenario("timeout_after_send", request), pytest.raises(Exception):  # noqa: B017 - asserted below
            self.make_adapter().publish(request)
        created = [r for r in self.sandbox.creates("bluesky", ACCOUNT) if r["text"] == request.text]
        assert len(created) == 1
        found = self.make_adapter().find_published(self.channel(), self.make_adapter().fingerprint(request), since)
        assert found is not None and found.external_id == created[0]["id"]

    def test_repeated_text_is_accepted_like_bluesky(self) -> None:
        request = self.request()
        first, second = self.make_adapter().publish(request), self.make_adapter().publish(request)
        assert first.external_id != second.external_id

    def test_thread_and_facets_reuse_the_cached_session(self) -> None:
        logins = self._session_logins()
        tag = uuid.uuid4().hex[:8]
        request = PublishRequest(channel=self.channel(), text=f"Grüße 🎉 #smo {tag} https://example.com/a?b=1 "
                                                              "@sandboxfan.bsky.social", thread=(f"second {tag}",))
        result = self.make_adapter().publish(request)
        assert result.external_id.startswith(f"at://{self.minted['did']}/app.bsky.feed.post/")
        assert len(result.thread_ids) == 1 and result.warning == ""
        assert result.permalink.startswith(f"https://bsky.app/profile/{ACCOUNT}/post/")
        assert self._session_logins() == logins, "publishing must reuse the cached session"

    def test_refresh_rotates_the_session_and_the_old_refresh_token_is_spent(self) -> None:
        adapter = self.make_adapter()
        grant = adapter.refresh(self.channel())
        assert grant.access_token != self.minted["access_token"]
        assert grant.refresh_token and grant.refresh_token != self.minted["refresh_token"]
        assert grant.expires_at is not None and grant.expires_at > datetime.now(UTC) + timedelta(minutes=90)
        assert grant.extra["did"] == self.minted["did"]
        with pytest.raises(AuthExpired):
            adapter.refresh(self.channel())  # the spent refresh JWT
        fresh = ChannelRef(platform="bluesky", external_id=self.minted["did"], handle=ACCOUNT,
                           credentials=Credentials(access_token=grant.access_token, refresh_token=grant.refresh_token,
                                                   extra=grant.extra))
        assert adapter.publish(PublishRequest(channel=fresh, text=f"After refresh {uuid.uuid4().hex[:8]}")).external_id

    def test_verify_and_create_session_and_its_rate_limit(self) -> None:
        account = self.make_adapter().verify(self.channel())
        assert account.external_id == self.minted["did"] and account.handle == ACCOUNT
        handle = f"login{uuid.uuid4().hex[:6]}.bsky.social"
        self.sandbox.mint_token("bluesky", handle)  # creates the account
        grant = create_session("https://bsky.social", handle, "abcd-efgh-ijkl-mnop")
        assert grant.access_token and grant.refresh_token and grant.extra["handle"] == handle
        with pytest.raises(AuthExpired) as wrong:
            create_session("https://bsky.social", handle, "wrong-password")
        assert "wrong-password" not in wrong.value.message
        for _ in range(28):
            create_session("https://bsky.social", handle, "abcd-efgh-ijkl-mnop")
        with pytest.raises(RateLimited) as limited:
            create_session("https://bsky.social", handle, "abcd-efgh-ijkl-mnop")
        assert limited.value.retry_at is not None and limited.value.retry_at > datetime.now(UTC)

    def test_validate_counts_graphemes_not_code_points(self) -> None:
        adapter = self.make_adapter()
        family, flag = "👨‍👩‍👧", "🇩🇪"  # five and two code points, one grapheme each
        text = family * 50 + flag * 250  # 300 graphemes, 2,900 bytes
        assert adapter.validate(self.request(text)) == []
        assert adapter.validate(self.request(text + "a"))
        assert adapter.validate(self.request("e\u0301" * 300)) == []  # decomposed accents count once
        assert adapter.validate(PublishRequest(channel=self.channel(), text="clip", media=(
            MediaItem(url="https://example.com/v.mp4", mime_type="video/mp4"),))) == []
        assert adapter.validate(PublishRequest(channel=self.channel(), text="clip", media=(
            MediaItem(url="https://example.com/v.avi", mime_type="video/x-msvideo"),)))
