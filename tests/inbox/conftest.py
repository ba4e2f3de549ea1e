"""Fixtures for inbox tests: a channel on the in-memory fake platform, and an entry builder."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from platforms.models import Channel
from platforms.types import InboxEntry
from tests.factories import ChannelFactory
from tests.fakes import FakePlatform, install_fake

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
INBOX_KINDS = ("comment", "reply", "mention", "message")


@pytest.fixture
def fake() -> Iterator[FakePlatform]:
    with install_fake("x", display_name="X", inbox_kinds=INBOX_KINDS) as state:
        yield state


@pytest.fixture
def channel(db: None) -> Channel:
    return ChannelFactory(platform="x", external_id="acct-1", handle="acme")


@pytest.fixture
def entry() -> Callable[..., InboxEntry]:
    """entry(n, **overrides): the n-th comment on post-1, one minute apart."""

    def build(n: int = 1, **overrides: Any) -> InboxEntry:
        values: dict[str, Any] = {
            "external_id": f"c{n}", "kind": "comment", "conversation_id": "post-1", "author_name": f"Fan {n}",
            "author_handle": f"fan{n}", "text": f"Comment number {n}", "created_at": T0 + timedelta(minutes=n),
            "author_id": f"u{n}", "post_external_id": "post-1",
        }
        return InboxEntry(**{**values, **overrides})

    return build
