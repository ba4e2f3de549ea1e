"""Channel screens: OAuth connect through the sandbox, state checks, roles and workspace scoping."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import Client
from django.urls import reverse

from platforms.models import Channel, Health
from tests.factories import ChannelFactory, UserFactory
from tests.platforms.conftest import STORED_TOKEN
from tests.platforms.sandbox_browser import sandbox_decide
from workspaces.models import Member, Workspace

pytestmark = pytest.mark.django_db


def url(name: str, **kwargs: Any) -> str:
    return reverse(f"platforms:{name}", kwargs={"slug": "acme", **kwargs})


def start_connect(client: Any) -> str:
    response = client.post(url("connect", platform="x"))
    assert response.status_code == 302
    return response["Location"]


def callback_path(location: str) -> str:
    parts = urlsplit(location)
    return f"{parts.path}?{parts.query}"


# -- the OAuth round trip -----------------------------------------------------------------

def test_connect_round_trip_through_the_sandbox(admin_client: Any, x_sandbox: Any, workspace: Workspace) -> None:
    authorize = start_connect(admin_client)
    assert authorize.startswith(x_sandbox.base_url + "/x/i/oauth2/authorize?")  # rewritten for the browser
    redirect_uri = parse_qs(urlsplit(authorize).query)["redirect_uri"][0]
    assert redirect_uri == "http://testserver/w/acme/channels/callback/x/"

    location = sandbox_decide(authorize, "acme_brand")
    assert location.startswith(redirect_uri)
    response = admin_client.get(callback_path(location), follow=True)

    channel = Channel.objects.get(workspace=workspace, platform="x")
    assert (channel.handle, channel.health, channel.last_error) == ("acme_brand", Health.OK, "")
    assert channel.credentials["access_token"] and channel.credentials["refresh_token"]
    assert "offline.access" in channel.scopes and channel.token_expires_at is not None
    page = response.content.decode()
    assert "Connected Acme Brand on X." in page and "@acme_brand" in page
    assert channel.credentials["access_token"] not in page
    assert channel.credentials["refresh_token"] not in page


def test_a_state_is_good_for_one_callback_only(admin_client: Any, x_sandbox: Any) -> None:
    location = sandbox_decide(start_connect(admin_client), "acme_brand")
    assert admin_client.get(callback_path(location)).status_code == 302
    replay = admin_client.get(callback_path(location))
    assert replay.status_code == 400
    assert Channel.objects.count() == 1


def test_state_mismatch_stores_nothing(admin_client: Any, x_sandbox: Any) -> None:
    location = sandbox_decide(start_connect(admin_client), "acme_brand")
    query = parse_qs(urlsplit(location).query)
    forged = admin_client.get(url("callback", platform="x"), {"state": "forged", "code": query["code"][0]})
    missing = admin_client.get(url("callback", platform="x"), {"code": query["code"][0]})
    assert forged.status_code == missing.status_code == 400
    assert "does not match a connection started" in forged.content.decode()
    assert not Channel.objects.exists()


def test_state_from_another_browser_session_is_rejected(admin_client: Any, admin: Member, x_sandbox: Any) -> None:
    location = sandbox_decide(start_connect(admin_client), "acme_brand")
    other_browser = Client()
    other_browser.force_login(admin.user)
    assert other_browser.get(callback_path(location)).status_code == 400
    assert not Channel.objects.exists()


def test_denied_access_is_explained(admin_client: Any, x_sandbox: Any) -> None:
    location = sandbox_decide(start_connect(admin_client), "acme_brand", decision="deny")
    assert "error=access_denied" in location
    response = admin_client.get(callback_path(location))
    assert response.status_code == 400
    assert "You did not allow SMO to use your X account" in response.content.decode()
    assert not Channel.objects.exists()


def test_a_failed_exchange_shows_the_reason(admin_client: Any, x_sandbox: Any) -> None:
    start = start_connect(admin_client)
    state = parse_qs(urlsplit(start).query)["state"][0]
    response = admin_client.get(url("callback", platform="x"), {"state": state, "code": "not-a-real-code"})
    assert response.status_code == 502
    assert "X no longer accepts the authorization code" in response.content.decode()
    assert not Channel.objects.exists()


def test_reconnect_updates_the_existing_channel(admin_client: Any, x_sandbox: Any, workspace: Workspace) -> None:
    admin_client.get(callback_path(sandbox_decide(start_connect(admin_client), "acme_brand")))
    channel = Channel.objects.get()
    Channel.objects.filter(pk=channel.pk).update(health=Health.NEEDS_RECONNECT, last_error="Token revoked")
    admin_client.get(callback_path(sandbox_decide(start_connect(admin_client), "acme_brand")))
    channel.refresh_from_db()
    assert Channel.objects.count() == 1
    assert (channel.health, channel.last_error) == (Health.OK, "")


def test_unknown_platform_is_404(admin_client: Any) -> None:
    assert admin_client.post(url("connect", platform="myspace")).status_code == 404


def test_an_unconfigured_platform_explains_itself(admin_client: Any, settings: Any) -> None:
    settings.X_CLIENT_ID = None
    response = admin_client.post(url("connect", platform="x"))
    assert response.status_code == 503 and "X_CLIENT_ID" in response.content.decode()


def test_connect_needs_post(admin_client: Any) -> None:
    assert admin_client.get(url("connect", platform="x")).status_code == 405


# -- roles and scoping --------------------------------------------------------------------

def test_members_may_view_but_only_admins_connect(client: Any, marketer: Member, channel: Channel) -> None:
    client.force_login(marketer.user)
    page = client.get(url("list"))
    assert page.status_code == 200
    body = page.content.decode()
    assert "Acme on X" in body and "Connect X" not in body and "Disconnect" not in body
    assert client.post(url("connect", platform="x")).status_code == 403
    assert client.get(url("callback", platform="x"), {"state": "s", "code": "c"}).status_code == 403
    assert client.post(url("disconnect", channel_id=channel.pk)).status_code == 403
    channel.refresh_from_db()
    assert channel.credentials["access_token"] == STORED_TOKEN


@pytest.mark.parametrize(("method", "name", "extra"), [
    ("get", "list", {}),
    ("post", "connect", {"platform": "x"}),
    ("get", "callback", {"platform": "x"}),
    ("get", "disconnect", {"channel_id": 0}),
])
def test_non_members_get_404(client: Any, outsider: Any, channel: Channel, method: str, name: str,
                             extra: dict[str, Any]) -> None:
    client.force_login(outsider)
    if name == "disconnect":
        extra = {"channel_id": channel.pk}
    assert getattr(client, method)(url(name, **extra)).status_code == 404


def test_anonymous_users_are_sent_to_login(client: Any, workspace: Workspace) -> None:
    response = client.get(url("list"))
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_a_channel_of_another_workspace_cannot_be_disconnected(admin_client: Any) -> None:
    foreign = ChannelFactory(workspace__slug="elsewhere")
    assert admin_client.get(url("disconnect", channel_id=foreign.pk)).status_code == 404
    assert admin_client.post(url("disconnect", channel_id=foreign.pk)).status_code == 404
    foreign.refresh_from_db()
    assert foreign.credentials["access_token"]


# -- the list and disconnect --------------------------------------------------------------

def test_channel_list_shows_health_and_never_the_token(admin_client: Any, channel: Channel) -> None:
    Channel.objects.filter(pk=channel.pk).update(health=Health.NEEDS_RECONNECT,
                                                 last_error="X no longer accepts <b>this</b> token",
                                                 token_expires_at=datetime(2025, 7, 1, 10, 0, tzinfo=UTC))
    body = admin_client.get(url("list")).content.decode()
    assert "Connect X" in body and "Connect Mastodon" in body and "Connect Bluesky" in body
    # Instagram without its own app connects through Facebook's Page picker: no button of its own.
    assert "Connect Instagram" not in body
    assert "2025-07-01 12:00 CEST" in body  # shown in the workspace's time zone (Europe/Berlin)
    assert STORED_TOKEN not in body and "stored-refresh-1" not in body
    assert "Needs reconnect" in body and "Reconnect" in body
    assert "X no longer accepts &lt;b&gt;this&lt;/b&gt; token" in body  # escaped
    assert "Acme &lt;Brand&gt;" in body and "tweet.write" in body


def test_admin_change_page_never_shows_credentials(client: Any, channel: Channel) -> None:
    staff = UserFactory(username="root", is_staff=True, is_superuser=True)
    client.force_login(staff)
    change = client.get(reverse("admin:platforms_channel_change", args=[channel.pk]))
    listing = client.get(reverse("admin:platforms_channel_changelist"))
    assert change.status_code == listing.status_code == 200
    for page in (change, listing):
        assert STORED_TOKEN not in page.content.decode()
        assert "stored-refresh-1" not in page.content.decode()


def test_disconnect_asks_first_then_forgets_the_tokens(admin_client: Any, channel: Channel) -> None:
    confirm = admin_client.get(url("disconnect", channel_id=channel.pk))
    assert confirm.status_code == 200 and "Disconnect Acme on X?" in confirm.content.decode()
    channel.refresh_from_db()
    assert channel.credentials["access_token"] == STORED_TOKEN  # GET changed nothing
    done = admin_client.post(url("disconnect", channel_id=channel.pk), follow=True)
    assert "Disconnected Acme on X" in done.content.decode()
    channel.refresh_from_db()
    assert channel.credentials == {} and channel.health == Health.NEEDS_RECONNECT
