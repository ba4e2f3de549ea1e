"""Channel services: connect, refresh under a row lock, reconnect flag, disconnect."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar

import pytest
from django.db import connection

from platforms import registry
from platforms.errors import AuthExpired, TransientError
from platforms.models import Channel, Health
from platforms.selectors import channel_ref, channels_needing_refresh
from platforms.services import (
    channel_connect_finish,
    channel_connect_start,
    channel_disconnect,
    channel_mark_needs_reconnect,
    channel_refresh_token,
)
from platforms.types import ChannelRef, TokenGrant
from platforms.x import XAdapter
from tests.factories import ChannelFactory
from tests.platforms.sandbox_browser import sandbox_decide
from workspaces.models import Workspace

pytestmark = pytest.mark.django_db
REDIRECT = "http://testserver/w/acme/channels/callback/x/"


def connect_via_sandbox(workspace: Workspace, username: str) -> Channel:
    start = channel_connect_start(workspace, "x", REDIRECT)
    location = sandbox_decide(start.url, username)
    code = location.split("code=")[1].split("&")[0]
    return channel_connect_finish(workspace, "x", code, REDIRECT, start.code_verifier)


def sandbox_channel(sandbox: Any, workspace: Workspace, username: str, **overrides: Any) -> Channel:
    minted = sandbox.mint_token("x", username, client_id="smo-sandbox-client")  # the client that refreshes
    fields = {"workspace": workspace, "platform": "x", "external_id": minted["account_id"], "handle": username,
              "credentials": {"access_token": minted["access_token"], "refresh_token": minted["refresh_token"]}}
    return ChannelFactory(**(fields | overrides))


# -- connect ------------------------------------------------------------------------------

def test_connect_creates_the_channel_with_encrypted_tokens(x_sandbox: Any, workspace: Workspace) -> None:
    channel = connect_via_sandbox(workspace, "svc_brand")
    assert (channel.platform, channel.handle, channel.display_name) == ("x", "svc_brand", "Svc Brand")
    assert channel.external_id == next(a["id"] for a in x_sandbox.accounts("x") if a["username"] == "svc_brand")
    ref = channel_ref(Channel.objects.get(pk=channel.pk))
    assert XAdapter().verify(ref).handle == "svc_brand"  # the stored token works
    assert ref.credentials.expires_at == channel.token_expires_at


def test_reconnecting_a_waiting_channel_resumes_its_deliveries(x_sandbox: Any, workspace: Workspace,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    from scheduler import services as scheduler_services

    resumed: list[int] = []
    monkeypatch.setattr(scheduler_services, "deliveries_resume_for_channel", lambda ch: resumed.append(ch.pk),
                        raising=False)
    first = connect_via_sandbox(workspace, "svc_brand")
    connect_via_sandbox(workspace, "svc_brand")  # reconnect of a healthy channel: nothing to resume
    assert resumed == []
    channel_mark_needs_reconnect(first, "X no longer accepts this token")
    again = connect_via_sandbox(workspace, "svc_brand")
    assert again.pk == first.pk and resumed == [first.pk]
    assert (again.health, again.last_error) == (Health.OK, "")


def test_connect_drops_an_oauth1_secret_and_keeps_a_refresh_token(workspace: Workspace, fake_adapter: Any) -> None:
    channel = ChannelFactory(workspace=workspace, external_id="fake-1",
                             credentials={"access_token": "a0", "refresh_token": "r0", "token_secret": "s0"})
    fake_adapter.grant = TokenGrant(access_token="a1", expires_at=datetime.now(UTC) + timedelta(hours=2))
    channel_connect_finish(workspace, "x", "code", REDIRECT, "verifier")
    channel.refresh_from_db()
    assert channel.credentials == {"access_token": "a1", "refresh_token": "r0"}


# -- refresh ------------------------------------------------------------------------------

class FakeTokens:
    """An in-memory adapter for token work: counts refresh calls, optionally slowly."""

    calls: ClassVar[list[str]] = []
    grant: ClassVar[TokenGrant | None] = None
    error: ClassVar[Exception | None] = None
    delay: ClassVar[float] = 0.0
    platform, display_name = "x", "X"

    def refresh(self, channel: ChannelRef) -> TokenGrant:
        type(self).calls.append(channel.credentials.refresh_token)
        time.sleep(self.delay)
        if self.error is not None:
            raise self.error
        return self.grant or TokenGrant(access_token=f"access-{len(self.calls)}",
                                        refresh_token=f"refresh-{len(self.calls)}",
                                        expires_at=datetime.now(UTC) + timedelta(hours=2), scopes=("tweet.read",))

    def exchange_code(self, code: str, redirect_uri: str, code_verifier: str) -> TokenGrant:
        return self.grant or TokenGrant(access_token="exchanged")

    def verify(self, channel: ChannelRef) -> Any:
        from platforms.types import AccountInfo

        return AccountInfo(external_id="fake-1", display_name="Fake", handle="fake")


@pytest.fixture
def fake_adapter() -> Iterator[type[FakeTokens]]:
    FakeTokens.calls, FakeTokens.grant, FakeTokens.error, FakeTokens.delay = [], None, None, 0.0
    registry.override("x", FakeTokens)
    yield FakeTokens
    registry.override("x", None)


def test_refresh_stores_the_new_tokens(x_sandbox: Any, workspace: Workspace) -> None:
    channel = sandbox_channel(x_sandbox, workspace, "svc_refresh")
    old = dict(channel.credentials)
    fresh = channel_refresh_token(channel)
    assert fresh.credentials["access_token"] != old["access_token"]
    assert fresh.credentials["refresh_token"] not in ("", old["refresh_token"])  # the sandbox rotates it
    assert fresh.token_expires_at > datetime.now(UTC) + timedelta(minutes=100)
    assert XAdapter().verify(channel_ref(fresh)).handle == "svc_refresh"


def test_refresh_keeps_the_old_refresh_token_when_none_is_returned(workspace: Workspace, fake_adapter: Any) -> None:
    channel = ChannelFactory(workspace=workspace, credentials={"access_token": "a0", "refresh_token": "keep-me"})
    fake_adapter.grant = TokenGrant(access_token="a1", expires_at=datetime.now(UTC) + timedelta(hours=2))
    channel_refresh_token(channel)
    channel.refresh_from_db()
    assert channel.credentials == {"access_token": "a1", "refresh_token": "keep-me"}


def test_a_spent_refresh_token_flags_the_channel(x_sandbox: Any, workspace: Workspace) -> None:
    channel = sandbox_channel(x_sandbox, workspace, "svc_revoked")
    x_sandbox.expire_tokens("x", "svc_revoked", revoke_refresh=True)
    with pytest.raises(AuthExpired):
        channel_refresh_token(channel)
    channel.refresh_from_db()
    assert channel.health == Health.NEEDS_RECONNECT and "connect the account again" in channel.last_error


def test_a_transient_failure_leaves_the_channel_as_it_was(x_sandbox: Any, workspace: Workspace) -> None:
    channel = sandbox_channel(x_sandbox, workspace, "svc_flaky")
    before = (dict(channel.credentials), channel.health)
    x_sandbox.set_faults({"platform": "x", "match": "POST /2/oauth2/token", "count": 1, "error_rates": {"503": 1.0}})
    with pytest.raises(TransientError):
        channel_refresh_token(channel)
    channel.refresh_from_db()
    assert (channel.credentials, channel.health) == before


def test_a_stale_caller_reuses_the_refresh_someone_else_did(workspace: Workspace, fake_adapter: Any) -> None:
    ChannelFactory(workspace=workspace, credentials={"access_token": "a0", "refresh_token": "r0"})
    mine, theirs = Channel.objects.get(), Channel.objects.get()
    channel_refresh_token(theirs)
    result = channel_refresh_token(mine)  # loaded before theirs refreshed
    assert fake_adapter.calls == ["r0"]
    assert result.credentials["access_token"] == "access-1"


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_concurrent_refreshes_call_the_token_endpoint_once(workspace: Workspace, fake_adapter: Any) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: SQLite has no row locks to contend on")
    ChannelFactory(workspace=workspace, credentials={"access_token": "a0", "refresh_token": "single-use"})
    fake_adapter.delay = 0.5  # long enough that both threads are inside the refresh at once
    channels = [Channel.objects.get(), Channel.objects.get()]
    results: list[str] = []
    errors: list[BaseException] = []

    def refresh(channel: Channel) -> None:
        try:
            results.append(channel_refresh_token(channel).credentials["access_token"])
        except BaseException as exc:  # surfaced by the assertion below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=refresh, args=(channel,)) for channel in channels]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=20)
    assert errors == []
    assert fake_adapter.calls == ["single-use"]
    assert results == ["access-1", "access-1"]


# -- flags, disconnect, reads -------------------------------------------------------------

def test_mark_needs_reconnect(channel: Channel) -> None:
    channel_mark_needs_reconnect(channel, "X no longer accepts this token." + "!" * 2000)
    stored = Channel.objects.get(pk=channel.pk)
    assert stored.health == Health.NEEDS_RECONNECT and len(stored.last_error) == 1000


def test_disconnect_forgets_tokens_but_keeps_the_channel(channel: Channel) -> None:
    channel_disconnect(channel)
    stored = Channel.objects.get(pk=channel.pk)
    assert stored.credentials == {} and stored.token_expires_at is None and stored.scopes == []
    assert stored.health == Health.NEEDS_RECONNECT and "Disconnected" in stored.last_error


def test_channel_ref_maps_stored_credentials(channel: Channel) -> None:
    Channel.objects.filter(pk=channel.pk).update()
    channel.credentials = {**channel.credentials, "token_secret": "s", "page_id": "99", "expires_at": "ignored"}
    ref = channel_ref(channel)
    assert (ref.platform, ref.external_id, ref.handle) == ("x", "4242", "acme")
    assert ref.credentials.token_secret == "s" and ref.credentials.extra == {"page_id": "99"}


def test_channels_needing_refresh(workspace: Workspace) -> None:
    now = datetime.now(UTC)
    soon = ChannelFactory(workspace=workspace, token_expires_at=now + timedelta(minutes=5))
    ChannelFactory(workspace=workspace, token_expires_at=now + timedelta(hours=2))
    ChannelFactory(workspace=workspace, token_expires_at=None)
    ChannelFactory(workspace=workspace, token_expires_at=now, health=Health.NEEDS_RECONNECT)
    assert list(channels_needing_refresh(now=now)) == [soon]
