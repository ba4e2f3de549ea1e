"""Import fixtures: a Berlin workspace with an X channel and a Facebook page, a campaign, and CSV builders."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable
from pathlib import Path

import pytest
from django.test import Client

from platforms.models import Channel
from scheduler.models import Campaign
from tests.factories import CampaignFactory, ChannelFactory, WorkspaceFactory, client_for
from workspaces.models import Workspace

HEADER = ["date", "time", "channels", "text", "link", "media", "campaign"]
# Far enough ahead that no test's time is ever past; 2036-03-30 and 2036-10-26 are Berlin's DST changes.
DAY = "2036-05-04"


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.MEDIA_ROOT.mkdir()
    return settings.MEDIA_ROOT


@pytest.fixture
def workspace(db) -> Workspace:
    return WorkspaceFactory(slug="acme", time_zone="Europe/Berlin")


@pytest.fixture
def x(workspace: Workspace) -> Channel:
    return ChannelFactory(workspace=workspace, platform="x", display_name="Acme on X", handle="acme",
                          external_id="42")


@pytest.fixture
def fb(workspace: Workspace) -> Channel:
    return ChannelFactory(workspace=workspace, platform="facebook", display_name="Acme Page", handle="",
                          external_id="1001")


@pytest.fixture
def campaign(workspace: Workspace) -> Campaign:
    return CampaignFactory(workspace=workspace, name="Spring")


def csv_bytes(rows: Iterable[Iterable[object]], header: list[str] | None = None, delimiter: str = ",",
              encoding: str = "utf-8") -> bytes:
    out = io.StringIO(newline="")
    writer = csv.writer(out, delimiter=delimiter)
    writer.writerow(header or HEADER)
    writer.writerows(rows)
    return out.getvalue().encode(encoding)


def row(text: str = "Hello", channels: str = "x:Acme on X", date: str = DAY, time: str = "09:30",
        link: str = "", media: str = "", campaign: str = "") -> list[str]:
    return [date, time, channels, text, link, media, campaign]


@pytest.fixture
def make_client(workspace: Workspace) -> Callable[[str], Client]:
    return lambda role: client_for(workspace, role)
