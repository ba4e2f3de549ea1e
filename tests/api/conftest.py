"""API test helpers: a client per (workspace, role) carrying a fresh bearer token, and a clean throttle cache."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from api.models import ApiToken
from api.tokens import token_create
from tests.factories import ChannelFactory, MemberFactory, UserFactory, WorkspaceFactory
from workspaces.models import Member, Role, Workspace

API = "/api/v1"


@dataclass
class Caller:
    client: APIClient
    member: Member
    token: ApiToken
    secret: str

    @property
    def workspace(self) -> Workspace:
        return self.member.workspace

    def get(self, path: str, data: Any = None) -> Any:
        return self.client.get(f"{API}{path}", data)

    def post(self, path: str, data: Any = None) -> Any:
        return self.client.post(f"{API}{path}", data, format="json")

    def patch(self, path: str, data: Any = None) -> Any:
        return self.client.patch(f"{API}{path}", data, format="json")

    def delete(self, path: str) -> Any:
        return self.client.delete(f"{API}{path}")


@pytest.fixture(autouse=True)
def _clean_throttle_counters() -> None:
    cache.clear()


@pytest.fixture
def make_caller() -> Callable[..., Caller]:
    def make(role: str = Role.MARKETER, workspace: Workspace | None = None, read_only: bool = False) -> Caller:
        member = MemberFactory(workspace=workspace or WorkspaceFactory(time_zone="Europe/Berlin"),
                               user=UserFactory(), role=role)
        token, secret = token_create(member, "tests", read_only=read_only)
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
        return Caller(client, member, token, secret)

    return make


@pytest.fixture
def caller(make_caller) -> Caller:
    """A marketer of a Europe/Berlin workspace."""
    return make_caller()


@pytest.fixture
def x_channel(caller):
    return ChannelFactory(workspace=caller.workspace, platform="x", display_name="Acme on X")


@pytest.fixture
def fb_channel(caller):
    return ChannelFactory(workspace=caller.workspace, platform="facebook", display_name="Acme Page")
