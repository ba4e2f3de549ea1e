"""Workspace admin fixtures: a Berlin workspace, one member per role, logged-in clients."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from tests.factories import MemberFactory, UserFactory, WorkspaceFactory
from workspaces.models import AuditEvent, Member, Role, Workspace


@pytest.fixture
def workspace(db: Any) -> Workspace:
    return WorkspaceFactory(name="Acme", slug="acme", time_zone="Europe/Berlin")


@pytest.fixture
def admin(workspace: Workspace) -> Member:
    return MemberFactory(workspace=workspace, role=Role.ADMIN, user=UserFactory(username="ada"))


@pytest.fixture
def member_client(workspace: Workspace) -> Callable[..., Client]:
    """A logged-in client for a new member of `workspace` (or `in_workspace`) with `role`; `.member` is set."""

    def make(role: str = Role.MARKETER, in_workspace: Workspace | None = None, **user: Any) -> Client:
        member = MemberFactory(workspace=in_workspace or workspace, role=role, user=UserFactory(**user))
        client = Client()
        client.force_login(member.user)
        client.member = member
        return client

    return make


@pytest.fixture
def admin_client(admin: Member) -> Client:
    client = Client()
    client.force_login(admin.user)
    client.member = admin
    return client


def events(workspace: Workspace, action: str | None = None) -> list[AuditEvent]:
    rows = AuditEvent.objects.filter(workspace=workspace).order_by("pk")
    return list(rows.filter(action=action) if action else rows)


def only_event(workspace: Workspace, action: str) -> AuditEvent:
    found = events(workspace, action)
    assert len(found) == 1, f"expected one {action} event, got {[e.action for e in events(workspace)]}"
    return found[0]
