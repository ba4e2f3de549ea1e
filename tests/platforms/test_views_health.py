"""The channels page as a health page: badges, expiry, scopes, advice, notices; reconnect and disconnect."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from platforms.models import Channel, Health, Notice
from platforms.notices import notices_warn_due_soon
from scheduler.models import Delivery, DeliveryState
from tests.factories import ChannelFactory, DeliveryFactory, MemberFactory
from tests.platforms.sandbox_browser import sandbox_decide
from workspaces.models import Member, Role, Workspace

pytestmark = pytest.mark.django_db


def url(name: str, **kwargs: Any) -> str:
    return reverse(f"platforms:{name}", kwargs={"slug": "acme", **kwargs})


def row(body: str, channel: Channel) -> str:
    match = re.search(rf'<tr id="channel-{channel.pk}".*?</tr>', body, re.S)
    assert match, f"no row for channel {channel.pk}"
    return match[0]


def test_a_healthy_channel(admin_client: Any, workspace: Workspace) -> None:
    channel = ChannelFactory(workspace=workspace, scopes=["tweet.read", "tweet.write", "users.read", "offline.access",
                                                          "media.write", "dm.read", "dm.write"],
                             token_expires_at=datetime(2027, 1, 15, 9, 30, tzinfo=UTC),
                             last_published_at=datetime(2027, 1, 15, 8, 0, tzinfo=UTC))
    html = row(admin_client.get(url("list")).content.decode(), channel)
    assert 'data-status="ok"' in html and ">Healthy<" in html
    assert "2027-01-15 10:30 CET" in html  # expiry in Europe/Berlin (winter)
    assert "2027-01-15 09:00 CET" in html  # last published
    assert "Missing:" not in html and "Reconnect" not in html


def test_problems_are_explained(admin_client: Any, workspace: Workspace) -> None:
    paused = ChannelFactory(workspace=workspace, scopes=["tweet.read"],
                            paused_until=timezone.now() + timedelta(hours=1))
    flagged = ChannelFactory(workspace=workspace, platform="facebook", health=Health.NEEDS_RECONNECT,
                             last_error="Facebook: <session> expired", last_error_code="190", scopes=[])
    body = admin_client.get(url("list")).content.decode()
    paused_html, flagged_html = row(body, paused), row(body, flagged)
    assert ">Paused<" in paused_html and "Paused until" in paused_html
    assert "Posts for this channel wait until the platform&#x27;s limit resets." in paused_html
    assert "Missing: <code>tweet.write</code>" in paused_html
    assert "Reconnect and grant tweet.write, users.read, offline.access" in paused_html
    assert ">Needs reconnect<" in flagged_html and "Facebook: &lt;session&gt; expired" in flagged_html
    assert "no longer accepts SMO&#x27;s login" in flagged_html
    assert url("connect", platform="facebook") in flagged_html


def test_instagram_is_reconnected_through_facebook(admin_client: Any, workspace: Workspace) -> None:
    channel = ChannelFactory(workspace=workspace, platform="instagram", health=Health.NEEDS_RECONNECT)
    html = row(admin_client.get(url("list")).content.decode(), channel)
    assert f'action="{url("connect", platform="facebook")}"' in html


def test_viewers_see_health_but_no_buttons(client: Any, workspace: Workspace) -> None:
    viewer = MemberFactory(workspace=workspace, role=Role.VIEWER)
    ChannelFactory(workspace=workspace, health=Health.NEEDS_RECONNECT)
    client.force_login(viewer.user)
    body = client.get(url("list")).content.decode()
    assert "Needs reconnect" in body
    assert "Reconnect</button>" not in body and "Disconnect" not in body and "Connect X" not in body


# -- notices ------------------------------------------------------------------------------

@pytest.fixture
def notice(admin: Member, workspace: Workspace) -> Notice:
    channel = ChannelFactory(workspace=workspace, display_name="<i>Acme</i>", health=Health.NEEDS_RECONNECT)
    DeliveryFactory(channel=channel, post__workspace=workspace, due_at=timezone.now() + timedelta(minutes=20))
    notices_warn_due_soon()
    return Notice.objects.get()


def test_notices_show_on_the_channels_page_once_and_escaped(admin_client: Any, notice: Notice) -> None:
    body = admin_client.get(url("list")).content.decode()
    assert body.count("data-notices") == 1
    assert f'data-notice="{notice.pk}"' in body and "&lt;i&gt;Acme&lt;/i&gt;" in body and "<i>Acme</i>" not in body
    assert url("notice_dismiss", notice_id=notice.pk) in body


def test_members_dismiss_a_notice(client: Any, workspace: Workspace, marketer: Member, notice: Notice) -> None:
    client.force_login(marketer.user)
    response = client.post(url("notice_dismiss", notice_id=notice.pk), {"next": "/w/acme/deliveries/"})
    assert response.status_code == 302 and response["Location"] == "/w/acme/deliveries/"
    notice.refresh_from_db()
    assert notice.dismissed_at is not None
    assert "data-notices" not in client.get(url("list")).content.decode()


def test_dismiss_never_redirects_off_site(admin_client: Any, notice: Notice) -> None:
    response = admin_client.post(url("notice_dismiss", notice_id=notice.pk), {"next": "https://evil.example/"})
    assert response["Location"] == url("list")


def test_viewers_cannot_dismiss(client: Any, workspace: Workspace, notice: Notice) -> None:
    viewer = MemberFactory(workspace=workspace, role=Role.VIEWER)
    client.force_login(viewer.user)
    body = client.get(url("list")).content.decode()
    assert f'data-notice="{notice.pk}"' in body and "Dismiss" not in body
    assert client.post(url("notice_dismiss", notice_id=notice.pk)).status_code == 403
    notice.refresh_from_db()
    assert notice.dismissed_at is None


def test_notices_of_another_workspace_are_404(outsider: Any, admin_client: Any, notice: Notice) -> None:
    foreign_channel = ChannelFactory(workspace__slug="elsewhere", health=Health.NEEDS_RECONNECT)
    DeliveryFactory(channel=foreign_channel, post__workspace=foreign_channel.workspace,
                    due_at=timezone.now() + timedelta(minutes=5))
    notices_warn_due_soon()
    foreign = Notice.objects.get(workspace=foreign_channel.workspace)
    assert admin_client.post(url("notice_dismiss", notice_id=foreign.pk)).status_code == 404
    assert f'data-notice="{foreign.pk}"' not in admin_client.get(url("list")).content.decode()
    assert admin_client.get(url("notice_dismiss", notice_id=notice.pk)).status_code == 405
    stranger = Client()
    stranger.force_login(outsider)
    assert stranger.post(url("notice_dismiss", notice_id=notice.pk)).status_code == 404
    notice.refresh_from_db()
    assert notice.dismissed_at is None


# -- reconnect and disconnect keep the schedule -------------------------------------------

def test_reconnect_releases_the_waiting_deliveries_and_keeps_due_times(admin_client: Any, x_sandbox: Any,
                                                                      workspace: Workspace) -> None:
    def connect() -> None:
        location = sandbox_decide(admin_client.post(url("connect", platform="x"))["Location"], "health_brand")
        parts = urlsplit(location)
        assert admin_client.get(f"{parts.path}?{parts.query}").status_code == 302

    connect()
    channel = Channel.objects.get(platform="x", handle="health_brand")
    later = timezone.now() + timedelta(days=2)
    waiting = DeliveryFactory(channel=channel, post__workspace=workspace, state=DeliveryState.NEEDS_RECONNECT,
                              due_at=later, error_message="X no longer accepts this token")
    scheduled = DeliveryFactory(channel=channel, post__workspace=workspace, due_at=later)
    admin_client.post(url("disconnect", channel_id=channel.pk))
    assert Delivery.objects.get(pk=scheduled.pk).state == DeliveryState.SCHEDULED  # kept, and waits
    assert "Reconnect" in row(admin_client.get(url("list")).content.decode(), channel)
    connect()
    channel.refresh_from_db()
    assert channel.health == Health.OK and channel.last_error_code == "" and channel.credentials["access_token"]
    for delivery in (waiting, scheduled):
        delivery.refresh_from_db()
        assert (delivery.state, delivery.due_at, delivery.error_message) == (DeliveryState.SCHEDULED, later, "")


def test_disconnect_is_confirmed_and_recorded(admin_client: Any, workspace: Workspace) -> None:
    channel = ChannelFactory(workspace=workspace, display_name="Acme on X")
    confirm = admin_client.get(url("disconnect", channel_id=channel.pk)).content.decode()
    assert "Disconnect Acme on X?" in confirm and "Scheduled posts for this channel wait" in confirm
    admin_client.post(url("disconnect", channel_id=channel.pk))
    channel.refresh_from_db()
    assert (channel.health, channel.last_error_code, channel.credentials) == (Health.NEEDS_RECONNECT,
                                                                              "disconnected", {})
    html = row(admin_client.get(url("list")).content.decode(), channel)
    assert "A workspace admin disconnected this channel" in html
