"""Snapchat has no comment, message or webhook API: the adapter says so plainly, and SMO's inbox leaves
Snapchat channels alone instead of failing on them."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from inbox.models import SyncState
from inbox.selectors import channels_with_inbox, platforms_with_inbox
from inbox.services import inbox_sync_channel
from platforms.errors import NotSupported
from platforms.snapchat import SnapchatAdapter
from platforms.types import ChannelRef, Credentials, ReplyTarget
from tests.factories import ChannelFactory

CHANNEL = ChannelRef("snapchat", "5f1c2b3a-0d4e-4f5a-9b6c-7d8e9f00abcd", "smo_brand", Credentials("token-abc"))


def test_capabilities_declare_no_inbox_and_no_webhooks() -> None:
    caps = SnapchatAdapter.capabilities
    assert caps.inbox_kinds == () and not caps.webhooks
    assert not caps.supports_threads and not caps.supports_first_comment


@pytest.mark.parametrize("call", [
    lambda a: a.fetch_inbox(CHANNEL, ""),
    lambda a: a.reply(CHANNEL, ReplyTarget("comment", "c1", "p1"), "Thanks!"),
    lambda a: a.set_hidden(CHANNEL, "c1", True),
])
def test_inbox_calls_raise_not_supported_in_a_plain_sentence(call: Callable[[SnapchatAdapter], object]) -> None:
    with pytest.raises(NotSupported) as refused:
        call(SnapchatAdapter())
    message = refused.value.message
    assert message.startswith("Snapchat ") and message.endswith(".") and "token" not in message


def test_webhooks_yield_nothing() -> None:
    assert SnapchatAdapter().webhook_items({"object": "snapchat", "entry": [{"id": "x"}]}) == []


@pytest.mark.django_db
def test_the_inbox_never_syncs_a_snapchat_channel() -> None:
    channel = ChannelFactory(platform="snapchat", external_id=CHANNEL.external_id, handle="smo_brand",
                             credentials={"access_token": "token-abc"})
    assert "snapchat" not in platforms_with_inbox()
    assert channel not in channels_with_inbox()
    # Even when asked directly, the sync records the plain reason instead of raising.
    assert inbox_sync_channel(channel.pk) == "failed"
    assert "no API for comments or messages" in SyncState.objects.get(channel=channel).last_error
