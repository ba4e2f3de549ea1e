"""Campaign fixtures: a Berlin workspace with two channels, a campaign with audiences and UTM defaults, and a
logged-in client per role (plus an admin of another workspace)."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.cache import cache

from scheduler.models import Campaign
from tests.factories import CampaignFactory, ChannelFactory, WorkspaceFactory
from workspaces.models import Workspace

AUDIENCES = [
    {"key": "dach", "name": "DACH", "attributes": {"region": "DE, AT, CH", "language": "de", "climate": "temperate"}},
    {"key": "nordics", "name": "Nordics", "attributes": {"region": "SE, NO", "language": "en", "climate": "cold"}},
]


@pytest.fixture(autouse=True)
def _fresh_cache() -> None:
    cache.clear()  # the composer remembers draft keys in the cache


@pytest.fixture
def workspace(db: Any) -> Workspace:
    return WorkspaceFactory(slug="acme", time_zone="Europe/Berlin")


@pytest.fixture
def channels(workspace: Workspace) -> list:
    return [ChannelFactory(workspace=workspace, platform="x", display_name="Acme on X"),
            ChannelFactory(workspace=workspace, platform="facebook", display_name="Acme Page")]


@pytest.fixture
def campaign(workspace: Workspace) -> Campaign:
    return CampaignFactory(workspace=workspace, name="Rainy spring", labels=["rain", "shop"], audiences=AUDIENCES,
                           utm_defaults={"utm_source": "{platform}", "utm_medium": "social",
                                         "utm_campaign": "rainy-spring"})
