"""Fixtures for sentiment / attention / sync health: a workspace with an X channel, our recent post on it,
and an entry builder whose times are relative to now (the attention window is measured from now)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from platforms.models import Channel
from platforms.types import InboxEntry
from scheduler.models import Delivery, DeliveryState
from tests.factories import ChannelFactory, DeliveryFactory, MemberFactory, PostFactory, client_for  # noqa: F401
from workspaces.models import Workspace

NEGATIVE = "This is terrible, I hate it. Worst company ever, total scam!"
MILD = "Kind of meh."  # -0.08: negative, far above -0.5
POSITIVE = "Love it, great work, thank you!"


@pytest.fixture(autouse=True)
def attention_settings(settings: Any) -> None:
    settings.INBOX_ATTENTION_THRESHOLD = -0.5
    settings.INBOX_ATTENTION_DM_THRESHOLD = -0.75
    settings.INBOX_ATTENTION_WINDOW_HOURS = 48
    settings.INBOX_ATTENTION_ALERTS = True
    settings.PUBLIC_BASE_URL = "https://smo.example"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


@pytest.fixture
def channel(db: None) -> Channel:
    return ChannelFactory(platform="x", external_id="acct-1", handle="acme", display_name="Acme on X")


@pytest.fixture
def workspace(channel: Channel) -> Workspace:
    return channel.workspace


def published(channel: Channel, external_id: str, hours_ago: float) -> Delivery:
    post = PostFactory(workspace=channel.workspace, text="Our big announcement")
    when = timezone.now() - timedelta(hours=hours_ago)
    return DeliveryFactory(post=post, channel=channel, state=DeliveryState.PUBLISHED, external_id=external_id,
                           due_at=when, scheduled_for=when, published_at=when)


@pytest.fixture
def entry() -> Callable[..., InboxEntry]:
    """entry(n, text=..., **overrides): a comment on post-1 written n minutes ago."""

    def build(n: int = 1, text: str = "Comment", **overrides: Any) -> InboxEntry:
        values: dict[str, Any] = {
            "external_id": f"c{n}", "kind": "comment", "conversation_id": "post-1", "post_external_id": "post-1",
            "author_id": f"u{n}", "author_name": f"Fan {n}", "author_handle": f"fan{n}", "text": text,
            "created_at": timezone.now() - timedelta(minutes=n),
        }
        return InboxEntry(**{**values, **overrides})

    return build


def dm(n: int, text: str, **overrides: Any) -> InboxEntry:
    values: dict[str, Any] = {"external_id": f"dm{n}", "kind": "message", "conversation_id": f"dm-thread-{n}",
                              "author_id": f"d{n}", "author_name": f"Writer {n}", "author_handle": f"writer{n}",
                              "text": text, "created_at": timezone.now() - timedelta(minutes=n)}
    return InboxEntry(**{**values, **overrides})
