"""Chromium: create an API token by keyboard, see it once, call the API with it, revoke it, read the docs."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.factories import PASSWORD, ChannelFactory, MemberFactory, UserFactory, WorkspaceFactory
from workspaces.models import Role

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
pytestmark = [pytest.mark.django_db(transaction=True)]


@pytest.mark.browser
def test_token_lifecycle_in_the_browser(page: Any, live_server: Any) -> None:
    from playwright.sync_api import expect

    workspace = WorkspaceFactory(name="Acme <Rain>", time_zone="Europe/Berlin")
    member = MemberFactory(workspace=workspace, user=UserFactory(username="tess"), role=Role.MARKETER)
    ChannelFactory(workspace=workspace, display_name="Acme on X")
    page.goto(f"{live_server.url}/api/v1/tokens/")
    page.get_by_label("Username").fill(member.user.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/api/v1/tokens/")

    page.get_by_label("Name").fill("<b>Zapier</b>")
    expect(page.get_by_label("Workspace")).to_contain_text("Acme <Rain> (Marketer)")  # escaped, shown as text
    page.get_by_label("Name").press("Enter")  # submits with the keyboard
    secret = page.get_by_label("Your new token").input_value()
    assert secret.startswith("smo_")
    row = page.locator("tr[data-token]")
    expect(row).to_contain_text("<b>Zapier</b>")
    expect(row).to_contain_text(secret[:12])

    api = page.request.get(f"{live_server.url}/api/v1/channels/", headers={"Authorization": f"Bearer {secret}"})
    assert api.status == 200 and api.json()["results"][0]["display_name"] == "Acme on X"
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "api-tokens.png"), full_page=True)

    page.reload()
    expect(page.get_by_label("Your new token")).to_have_count(0)  # shown once only
    revoke = page.get_by_role("button", name="Revoke <b>Zapier</b>")
    revoke.focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("alert")).to_contain_text("revoked; it stops working at once")
    expect(page.locator("tr[data-token]")).to_contain_text("Revoked")
    api = page.request.get(f"{live_server.url}/api/v1/channels/", headers={"Authorization": f"Bearer {secret}"})
    assert api.status == 401

    page.get_by_role("link", name="API documentation").click()
    expect(page.locator('[data-operation="posts_schedule_create"]')).to_contain_text("/api/v1/posts/{id}/schedule/")
