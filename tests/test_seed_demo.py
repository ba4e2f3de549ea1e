"""seed_demo: refuses outside the embedded DEBUG setup, is idempotent; sandbox_demo_link stores the token."""

from __future__ import annotations

from typing import Any

import pytest
import responses
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.core.management.base import CommandError

from platforms.models import Channel, Health
from platforms.registry import get_adapter
from platforms.selectors import channel_ref
from scheduler.models import Delivery, DeliveryState
from workspaces import demo
from workspaces.models import Member, Workspace

pytestmark = pytest.mark.django_db


@pytest.fixture
def embedded(settings: Any) -> Any:
    settings.DEBUG = True
    settings.DATABASE_URL = f"sqlite:///{settings.VAR_DIR / 'db.sqlite3'}"
    return settings


def test_refuses_without_debug(embedded: Any) -> None:
    embedded.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG=true"):
        call_command("seed_demo")
    assert not Workspace.objects.exists()


def test_refuses_on_another_database(embedded: Any) -> None:
    embedded.DATABASE_URL = "postgres://smo:hunter2@db.example/smo"
    with pytest.raises(CommandError, match="embedded SQLite") as refused:
        call_command("seed_demo")
    assert "hunter2" not in str(refused.value)
    call_command("seed_demo", "--skip-if-refused")  # `make run` keeps going
    assert not Workspace.objects.exists()


def test_seeds_once_and_prints_login(embedded: Any, capsys: pytest.CaptureFixture[str]) -> None:
    call_command("seed_demo")
    call_command("seed_demo")
    out = capsys.readouterr().out
    assert "'demo'" in out and "password" in out
    workspace = Workspace.objects.get(slug=demo.DEMO_SLUG)
    assert Member.objects.filter(workspace=workspace).count() == 1
    assert Channel.objects.filter(workspace=workspace, platform="x").count() == 1
    deliveries = Delivery.objects.filter(workspace=workspace)
    assert deliveries.count() == len(demo.DEMO_POSTS)
    assert set(deliveries.values_list("state", flat=True)) == {DeliveryState.SCHEDULED}
    assert authenticate(username="demo", password="demo") is not None


def test_link_stores_a_token_the_sandbox_accepts(embedded: Any, live_sandbox: Any) -> None:
    live_sandbox.reset()
    embedded.SANDBOX_URL = live_sandbox.base_url
    call_command("seed_demo")
    call_command("sandbox_demo_link", "--timeout", "5")
    channel = Channel.objects.get(workspace__slug=demo.DEMO_SLUG)
    assert channel.health == Health.OK and channel.token_expires_at is not None
    assert set(channel.credentials) == {"access_token", "refresh_token"}
    account = next(a for a in live_sandbox.accounts("x") if a.get("username") == demo.DEMO_ACCOUNT)
    assert channel.external_id == str(account["id"])
    # The stored token really works: the X adapter reads the account with it.
    embedded.PLATFORM_ORIGINS = live_sandbox.origins()
    assert get_adapter("x").verify(channel_ref(channel)).external_id == channel.external_id


@responses.activate
def test_link_retries_until_sandbox_answers(embedded: Any) -> None:
    call_command("seed_demo")
    url = f"{embedded.SANDBOX_URL}/_sandbox/tokens"
    responses.post(url, status=503)
    responses.post(url, json={"access_token": "at-2", "refresh_token": "rt-2", "account_id": "7"})
    call_command("sandbox_demo_link", "--timeout", "5")
    assert Channel.objects.get(workspace__slug=demo.DEMO_SLUG).credentials["access_token"] == "at-2"


@responses.activate
def test_link_gives_up_with_clear_error(embedded: Any) -> None:
    call_command("seed_demo")
    responses.post(f"{embedded.SANDBOX_URL}/_sandbox/tokens", status=500)
    with pytest.raises(CommandError, match="did not issue a token"):
        call_command("sandbox_demo_link", "--timeout", "0")
