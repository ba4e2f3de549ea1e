"""Browser test: an admin connects a Facebook Page through the sandbox's OAuth dialog and SMO's Page picker."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from platforms.models import Channel, Health
from workspaces.models import Member, Role, Workspace

ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"


@pytest.fixture
def admin_user(django_user_model: Any) -> Any:
    user = django_user_model.objects.create_user("ada", email="ada@example.com", password="browser-pass-2")
    workspace = Workspace.objects.create(name="Acme", slug="acme", time_zone="Europe/Berlin")
    Member.objects.create(workspace=workspace, user=user, role=Role.ADMIN)
    return user


@pytest.fixture
def facebook_sandbox(live_sandbox: Any, settings: Any) -> Any:
    settings.PLATFORM_ORIGINS = live_sandbox.origins()
    settings.FACEBOOK_APP_ID, settings.FACEBOOK_APP_SECRET = "smo-sandbox-app", "smo-sandbox-app-secret"
    settings.FACEBOOK_GRAPH_VERSION = "v21.0"
    return live_sandbox


@pytest.mark.browser
def test_admin_connects_a_facebook_page(page: Any, live_server: Any, admin_user: Any, facebook_sandbox: Any) -> None:
    from playwright.sync_api import expect

    page.goto(f"{live_server.url}/w/acme/channels/")
    page.get_by_label("Username").fill("ada")
    page.get_by_label("Password").fill("browser-pass-2")
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/w/acme/channels/")
    expect(page.get_by_text("No channels are connected to this workspace yet.")).to_be_visible()

    page.get_by_role("button", name="Connect Facebook").click()
    page.wait_for_url(f"{facebook_sandbox.base_url}/facebook/**")  # the sandbox's Facebook Login dialog
    page.get_by_label("Log in as").fill("sandbox_admin")
    page.get_by_role("button", name="Approve").click()

    page.wait_for_url("**/w/acme/channels/callback/facebook/**")
    expect(page.get_by_role("heading", name="Which Facebook Pages should SMO publish to?")).to_be_visible()
    page.get_by_label("SMO Demo Page").uncheck()  # both are offered, checked; keep only the second
    expect(page.get_by_label("SMO Second Page")).to_be_checked()
    page.get_by_role("button", name="Connect selected Pages").click()

    page.wait_for_url("**/w/acme/channels/")
    expect(page.get_by_text("Connected 1 Facebook Page(s): SMO Second Page.")).to_be_visible()
    channel = Channel.objects.get(platform="facebook")
    assert (channel.external_id, channel.health) == ("102000000000002", Health.OK)
    row = page.locator(f"#channel-{channel.pk}")
    expect(row).to_contain_text("SMO Second Page")
    expect(row.locator(".channel-status")).to_have_text("Healthy")
    expect(row).to_contain_text("no expiry")  # Page tokens do not expire
    expect(page.get_by_text("SMO Demo Page")).to_have_count(0)

    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "channels-connected.png"), full_page=True)
