"""Fixtures for the ingestion-speed tests: the fake X platform, a channel, entries, stored webhook events."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest

from platforms.models import WebhookEvent
from platforms.services import webhook_event_record
from platforms.types import InboxEntry
from tests.fakes import webhook_payload

# The fake X platform, the channel and the entry builder are the inbox tests' own.
from tests.inbox.conftest import T0, channel, entry, fake  # noqa: E402, F401


@pytest.fixture
def stored() -> Callable[..., WebhookEvent]:
    """stored(*entries, account="acct-1"): a webhook event holding the entries, as the receiver stores it."""

    def store(*entries: InboxEntry, account: str = "acct-1") -> WebhookEvent:
        payload = webhook_payload(account, *entries)
        return webhook_event_record("x", json.dumps(payload).encode(), payload)[0]

    return store
