"""Facebook Login with a Page picker, through the sandbox: one channel per picked Page."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from django.urls import reverse

from platforms.facebook import FacebookAdapter
from platforms.models import Channel, Health
from platforms.selectors import channel_ref
from tests.platforms.sandbox_browser import sandbox_decide
from workspaces.models import Workspace

pytestmark = pytest.mark.django_db
SEEDED_PAGES = {"102000000000001": "SMO Demo Page", "102000000000002": "SMO Second Page"}


def url(name: str, **kwargs: Any) -> str:
    return reverse(f"platforms:{name}", kwargs={"slug": "acme", **kwargs})


@pytest.fixture
def fb_sandbox(live_sandbox: Any, settings: Any) -> Iterator[Any]:
    settings.PLATFORM_ORIGINS = live_sandbox.origins()
    settings.FACEBOOK_APP_ID, settings.FACEBOOK_APP_SECRET = "smo-sandbox-app", "smo-sandbox-app-secret"
    settings.FACEBOOK_GRAPH_VERSION = "v21.0"
    yield live_sandbox
    live_sandbox.clear_faults()


def sign_in(client: Any, sandbox: Any, username: str) -> Any:
    """Connect -> Facebook dialog (approved as `username`) -> callback: the Page picker response."""
    start = client.post(url("connect", platform="facebook"))
    assert start.status_code == 302
    dialog = start["Location"]
    assert dialog.startswith(sandbox.base_url + "/facebook/v21.0/dialog/oauth?")
    assert "pages_manage_posts" in parse_qs(urlsplit(dialog).query)["scope"][0]
    location = sandbox_decide(dialog, username)
    parts = urlsplit(location)
    assert parts.path == url("callback", platform="facebook")
    return client.get(f"{parts.path}?{parts.query}")


def pick_id(response: Any) -> str:
    match = re.search(r'action="/w/acme/channels/pick/([^/"]+)/"', response.content.decode())
    assert match, "the callback shows the Page picker"
    return match[1]


def test_pick_one_of_two_pages_creates_one_channel(admin_client: Any, fb_sandbox: Any, workspace: Workspace) -> None:
    picker = sign_in(admin_client, fb_sandbox, "sandbox_admin")
    page = picker.content.decode()
    assert picker.status_code == 200 and all(name in page for name in SEEDED_PAGES.values())
    response = admin_client.post(url("pick", pick_id=pick_id(picker)), {"page": ["102000000000002"]}, follow=True)
    channel = Channel.objects.get(workspace=workspace, platform="facebook")
    assert (channel.external_id, channel.display_name, channel.health) == ("102000000000002", "SMO Second Page",
                                                                           Health.OK)
    assert channel.token_expires_at is None and "pages_manage_posts" in channel.scopes
    assert "Connected 1 Facebook Page(s): SMO Second Page." in response.content.decode()
    assert channel.credentials["access_token"] not in response.content.decode()
    assert FacebookAdapter().verify(channel_ref(channel)).external_id == "102000000000002"  # the Page token works


def test_new_user_gets_their_page_and_a_pick_is_single_use(admin_client: Any, fb_sandbox: Any) -> None:
    username = f"fb_{uuid.uuid4().hex[:8]}"
    picker = sign_in(admin_client, fb_sandbox, username)
    page_id = next(a["id"] for a in fb_sandbox.accounts("facebook") if a["username"] == f"{username}_page")
    assert page_id in picker.content.decode()
    target = url("pick", pick_id=pick_id(picker))
    assert admin_client.post(target, {"page": [page_id]}).status_code == 302
    again = admin_client.post(target, {"page": [page_id]})
    assert again.status_code == 400 and "expired or was already used" in again.content.decode()
    assert Channel.objects.filter(platform="facebook", external_id=page_id).count() == 1


def test_picking_nothing_or_foreign_pages_connects_nothing(admin_client: Any, fb_sandbox: Any) -> None:
    picker = sign_in(admin_client, fb_sandbox, "sandbox_admin")
    target = url("pick", pick_id=pick_id(picker))
    for choice in ({}, {"page": ["999"]}):
        response = admin_client.post(target, choice)
        assert response.status_code == 400 and "Select at least one Page" in response.content.decode()
    assert not Channel.objects.filter(platform="facebook").exists()


def test_denied_dialog_is_explained(admin_client: Any, fb_sandbox: Any) -> None:
    start = admin_client.post(url("connect", platform="facebook"))
    location = sandbox_decide(start["Location"], "sandbox_admin", decision="deny")
    parts = urlsplit(location)
    response = admin_client.get(f"{parts.path}?{parts.query}")
    assert response.status_code == 400 and "did not allow SMO" in response.content.decode()


def test_outsiders_cannot_pick(client: Any, outsider: Any, workspace: Workspace) -> None:
    client.force_login(outsider)
    assert client.post(url("pick", pick_id="whatever"), {"page": ["1"]}).status_code == 404
