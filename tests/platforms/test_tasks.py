"""The periodic token refresh, against the live sandbox: refreshed once, retried, flagged, never raced."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar

import pytest
from django.db import connection
from django.utils import timezone

from platforms import registry
from platforms.models import Channel, Health
from platforms.selectors import channel_ref
from platforms.tasks import refresh_expiring_tokens
from platforms.types import ChannelRef, TokenGrant
from platforms.x import XAdapter
from tests.factories import ChannelFactory, DeliveryFactory
from workspaces.models import Workspace

pytestmark = pytest.mark.django_db


def expiring_sandbox_channel(sandbox: Any, workspace: Workspace, username: str, minutes: int = 5) -> Channel:
    minted = sandbox.mint_token("x", username, client_id="smo-sandbox-client")
    return ChannelFactory(workspace=workspace, platform="x", external_id=minted["account_id"], handle=username,
                          credentials={"access_token": minted["access_token"],
                                       "refresh_token": minted["refresh_token"]},
                          token_expires_at=timezone.now() + timedelta(minutes=minutes))


def token_calls(sandbox: Any) -> int:
    log = sandbox.requests_log(limit=100_000, platform="x")
    return sum(1 for r in log if r["method"] == "POST" and r["path"] == "/2/oauth2/token")


def test_refreshes_expiring_channels_only(x_sandbox: Any, workspace: Workspace) -> None:
    soon = expiring_sandbox_channel(x_sandbox, workspace, "task_soon")
    later = expiring_sandbox_channel(x_sandbox, workspace, "task_later", minutes=90)
    before = token_calls(x_sandbox)
    assert refresh_expiring_tokens() == {"refreshed": 1, "needs_reconnect": 0, "retry": 0}
    assert token_calls(x_sandbox) == before + 1
    soon_before, later_before = dict(soon.credentials), dict(later.credentials)
    soon.refresh_from_db()
    later.refresh_from_db()
    assert soon.credentials["access_token"] != soon_before["access_token"]
    assert soon.credentials["refresh_token"] not in ("", soon_before["refresh_token"])  # rotated
    assert soon.token_expires_at > timezone.now() + timedelta(minutes=100)
    assert XAdapter().verify(channel_ref(soon)).handle == "task_soon"  # the new token works
    assert later.credentials == later_before


def test_a_transient_failure_is_retried_next_run_and_never_disconnects(x_sandbox: Any, workspace: Workspace) -> None:
    channel = expiring_sandbox_channel(x_sandbox, workspace, "task_flaky")
    stored = dict(channel.credentials)
    x_sandbox.set_faults({"platform": "x", "match": "POST /2/oauth2/token", "count": 1, "error_rates": {"503": 1.0}})
    assert refresh_expiring_tokens() == {"refreshed": 0, "needs_reconnect": 0, "retry": 1}
    channel.refresh_from_db()
    assert channel.health == Health.OK and channel.credentials == stored
    assert channel.last_error_code == "refresh_failed" and channel.last_error.startswith("Renewing the login failed")

    assert refresh_expiring_tokens()["refreshed"] == 1  # the fault is spent: the next run succeeds
    channel.refresh_from_db()
    assert channel.credentials["access_token"] != stored["access_token"]
    assert (channel.health, channel.last_error, channel.last_error_code) == (Health.OK, "", "")


def test_a_rate_limited_refresh_waits_for_the_next_run(x_sandbox: Any, workspace: Workspace) -> None:
    channel = expiring_sandbox_channel(x_sandbox, workspace, "task_limited")
    x_sandbox.set_faults({"platform": "x", "match": "POST /2/oauth2/token", "count": 1, "error_rates": {"429": 1.0}})
    assert refresh_expiring_tokens()["retry"] == 1
    channel.refresh_from_db()
    assert channel.health == Health.OK and channel.last_error_code == "refresh_failed"


def test_a_revoked_refresh_token_flags_the_channel(x_sandbox: Any, workspace: Workspace) -> None:
    channel = expiring_sandbox_channel(x_sandbox, workspace, "task_revoked")
    other = expiring_sandbox_channel(x_sandbox, workspace, "task_fine")
    x_sandbox.expire_tokens("x", "task_revoked", revoke_refresh=True)
    assert refresh_expiring_tokens() == {"refreshed": 1, "needs_reconnect": 1, "retry": 0}
    channel.refresh_from_db()
    other.refresh_from_db()
    assert channel.health == Health.NEEDS_RECONNECT and "connect the account again" in channel.last_error
    assert channel.last_error_code  # the platform's code, which picks the advice on the channels page
    assert other.health == Health.OK
    assert refresh_expiring_tokens() == {"refreshed": 0, "needs_reconnect": 0, "retry": 0}  # flagged: skipped


class NoRotation:
    """A platform that answers a refresh without a new refresh token (X does so at times)."""

    calls: ClassVar[list[str]] = []
    platform, display_name = "x", "X"

    def refresh(self, channel: ChannelRef) -> TokenGrant:
        type(self).calls.append(channel.credentials.refresh_token)
        return TokenGrant(access_token="fresh-access", expires_at=datetime.now(UTC) + timedelta(hours=2))


@pytest.fixture
def no_rotation() -> Iterator[type[NoRotation]]:
    NoRotation.calls = []
    registry.override("x", NoRotation)
    yield NoRotation
    registry.override("x", None)


def test_an_answer_without_a_refresh_token_keeps_the_stored_one(workspace: Workspace, no_rotation: Any) -> None:
    channel = ChannelFactory(workspace=workspace, credentials={"access_token": "old", "refresh_token": "keep-me"},
                             token_expires_at=timezone.now() + timedelta(minutes=3), scopes=["tweet.read"])
    assert refresh_expiring_tokens()["refreshed"] == 1
    channel.refresh_from_db()
    assert channel.credentials == {"access_token": "fresh-access", "refresh_token": "keep-me"}
    assert channel.scopes == ["tweet.read"]  # an answer without scopes keeps the granted ones too
    assert no_rotation.calls == ["keep-me"]


def test_an_unexpected_adapter_crash_does_not_stop_the_batch(workspace: Workspace, no_rotation: Any,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    first = ChannelFactory(workspace=workspace, token_expires_at=timezone.now() + timedelta(minutes=1))
    ChannelFactory(workspace=workspace, token_expires_at=timezone.now() + timedelta(minutes=2))
    original = NoRotation.refresh

    def crash_once(self: NoRotation, channel: ChannelRef) -> TokenGrant:
        if channel.external_id == first.external_id:
            raise KeyError("data")
        return original(self, channel)

    monkeypatch.setattr(NoRotation, "refresh", crash_once)
    assert refresh_expiring_tokens() == {"refreshed": 1, "needs_reconnect": 0, "retry": 1}
    first.refresh_from_db()
    assert first.health == Health.OK and first.last_error == "Renewing the login failed: unexpected error"


@pytest.mark.django_db(transaction=True)
def test_ten_concurrent_refreshes_of_one_channel_reach_the_sandbox_once(postgres_required: None, x_sandbox: Any,
                                                                        workspace: Workspace) -> None:
    """Single-use refresh tokens: five beat runs and five sends racing on one expiring channel burn it once."""
    from scheduler.engine.channels import channel_refresh_token

    channel = expiring_sandbox_channel(x_sandbox, workspace, "task_race", minutes=1)
    DeliveryFactory(channel=channel, post__workspace=workspace)
    before = token_calls(x_sandbox)
    start = threading.Barrier(10)
    errors: list[BaseException] = []

    def run(kind: int) -> None:
        try:
            stale = Channel.objects.get(pk=channel.pk)  # each loaded before anyone refreshed
            start.wait(timeout=10)
            refresh_expiring_tokens() if kind % 2 else channel_refresh_token(stale)
        except BaseException as exc:  # surfaced by the assertion below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(n,)) for n in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert errors == []
    assert token_calls(x_sandbox) == before + 1
    channel.refresh_from_db()
    assert channel.health == Health.OK
    assert XAdapter().verify(channel_ref(channel)).handle == "task_race"
