"""Chromium: set a channel's queue times, add two posts from the composer, reorder them by drag and by keyboard."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from platforms.models import Channel
from scheduler import queues
from tests.factories import PASSWORD, MemberFactory
from workspaces.models import Role, Workspace

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
SCOPES = ["tweet.read", "tweet.write", "users.read", "offline.access"]
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def x(workspace: Workspace) -> Channel:
    return Channel.objects.create(workspace=workspace, platform="x", external_id="42", display_name="Acme on X",
                                  handle="acme", credentials={"access_token": "t", "refresh_token": "r"},
                                  scopes=SCOPES)


def queue_texts(page: Any, channel: Channel) -> list[str]:
    return page.locator(f"#queue-{channel.pk} [data-queue-text]").all_inner_texts()


def compose_to_queue(page: Any, base: str, channel: Channel, text: str) -> None:
    from playwright.sync_api import expect

    page.goto(f"{base}/w/acme/compose/")
    page.get_by_role("checkbox", name="Acme on X").check()
    page.get_by_label("Text", exact=True).fill(text)
    button = page.get_by_role("button", name="Add to queue")
    expect(button).to_be_enabled()
    button.click()
    page.wait_for_url("**/w/acme/posts/*/")
    expect(page.get_by_role("alert").filter(has_text="Added to the queue: Acme on X on")).to_be_visible()


def test_set_times_queue_from_composer_and_reorder(page: Any, live_server: Any, workspace: Workspace, x) -> None:
    from playwright.sync_api import expect

    user = MemberFactory(workspace=workspace, role=Role.MARKETER).user
    page.goto(f"{live_server.url}/w/acme/queues/")
    page.get_by_label("Username").fill(user.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/w/acme/queues/**")

    card = page.locator(f"#queue-{x.pk}")
    card.get_by_label("Tuesday").check()
    card.get_by_label("Thursday").check()
    card.get_by_label("Time", exact=True).fill("09:00")
    card.get_by_role("button", name="Add time").click()
    expect(card.locator("[data-queue-slots]")).to_contain_text("Tuesday 09:00")
    expect(card.locator("[data-queue-slots]")).to_contain_text("Thursday 09:00")

    compose_to_queue(page, live_server.url, x, "First <b>queued</b>")
    compose_to_queue(page, live_server.url, x, "Second queued")
    page.goto(f"{live_server.url}/w/acme/queues/")
    assert queue_texts(page, x) == ["First <b>queued</b>", "Second queued"]
    first_time = card.locator("[data-queue-time]").first.inner_text()

    items = card.locator("[data-queue-item]")
    items.nth(1).drag_to(items.nth(0), target_position={"x": 40, "y": 4})
    expect(card.locator("[data-queue-status]")).to_have_text("New order saved.")
    assert queue_texts(page, x) == ["Second queued", "First <b>queued</b>"]
    assert card.locator("[data-queue-time]").first.inner_text() == first_time  # the slot stays, the post changes
    assert [d.post.text for d in queues.queue_entries(x)] == ["Second queued", "First <b>queued</b>"]
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "queues-reordered.png"), full_page=True)

    second = queues.queue_entries(x)[0]
    card.get_by_role("button", name="Move post 1 down").focus()
    page.keyboard.press("Enter")
    expect(card.locator("[data-queue-text]").first).to_have_text("First <b>queued</b>")
    expect(page.locator(f"#queue-down-{second.pk}")).to_be_focused()  # the keyboard user stays on the moved post
    assert [d.post.text for d in queues.queue_entries(x)] == ["First <b>queued</b>", "Second queued"]
