"""Fixtures for the ingestion-speed tests: the fake X platform, a channel, entries, stored webhook events."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from platforms.models import Channel, WebhookEvent
from platforms.services import webhook_event_record
from platforms.types import InboxEntry
from tests.factories import ChannelFactory
from tests.fakes import FakePlatform, install_fake, webhook_payload

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def fake() -> Iterator[FakePlatform]:
    with install_fake("x", display_name="X", inbox_kinds=("comment", "reply", "mention", "message")) as state:
        yield state


@pytest.fixture
def channel(db: None) -> Channel:
    return ChannelFactory(platform="x", external_id="acct-1", handle="acme")


@pytest.fixture
def entry() -> Callable[..., InboxEntry]:
    """entry(n, **overrides): the n-th (neutral) comment on post-1, one minute apart."""

    def build(n: int = 1, **overrides: Any) -> InboxEntry:
        values: dict[str, Any] = {
            "external_id": f"c{n}", "kind": "comment", "conversation_id": "post-1", "author_name": f"Fan {n}",
            "author_handle": f"fan{n}", "text": f"Comment number {n}", "created_at": T0 + timedelta(minutes=n),
            "author_id": f"u{n}", "post_external_id": "post-1",
        }
        return InboxEntry(**{**values, **overrides})

    return build


@pytest.fixture
def stored() -> Callable[..., WebhookEvent]:
    """stored(*entries, account="acct-1"): a webhook event holding the entries, as the receiver stores it."""

    def store(*entries: InboxEntry, account: str = "acct-1") -> WebhookEvent:
        payload = webhook_payload(account, *entries)
        return webhook_event_record("x", json.dumps(payload).encode(), payload)[0]

    return store
