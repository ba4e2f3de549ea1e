"""Calendar fixtures: a Berlin workspace with two channels, a campaign, and members of each role."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from scheduler.models import Delivery, DeliveryState
from tests.factories import (
    CampaignFactory,
    ChannelFactory,
    DeliveryFactory,
    PostFactory,
    WorkspaceFactory,
)
from workspaces.models import Workspace

# Times are far enough ahead that "moving into the past" never triggers by accident.
JULY_1_10_UTC = datetime(2030, 7, 1, 10, 0, tzinfo=UTC)


@pytest.fixture
def workspace(db: Any) -> Workspace:
    return WorkspaceFactory(slug="acme", time_zone="Europe/Berlin")


@pytest.fixture
def channels(workspace: Workspace) -> list:
    return [ChannelFactory(workspace=workspace, platform="x", display_name="Acme on X"),
            ChannelFactory(workspace=workspace, platform="facebook", display_name="Acme <b>Page</b>")]


@pytest.fixture
def campaign(workspace: Workspace):
    return CampaignFactory(workspace=workspace, name="Summer")


def make_delivery(workspace: Workspace, channel, *, text: str = "Hello world", due_at: datetime = JULY_1_10_UTC,
                  state: str = DeliveryState.SCHEDULED, campaign=None) -> Delivery:
    post = PostFactory(workspace=workspace, text=text, campaign=campaign)
    return DeliveryFactory(post=post, channel=channel, state=state, due_at=due_at, scheduled_for=due_at)
