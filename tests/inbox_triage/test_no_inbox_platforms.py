"""The inbox says plainly which of the workspace's channels cannot reach it: their platforms have no API
for comments or messages (Pinterest, TikTok, Snapchat)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from platforms import registry
from platforms.types import Capabilities
from tests.factories import ChannelFactory

pytestmark = pytest.mark.django_db
BASE = "/w/acme/inbox/"


class PublishOnly:
    platform = "boardly"
    display_name = "Boardly"
    capabilities = Capabilities(text_limit=500, length_rule="characters")  # no inbox kinds


@pytest.fixture
def boardly() -> Iterator[None]:
    registry.override("boardly", PublishOnly)
    yield
    registry.override("boardly", None)


def test_channels_without_an_inbox_api_are_named_on_the_inbox(workspace, channel, member, login, boardly):
    ChannelFactory(workspace=workspace, platform="boardly", display_name="Brand boards")
    ChannelFactory(platform="boardly", display_name="Someone else's boards")  # another workspace

    html = login(member()).get(BASE).content.decode()

    note = html[html.index("no-inbox-channels"):]
    note = note[:note.index("</p>")]
    assert "Brand boards (Boardly)" in note
    assert channel.display_name not in note  # its platform has an inbox
    assert "Someone else" not in note


def test_no_note_when_every_channel_has_an_inbox(workspace, channel, member, login, boardly):
    html = login(member()).get(BASE).content.decode()
    assert "no-inbox-channels" not in html
