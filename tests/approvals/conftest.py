"""Approval fixtures: a workspace that requires approval, X and Facebook channels, members of each role,
and a draft post meant for both channels (as the composer leaves it)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from scheduler.models import Delivery, DeliveryState, Post
from tests.factories import ChannelFactory, MemberFactory, PostFactory, WorkspaceFactory
from workspaces.models import Member, Role, Workspace

X_SCOPES = ["tweet.read", "tweet.write", "users.read", "offline.access"]


@pytest.fixture
def workspace(db: Any) -> Workspace:
    return WorkspaceFactory(slug="acme", time_zone="Europe/Berlin", requires_approval=True)


@pytest.fixture
def x(workspace: Workspace):
    return ChannelFactory(workspace=workspace, platform="x", display_name="Acme on X", handle="acme", scopes=X_SCOPES)


@pytest.fixture
def fb(workspace: Workspace):
    return ChannelFactory(workspace=workspace, platform="facebook", display_name="Acme Page")


def member(workspace: Workspace, role: str) -> Member:
    return MemberFactory(workspace=workspace, role=role)


@pytest.fixture
def marketer(workspace: Workspace) -> Member:
    return member(workspace, Role.MARKETER)


@pytest.fixture
def approver(workspace: Workspace) -> Member:
    return member(workspace, Role.APPROVER)


@pytest.fixture
def admin(workspace: Workspace) -> Member:
    return member(workspace, Role.ADMIN)


def draft(workspace: Workspace, *channels: Any, text: str = "Spring launch", **fields: Any) -> Post:
    """A post with a draft delivery per channel, as the composer saves it."""
    post = PostFactory(workspace=workspace, text=text, **fields)
    for channel in channels:
        Delivery.objects.create(workspace=workspace, post=post, channel=channel, state=DeliveryState.DRAFT)
    return post


@pytest.fixture
def post(workspace: Workspace, x: Any, fb: Any, marketer: Member) -> Post:
    return draft(workspace, x, fb, created_by=marketer.user)


def login(member: Member) -> Client:
    client = Client()
    client.force_login(member.user)
    return client


def later(days: int = 3):
    return timezone.now() + timedelta(days=days)
