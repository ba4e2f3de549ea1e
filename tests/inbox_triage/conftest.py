"""Fixtures for the inbox triage tests: a Berlin workspace with an X channel, members per role, and
conversations stored through the real ingest service."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.test import Client

from inbox.models import Conversation
from inbox.services import inbox_ingest
from platforms.models import Channel
from platforms.types import InboxEntry
from tests.factories import ChannelFactory, MemberFactory, WorkspaceFactory
from workspaces.models import Member, Role, Workspace

T0 = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
_numbers = itertools.count(1)


@pytest.fixture
def workspace(db: None) -> Workspace:
    return WorkspaceFactory(slug="acme", name="Acme", time_zone="Europe/Berlin")


@pytest.fixture
def channel(workspace: Workspace) -> Channel:
    return ChannelFactory(workspace=workspace, platform="x", external_id="acct-acme", display_name="Acme on X")


@pytest.fixture
def member(workspace: Workspace) -> Callable[..., Member]:
    def make(role: str = Role.COMMUNITY_MANAGER, **user: Any) -> Member:
        found = MemberFactory(workspace=workspace, role=role)
        for key, value in user.items():
            setattr(found.user, key, value)
        if user:
            found.user.save()
        return found

    return make


@pytest.fixture
def login() -> Callable[[Member], Client]:
    def make(member: Member) -> Client:
        client = Client()
        client.force_login(member.user)
        return client

    return make


def entry(n: int | None = None, *, thread: str | None = None, kind: str = "comment", at: datetime | None = None,
          **overrides: Any) -> InboxEntry:
    n = n if n is not None else next(_numbers) + 1000
    values: dict[str, Any] = {
        "external_id": f"item-{n}", "kind": kind, "conversation_id": thread or f"thread-{n}",
        "author_name": f"Fan {n}", "author_handle": f"fan{n}", "author_id": f"u{n}", "text": f"Comment number {n}",
        "created_at": at or T0 + timedelta(minutes=n), "post_external_id": "",
    }
    return InboxEntry(**{**values, **overrides})


def conversation(channel: Channel, n: int | None = None, **overrides: Any) -> Conversation:
    """A new thread with one item, stored through inbox_ingest."""
    item = entry(n, **overrides)
    inbox_ingest(channel, [item])
    return Conversation.objects.get(channel=channel, external_id=item.conversation_id)


@pytest.fixture
def make_conversation(channel: Channel) -> Callable[..., Conversation]:
    def make(n: int | None = None, **overrides: Any) -> Conversation:
        return conversation(channel, n, **overrides)

    return make
