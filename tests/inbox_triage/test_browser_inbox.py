"""Chromium: j/k through the list, open with o, assign to me, tag, mark done with e; a new comment stored by
the ingest service appears without a reload and the unread count in the tab title goes up."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from inbox.models import Conversation
from inbox.services import inbox_ingest
from tests.factories import PASSWORD
from tests.inbox_triage.conftest import entry
from workspaces.models import Role

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_keyboard_triage_and_live_arrival(page: Any, live_server: Any, workspace: Any, channel: Any,
                                          member: Any) -> None:
    from playwright.sync_api import expect

    inbox_ingest(channel, [entry(n, text=f"Question {n} <script>alert({n})</script>") for n in (1, 2, 3)])
    user = member(Role.COMMUNITY_MANAGER).user
    newest, middle = (Conversation.objects.get(external_id=f"thread-{n}") for n in (3, 2))
    page.on("dialog", lambda dialog: pytest.fail(f"a dialog opened: {dialog.message}"))

    page.goto(f"{live_server.url}/w/acme/inbox/")
    page.get_by_label("Username").fill(user.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/w/acme/inbox/")
    expect(page).to_have_title("(3) Inbox · SMO")

    rows = page.locator("#inbox-rows [data-conversation-row]")
    page.locator("body").press("j")
    expect(rows.nth(0)).to_have_class(re.compile("smo-current"))
    page.locator("body").press("j")
    expect(rows.nth(1)).to_have_class(re.compile("smo-current"))
    page.locator("body").press("k")
    expect(rows.nth(0)).to_have_class(re.compile("smo-current"))
    page.locator("body").press("o")
    pane = page.locator("#inbox-pane")
    expect(pane).to_have_attribute("data-conversation", str(newest.pk))
    expect(pane.locator("#inbox-timeline")).to_contain_text("Question 3 <script>alert(3)</script>")
    expect(page).to_have_url(re.compile(rf"conversation={newest.pk}"))
    expect(page).to_have_title("(2) Inbox · SMO")  # opened means read

    pane.get_by_role("button", name="Assign to me").click()
    expect(pane.locator("#inbox-actions")).to_contain_text("Assignment saved.")
    expect(rows.nth(0).locator("[data-assignee]")).to_contain_text(user.username)
    pane.get_by_label("Add a tag").fill("VIP")
    pane.get_by_role("button", name="Add", exact=True).click()
    expect(pane.locator('[data-tag="vip"]')).to_be_visible()

    page.locator("body").press("?")
    expect(page.locator("#inbox-help")).to_be_visible()
    page.keyboard.press("Escape")
    expect(page.locator("#inbox-help")).to_be_hidden()

    page.locator("body").press("e")
    expect(pane.locator('[data-status="done"]')).to_be_visible()
    expect(rows).to_have_count(2)  # done leaves the open tab
    stored = Conversation.objects.get(pk=newest.pk)
    assert stored.status == "done" and stored.assignee == user
    assert list(stored.tags.values_list("name", flat=True)) == ["vip"]

    page.locator("body").press("r")
    expect(page.locator("#inbox-reply-text")).to_be_focused()
    page.keyboard.type("jjj e")  # typed into the box, not taken as shortcuts
    expect(page.locator("#inbox-reply-text")).to_have_value("jjj e")
    assert Conversation.objects.get(pk=middle.pk).status == "open"

    inbox_ingest(channel, [entry(9, text="Brand new question")])
    expect(rows.first).to_contain_text("Brand new question", timeout=12_000)
    expect(page).to_have_title("(3) Inbox · SMO")
    expect(page.locator("#inbox-reply-text")).to_have_value("jjj e")  # the poll never touches the reply box
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "inbox.png"), full_page=True)
