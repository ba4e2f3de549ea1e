"""Chromium: the calendar shows a scheduled post, a mouse drag moves it to another day, Undo puts it back."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from scheduler.models import Delivery
from tests.calendar.conftest import JULY_1_10_UTC, make_delivery
from tests.factories import PASSWORD, MemberFactory
from workspaces.models import Role, Workspace

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def log_in(page: Any, live_server: Any, role: str, workspace: Workspace) -> None:
    user = MemberFactory(workspace=workspace, role=role).user
    page.goto(f"{live_server.url}/w/acme/calendar/?view=month&date=2030-07-01")
    page.get_by_label("Username").fill(user.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/w/acme/calendar/**")


def drag(page: Any, source: Any, target: Any) -> None:
    # FullCalendar starts a drag only after the pointer moves a few pixels with the button held.
    start, end = source.bounding_box(), target.bounding_box()
    page.mouse.move(start["x"] + 10, start["y"] + start["height"] / 2)
    page.mouse.down()
    page.mouse.move(start["x"] + 20, start["y"] + start["height"] / 2, steps=5)
    page.mouse.move(end["x"] + end["width"] / 2, end["y"] + end["height"] / 2, steps=15)
    page.mouse.up()


def test_drag_reschedules_and_undo_restores(page: Any, live_server: Any, workspace: Workspace, channels) -> None:
    from playwright.sync_api import expect

    delivery = make_delivery(workspace, channels[0], text="Launch <img src=x onerror=alert(1)> day")
    log_in(page, live_server, Role.MARKETER, workspace)
    event = page.locator(f'.fc-event[data-delivery="{delivery.pk}"]')
    expect(event).to_contain_text("Launch <img src=x onerror=alert(1)> day")  # text, not markup
    expect(event).to_contain_text("12:00")  # 10:00 UTC shown as 12:00 Berlin time
    expect(page.locator('td[data-date="2030-07-01"]')).to_contain_text("Launch")

    drag(page, event, page.locator('td.fc-daygrid-day[data-date="2030-07-03"]'))
    expect(page.locator("#calendar-toast")).to_contain_text("Moved to 2030-07-03 12:00.")
    expect(page.locator('td[data-date="2030-07-03"]')).to_contain_text("Launch")
    delivery.refresh_from_db()
    assert delivery.due_at == datetime(2030, 7, 3, 10, 0, tzinfo=UTC)  # the same wall-clock time, two days later
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "calendar.png"), full_page=True)

    page.get_by_role("button", name="Undo").click()
    expect(page.locator("#calendar-toast")).to_contain_text("Move undone.")
    expect(page.locator('td[data-date="2030-07-01"]')).to_contain_text("Launch")
    assert Delivery.objects.get(pk=delivery.pk).due_at == JULY_1_10_UTC


def test_keyboard_shortcuts_and_viewer_cannot_drag(page: Any, live_server: Any, workspace: Workspace,
                                                   channels) -> None:
    from playwright.sync_api import expect

    delivery = make_delivery(workspace, channels[0], text="Read only")
    log_in(page, live_server, Role.VIEWER, workspace)
    event = page.locator(f'.fc-event[data-delivery="{delivery.pk}"]')
    expect(event).to_have_attribute("data-editable", "false")
    drag(page, event, page.locator('td.fc-daygrid-day[data-date="2030-07-03"]'))
    expect(page.locator('td[data-date="2030-07-01"]')).to_contain_text("Read only")
    assert Delivery.objects.get(pk=delivery.pk).due_at == JULY_1_10_UTC

    page.locator("body").press("w")
    expect(page.locator(".fc-timeGridWeek-view")).to_be_visible()
    expect(page).to_have_url(f"{live_server.url}/w/acme/calendar/?view=week&date=2030-06-30")
    page.locator("body").press("ArrowRight")
    expect(page).to_have_url(f"{live_server.url}/w/acme/calendar/?view=week&date=2030-07-07")
    page.locator("body").press("m")
    expect(page.locator(".fc-dayGridMonth-view")).to_be_visible()
    page.locator("body").press("l")
    expect(page.locator(".fc-list")).to_be_visible()
