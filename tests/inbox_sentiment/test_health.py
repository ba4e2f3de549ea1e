"""The sync health page (admins only, 404 across workspaces) and the stop of a channel needing reconnect."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from inbox.models import SyncState
from inbox.services import inbox_sync_channel, inbox_sync_claim_due
from platforms.errors import AuthExpired
from platforms.models import Channel, Health
from tests.factories import ChannelFactory, WorkspaceFactory
from tests.fakes import install_fake
from tests.inbox_sentiment.conftest import client_for
from workspaces.models import Role

pytestmark = pytest.mark.django_db


@pytest.fixture
def fake():
    with install_fake("x", display_name="X", inbox_kinds=("comment", "message")) as state:
        yield state


def url(workspace) -> str:
    return f"/w/{workspace.slug}/inbox/health/"


@pytest.mark.parametrize(("role", "status"), [
    (Role.ADMIN, 200), (Role.COMMUNITY_MANAGER, 403), (Role.MARKETER, 403), (Role.VIEWER, 403), (Role.APPROVER, 403),
])
def test_admins_only(workspace, fake, role, status):
    assert client_for(workspace, role).get(url(workspace)).status_code == status


def test_another_workspace_is_404_and_its_channels_never_show(workspace, channel, fake):
    other = WorkspaceFactory()
    ChannelFactory(workspace=other, display_name="Secret channel of another brand")
    assert client_for(other, Role.ADMIN).get(url(workspace)).status_code == 404
    page = client_for(workspace, Role.ADMIN).get(url(workspace)).content.decode()
    assert "Secret channel of another brand" not in page and "Acme on X" in page
    assert client_for(workspace, Role.ADMIN).post(url(workspace)).status_code == 405


def test_figures_per_channel_in_the_workspace_zone(workspace, channel, fake):
    workspace.time_zone = "Europe/Berlin"
    workspace.save()
    success = timezone.now() - timedelta(minutes=7)
    SyncState.objects.create(channel=channel, last_synced_at=success, last_success_at=success,
                             items_last_sync=42, next_sync_at=success + timedelta(minutes=5))
    page = client_for(workspace, Role.ADMIN).get(url(workspace)).content.decode()
    row = page[page.index(f'id="sync-{channel.pk}"'):]
    row = row[: row.index("</tr>")]
    assert ">42<" in row and "7\xa0minutes" in row and "Syncing" in row
    local = timezone.localtime(success, ZoneInfo("Europe/Berlin"))
    assert f'datetime="{local.isoformat()}"' in row  # the workspace's zone, not UTC
    assert "Europe/Berlin" in page


def test_errors_are_escaped_and_failures_counted(workspace, channel, fake):
    SyncState.objects.create(channel=channel, last_synced_at=timezone.now(), consecutive_failures=3,
                             last_error='<script>alert("x")</script> X answered 503.')
    page = client_for(workspace, Role.ADMIN).get(url(workspace)).content.decode()
    assert "<script>alert" not in page and "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in page
    assert "Failing, retrying" in page


def test_a_channel_needing_reconnect_stops_syncing_with_a_visible_reason(workspace, channel, fake):
    fake.script_inbox(AuthExpired("The token was revoked."))
    assert inbox_sync_channel(channel.pk) == "auth_expired"
    channel.refresh_from_db()
    assert channel.health == Health.NEEDS_RECONNECT
    # The next ticks never claim it: nothing is fetched until someone reconnects.
    healthy = ChannelFactory(workspace=workspace, platform="x", external_id="acct-2")
    now = timezone.now() + timedelta(days=1)
    assert inbox_sync_claim_due(now) == [healthy.pk]
    assert inbox_sync_claim_due(now + timedelta(days=1)) == [healthy.pk]
    fake.fetch_calls.clear()
    assert inbox_sync_channel(channel.pk) == "skipped" and fake.fetch_calls == []

    page = client_for(workspace, Role.ADMIN).get(url(workspace)).content.decode()
    row = page[page.index(f'id="sync-{channel.pk}"'):]
    row = row[: row.index("</tr>")]
    assert "Sync stopped: reconnect the channel." in row and "Reconnect or check the channel" in row
    assert "The token was revoked." in row
    assert "Inbox sync is stopped for 1 channel." in page


def test_a_reconnected_channel_is_claimed_again(workspace, channel, fake):
    Channel.objects.filter(pk=channel.pk).update(health=Health.NEEDS_RECONNECT)
    assert inbox_sync_claim_due(timezone.now()) == []
    Channel.objects.filter(pk=channel.pk).update(health=Health.OK)
    assert inbox_sync_claim_due(timezone.now()) == [channel.pk]


def test_a_channel_in_error_is_stopped_too(workspace, channel, fake):
    Channel.objects.filter(pk=channel.pk).update(health=Health.ERROR, last_error="Account suspended")
    assert inbox_sync_claim_due(timezone.now()) == []
    page = client_for(workspace, Role.ADMIN).get(url(workspace)).content.decode()
    assert "Sync stopped: the channel has an error." in page and "Account suspended" in page


def test_a_channel_without_success_for_three_intervals_is_behind(settings, workspace, channel, fake):
    settings.INBOX_SYNC_INTERVAL_SECONDS = 300
    long_ago = timezone.now() - timedelta(hours=1)
    SyncState.objects.create(channel=channel, last_synced_at=timezone.now(), last_success_at=long_ago)
    page = client_for(workspace, Role.ADMIN).get(url(workspace)).content.decode()
    assert "Behind" in page
