"""Issue 4's browser journey in Chromium, end to end with real processes: compose a post for X and a
Facebook Page with an over-limit X variant (blocked, then fixed), schedule it, find it on the calendar,
drag it to another day, and watch a real Celery worker publish it to the sandbox while the page updates.

Only the dispatcher's clock is moved: it is ticked at the post's new due time instead of waiting two days.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from platforms.models import Channel
from scheduler.models import Delivery, DeliveryState, Post
from tests.chaos.helpers import make_channel
from tests.factories import PASSWORD, ChannelFactory, MemberFactory, WorkspaceFactory
from workspaces.models import Role, Workspace

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
BERLIN = ZoneInfo("Europe/Berlin")
pytestmark = [pytest.mark.services, pytest.mark.browser, pytest.mark.chaos, pytest.mark.django_db(transaction=True)]


def facebook_page(sandbox: Any, workspace: Workspace) -> Channel:
    grant = sandbox.mint_token("facebook", "smo_demo_page")
    return ChannelFactory(workspace=workspace, platform="facebook", external_id=grant["page_id"],
                          handle="smo_demo_page", display_name="Acme Page",
                          credentials={"access_token": grant["page_access_token"]})


def log_in(page: Any, url: str, username: str) -> None:
    page.goto(url)
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()


def drag(page: Any, source: Any, target: Any) -> None:
    start, end = source.bounding_box(), target.bounding_box()
    page.mouse.move(start["x"] + 10, start["y"] + start["height"] / 2)
    page.mouse.down()
    page.mouse.move(start["x"] + 20, start["y"] + start["height"] / 2, steps=5)
    page.mouse.move(end["x"] + end["width"] / 2, end["y"] + end["height"] / 2, steps=15)
    page.mouse.up()


def compose_and_schedule(page: Any, base: str, x: Channel, fb: Channel) -> Post:
    from playwright.sync_api import expect

    page.get_by_role("checkbox", name=x.display_name).check()
    page.get_by_role("checkbox", name=fb.display_name).check()
    page.get_by_label("Text", exact=True).fill("Journey launch 🚀")
    page.get_by_role("tab", name=x.display_name).click()
    x_text = page.get_by_label(f"Text for {x.display_name}")
    x_text.fill("too long " * 40)
    counter = page.locator(f'[data-counter="{x.pk}"]')
    expect(counter).to_have_attribute("data-state", "over")
    schedule = page.get_by_role("button", name="Schedule", exact=True)
    expect(schedule).to_be_disabled()
    x_text.fill("Journey launch on X 🚀")
    expect(counter).to_have_attribute("data-state", "ok")
    expect(schedule).to_be_enabled()
    schedule.click()
    page.wait_for_url("**/w/acme/posts/*/")
    return Post.objects.get()


def test_compose_schedule_drag_and_publish(page: Any, live_server: Any, stack: Any, sandbox: Any) -> None:
    from playwright.sync_api import expect

    workspace = WorkspaceFactory(name="Acme", slug="acme", time_zone="Europe/Berlin")
    user = MemberFactory(workspace=workspace, role=Role.MARKETER).user
    x, fb = make_channel(sandbox, workspace, "journey_x"), facebook_page(sandbox, workspace)
    base = f"{live_server.url}/w/acme"

    log_in(page, f"{base}/compose/?at=2036-05-04T09:30", user.username)
    post = compose_and_schedule(page, base, x, fb)
    deliveries = Delivery.objects.filter(post=post)
    assert {d.state for d in deliveries} == {DeliveryState.SCHEDULED}

    page.goto(f"{base}/calendar/?view=month&date=2036-05-01")
    event = page.locator('td[data-date="2036-05-04"] .fc-event').filter(has_text="Journey launch").first
    expect(event).to_be_visible()
    drag(page, event, page.locator('td.fc-daygrid-day[data-date="2036-05-06"]'))
    expect(page.locator('td[data-date="2036-05-06"]')).to_contain_text("Journey launch")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "journey-calendar.png"), full_page=True)
    new_due = datetime(2036, 5, 6, 9, 30, tzinfo=BERLIN)
    assert new_due in {d.due_at for d in Delivery.objects.filter(post=post)}  # one channel's delivery moved

    page.goto(f"{base}/deliveries/")
    rows = [page.locator(f'tr[data-delivery="{d.pk}"] [data-state]') for d in deliveries]
    for row in rows:
        expect(row).to_have_text("Scheduled")
    stack.start_worker(concurrency=4)
    dispatcher = stack.start_dispatcher()
    assert dispatcher.dispatch(now=new_due)["result"] == 2  # the moved delivery and its twin, due earlier
    for row in rows:
        expect(row).to_have_text("Published", timeout=20_000)
    page.screenshot(path=str(ARTIFACTS / "journey-published.png"), full_page=True)

    creates = {(create["platform"], create["text"]) for create in sandbox.creates()}
    assert creates == {("x", "Journey launch on X 🚀"), ("facebook", "Journey launch 🚀")}
    assert len(sandbox.creates()) == 2 and sandbox.stats()["duplicates"] == 0
