"""The contract every adapter passes. Subclass `AdapterContract` in a `Test…` class and provide:

- `make_adapter()` -> the adapter under test;
- `channel()` -> a ChannelRef whose credentials work (its access token is what must never leak);
- `scenario(name, request)` -> a context manager arranging what the next call to the platform meets.
  Names: "ok" (creates succeed and the timeline shows what was created), "duplicate", "auth_expired",
  "rate_limited", "connect_error", "timeout_after_send". `request` is the PublishRequest the test is
  about to publish (a sandbox may publish it once to arrange a duplicate; fixtures may echo it).

Each test publishes text unique to it, so a shared sandbox cannot produce accidental duplicates.
"""

from __future__ import annotations

import socket
import uuid
from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from platforms.base import Adapter
from platforms.errors import (
    AuthExpired,
    ContentRejected,
    OutcomeUnknown,
    PlatformError,
    RateLimited,
    TransientError,
)
from platforms.types import ChannelRef, PublishRequest


def closed_port_url() -> str:
    """A local URL where nothing listens: connecting is refused at once (the "connect_error" scenario)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}"


class AdapterContract:
    # -- hooks --------------------------------------------------------------------------------

    def make_adapter(self) -> Adapter:
        raise NotImplementedError

    def channel(self) -> ChannelRef:
        raise NotImplementedError

    def scenario(self, name: str, request: PublishRequest) -> AbstractContextManager[Any]:
        raise NotImplementedError

    # -- helpers ------------------------------------------------------------------------------

    def request(self, text: str | None = None) -> PublishRequest:
        return PublishRequest(channel=self.channel(), text=text or f"Contract post {uuid.uuid4().hex[:12]}")

    def secrets(self) -> list[str]:
        creds = self.channel().credentials
        return [value for value in (creds.access_token, creds.refresh_token, creds.token_secret) if value]

    def expect_error(self, error: type[PlatformError], call: Callable[[], Any]) -> PlatformError:
        with pytest.raises(error) as caught:
            call()
        rendered = f"{caught.value} {caught.value.message} {caught.value!r}"
        for secret in self.secrets():
            assert secret not in rendered, "an error message contains a credential"
        assert caught.value.message, "errors carry a readable message"
        return caught.value

    def platform_name(self, adapter: Adapter) -> str:
        return adapter.display_name

    # -- capabilities and validation ----------------------------------------------------------

    def test_capabilities_are_sane(self) -> None:
        adapter = self.make_adapter()
        caps = adapter.capabilities
        assert adapter.platform and adapter.display_name
        assert caps.text_limit > 0
        assert caps.length_rule.strip()
        assert caps.max_images >= 0 and caps.max_videos >= 0
        assert all(isinstance(kind, str) and kind for kind in caps.inbox_kinds)

    def test_validate_accepts_a_simple_post(self) -> None:
        assert self.make_adapter().validate(self.request("Hello from the contract suite")) == []

    def test_validate_names_the_platform_for_an_over_limit_post(self) -> None:
        adapter = self.make_adapter()
        problems = adapter.validate(self.request("a" * (adapter.capabilities.text_limit + 1)))
        assert problems
        assert all(self.platform_name(adapter) in problem for problem in problems)

    # -- fingerprint --------------------------------------------------------------------------

    def test_fingerprint_is_stable_and_differs_for_different_text(self) -> None:
        adapter = self.make_adapter()
        one, other = self.request("Same words here"), self.request("Other words here")
        assert adapter.fingerprint(one) == adapter.fingerprint(self.request("Same words here"))
        assert adapter.fingerprint(one) != adapter.fingerprint(other)
        assert isinstance(adapter.fingerprint(one), str) and adapter.fingerprint(one)

    # -- publishing ---------------------------------------------------------------------------

    def test_publish_returns_an_id(self) -> None:
        request = self.request()
        with self.scenario("ok", request):
            result = self.make_adapter().publish(request)
        assert isinstance(result.external_id, str) and result.external_id
        assert result.warning == ""

    def test_duplicate_is_content_rejected(self) -> None:
        request = self.request()
        with self.scenario("duplicate", request):
            self.expect_error(ContentRejected, lambda: self.make_adapter().publish(request))

    def test_expired_token_is_auth_expired(self) -> None:
        request = self.request()
        with self.scenario("auth_expired", request):
            self.expect_error(AuthExpired, lambda: self.make_adapter().publish(request))

    def test_rate_limit_gives_a_future_retry_time(self) -> None:
        request = self.request()
        with self.scenario("rate_limited", request):
            error = self.expect_error(RateLimited, lambda: self.make_adapter().publish(request))
        assert isinstance(error, RateLimited)
        assert error.retry_at is not None and error.retry_at > datetime.now(UTC)

    def test_connect_error_is_transient(self) -> None:
        request = self.request()
        with self.scenario("connect_error", request):
            self.expect_error(TransientError, lambda: self.make_adapter().publish(request))

    def test_timeout_after_sending_is_outcome_unknown(self) -> None:
        request = self.request()
        with self.scenario("timeout_after_send", request):
            self.expect_error(OutcomeUnknown, lambda: self.make_adapter().publish(request))

    # -- reconciliation -----------------------------------------------------------------------

    def test_find_published_finds_a_post_by_fingerprint(self) -> None:
        adapter = self.make_adapter()
        request = self.request(f"Reconcile me {uuid.uuid4().hex[:8]} https://example.com/landing?utm_source=smo")
        since = datetime.now(UTC) - timedelta(minutes=1)
        with self.scenario("ok", request):
            published = adapter.publish(request)
            found = adapter.find_published(self.channel(), adapter.fingerprint(request), since)
        assert found is not None
        assert found.external_id == published.external_id

    def test_find_published_returns_none_for_an_unknown_fingerprint(self) -> None:
        adapter = self.make_adapter()
        request = self.request()
        since = datetime.now(UTC) - timedelta(minutes=1)
        with self.scenario("ok", request):
            adapter.publish(request)
            unknown = adapter.fingerprint(self.request(f"Never published {uuid.uuid4().hex}"))
            assert adapter.find_published(self.channel(), unknown, since) is None
