"""Fixtures for channel services and views: a workspace with members, and the X sandbox wired in."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from platforms.models import Channel
from tests.factories import ChannelFactory, MemberFactory, WorkspaceFactory
from workspaces.models import Member, Role, Workspace

STORED_TOKEN = "stored-access-token-c0ffee"

@pytest.fixture
def x_sandbox(live_sandbox: Any, settings: Any) -> Iterator[Any]:
    settings.PLATFORM_ORIGINS = live_sandbox.origins()
    settings.X_CLIENT_ID, settings.X_CLIENT_SECRET = "smo-sandbox-client", "smo-sandbox-secret"
    settings.X_CONSUMER_KEY = settings.X_CONSUMER_SECRET = None
    yield live_sandbox
    live_sandbox.clear_faults()


@pytest.fixture
def workspace(db: None) -> Workspace:
    return WorkspaceFactory(name="Acme <Brand>", slug="acme", time_zone="Europe/Berlin")


@pytest.fixture
def admin(workspace: Workspace) -> Member:
    return MemberFactory(workspace=workspace, role=Role.ADMIN)


@pytest.fixture
def marketer(workspace: Workspace) -> Member:
    return MemberFactory(workspace=workspace, role=Role.MARKETER)


@pytest.fixture
def outsider(db: None) -> Any:
    """A user who belongs to another workspace only."""
    return MemberFactory(workspace=WorkspaceFactory(slug="other"), role=Role.ADMIN).user


@pytest.fixture
def admin_client(client: Any, admin: Member) -> Any:
    client.force_login(admin.user)
    return client


@pytest.fixture
def channel(workspace: Workspace) -> Channel:
    return ChannelFactory(workspace=workspace, platform="x", external_id="4242", handle="acme",
                          display_name="Acme on X",
                          credentials={"access_token": STORED_TOKEN, "refresh_token": "stored-refresh-1"},
                          scopes=["tweet.read", "tweet.write"])
