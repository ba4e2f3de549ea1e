"""Queue fixtures: a Europe/Berlin workspace with two channels, a fixed clock, and slot helpers."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, time
from typing import Any

import pytest
import time_machine

from platforms.models import Channel
from scheduler import queues
from scheduler.models import Delivery, DeliveryState, Post
from tests.api.conftest import caller, make_caller  # noqa: F401 - the API tests' token fixtures
from tests.factories import ChannelFactory, DeliveryFactory, PostFactory, WorkspaceFactory
from workspaces.models import Workspace

# Monday 2030-06-03 08:00 UTC = 10:00 CEST. Slots below are Berlin wall-clock times.
NOW = datetime(2030, 6, 3, 8, 0, tzinfo=UTC)
MON, TUE, WED = 0, 1, 2


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


@pytest.fixture
def clock() -> Iterator[Any]:
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def workspace(db: Any) -> Workspace:
    return WorkspaceFactory(slug="acme", time_zone="Europe/Berlin")


@pytest.fixture
def x(workspace: Workspace) -> Channel:
    return ChannelFactory(workspace=workspace, platform="x", display_name="Acme on X")


@pytest.fixture
def fb(workspace: Workspace) -> Channel:
    return ChannelFactory(workspace=workspace, platform="facebook", display_name="Acme Page")


@pytest.fixture
def daily_queue(x: Channel, clock: Any):
    """X's queue: 09:00 and 17:00 Berlin on Monday to Wednesday."""
    return queues.queue_set_slots(x, [(day, at) for day in (MON, TUE, WED) for at in (time(9), time(17))])


def new_post(workspace: Workspace, text: str = "Queued post") -> Post:
    return PostFactory(workspace=workspace, text=text)


def queued(channel: Channel, count: int, workspace: Workspace | None = None) -> list[Delivery]:
    """`count` posts added to `channel`'s queue one after the other; their deliveries, in order."""
    found = []
    for n in range(count):
        post = new_post(workspace or channel.workspace, f"Post {n + 1}")
        (placement,) = queues.post_add_to_queue(post, [channel])
        found.append(placement.delivery)
    return found


def manual(channel: Channel, due_at: datetime, state: str = DeliveryState.SCHEDULED) -> Delivery:
    post = new_post(channel.workspace, "Scheduled by hand")
    return DeliveryFactory(post=post, channel=channel, state=state, due_at=due_at)


def order(channel: Channel) -> list[tuple[str, datetime | None]]:
    return [(d.post.text, d.due_at) for d in queues.queue_entries(channel)]
