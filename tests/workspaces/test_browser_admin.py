"""In Chromium, by keyboard: an admin adds a member, changes the role, then finds both in the filtered audit log."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from workspaces.models import Member, Role, Workspace

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


@pytest.fixture
def acme(django_user_model: Any) -> Workspace:
    workspace = Workspace.objects.create(name="Acme", slug="acme", time_zone="Europe/Berlin")
    Member.objects.create(workspace=workspace, role=Role.ADMIN,
                          user=django_user_model.objects.create_user("ada", password="browser-pass-4"))
    django_user_model.objects.create_user("bea", email="bea@example.com", password="unused-pass-4")
    return workspace


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_add_member_change_role_and_read_the_audit_log(page: Any, live_server: Any, acme: Workspace) -> None:
    from playwright.sync_api import expect

    page.goto(f"{live_server.url}/w/acme/members/")
    page.get_by_label("Username").fill("ada")
    page.get_by_label("Password").fill("browser-pass-4")
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/w/acme/members/")

    page.get_by_label("Username or e-mail address").fill("nobody@example.com")
    page.get_by_label("Username or e-mail address").press("Enter")
    expect(page.get_by_role("alert").filter(has_text="No active account")).to_be_visible()
    expect(page.get_by_label("Username or e-mail address")).to_have_value("nobody@example.com")  # kept

    page.get_by_label("Username or e-mail address").fill("bea@example.com")
    page.get_by_label("Role", exact=True).select_option(Role.VIEWER)
    page.get_by_role("button", name="Add member").press("Enter")
    expect(page.get_by_text("Added bea as Viewer.")).to_be_visible()

    role = page.get_by_label("Role of bea")
    role.select_option(Role.APPROVER)
    role.press("Tab")
    page.keyboard.press("Enter")  # the focused "Change role" button of bea's row
    expect(page.get_by_text("bea is now Approver.")).to_be_visible()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "members.png"), full_page=True)

    page.goto(f"{live_server.url}/w/acme/audit/")
    rows = page.locator("table.audit-log tbody tr")
    expect(rows).to_have_count(2)
    page.get_by_label("Action").select_option(label="Member's role changed")
    page.get_by_role("button", name="Filter").click()
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("role: viewer → approver")
    expect(rows.first).to_contain_text("ada")
    page.screenshot(path=str(ARTIFACTS / "audit-log.png"), full_page=True)
