"""Issue 5's browser proof in Chromium with real processes: the sandbox's audience comments on a post SMO
published and sends a direct message; both appear in the open inbox without a reload (the sync the beat job
runs is called here); a community manager assigns the comment, replies, marks it done; a real publish worker
sends the reply to the sandbox exactly once; the hostile comment is flagged as needing attention.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import requests

from inbox.models import Conversation, Reply
from inbox.services import inbox_sync_channel
from scheduler.models import Delivery, DeliveryState
from tests.chaos.helpers import schedule, wait_settled
from tests.factories import PASSWORD, ChannelFactory, MemberFactory, WorkspaceFactory
from workspaces.models import Role

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
ANGRY = "This is terrible. The worst launch ever, I am furious and so disappointed. Awful service!"
QUESTION = "Hi! Is the new model available in Europe?"
ANSWER = "Sorry to hear that! We are on it and will DM you today."
pytestmark = [pytest.mark.services, pytest.mark.browser, pytest.mark.chaos, pytest.mark.django_db(transaction=True)]


def audience(sandbox: Any, **body: Any) -> list[dict[str, Any]]:
    response = requests.post(f"{sandbox.base_url}/_sandbox/audience", timeout=30,
                             json={"platform": "x", "account": "smo_demo", **body})
    assert response.status_code == 201, response.text
    return response.json()["items"]


def test_audience_to_inbox_to_reply(page: Any, live_server: Any, stack: Any, sandbox: Any,
                                    replies_through_the_stack: None, settings: Any) -> None:
    from playwright.sync_api import expect

    settings.PLATFORM_ORIGINS = sandbox.origins()
    workspace = WorkspaceFactory(name="Acme", slug="acme", time_zone="Europe/Berlin")
    grant = sandbox.mint_token("x", "smo_demo")
    channel = ChannelFactory(workspace=workspace, platform="x", external_id=grant["account_id"], handle="smo_demo",
                             display_name="Acme on X", credentials={"access_token": grant["access_token"]})
    stack.start_worker(concurrency=4)
    [delivery] = schedule(workspace, [channel], 1, label="Launch day")
    assert stack.start_dispatcher().dispatch()["result"] == 1
    wait_settled(stack, [delivery.pk], 20)
    assert Delivery.objects.get(pk=delivery.pk).state == DeliveryState.PUBLISHED

    user = MemberFactory(workspace=workspace, role=Role.COMMUNITY_MANAGER).user
    page.on("dialog", lambda dialog: pytest.fail(f"a dialog opened: {dialog.message}"))
    page.goto(f"{live_server.url}/w/acme/inbox/")
    page.get_by_label("Username").fill(user.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/w/acme/inbox/")
    rows = page.locator("#inbox-rows [data-conversation-row]")
    expect(rows).to_have_count(0)

    [comment] = audience(sandbox, comments=1, text=ANGRY)
    [message] = audience(sandbox, messages=1, text=QUESTION)
    assert inbox_sync_channel(channel.pk) == "ok"
    expect(rows).to_have_count(2, timeout=15_000)  # arrived without a reload
    angry_row = rows.filter(has_text="worst launch ever")
    expect(angry_row.locator("[data-attention]")).to_be_visible()
    expect(rows.filter(has_text="available in Europe")).to_be_visible()
    expect(page).to_have_title(re.compile(r"^\(2\) Inbox"))

    angry_row.click()
    pane = page.locator("#inbox-pane")
    expect(pane.locator("#inbox-timeline")).to_contain_text("worst launch ever")
    pane.get_by_role("button", name="Assign to me").click()
    expect(angry_row.locator("[data-assignee]")).to_contain_text(user.username)
    page.locator("#inbox-reply-text").fill(ANSWER)
    page.locator("#inbox-reply-text").press("Control+Enter")
    expect(pane.locator('[data-reply][data-state="sent"]')).to_be_visible(timeout=20_000)
    page.evaluate("document.activeElement.blur()")  # leave the reply box: shortcuts never fire while typing
    page.locator("body").press("e")
    expect(pane.locator('[data-status="done"]')).to_be_visible()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "inbox-journey.png"), full_page=True)

    conversation = Conversation.objects.get(items__external_id=comment["id"])
    assert conversation.status == "done" and conversation.assignee == user and conversation.needs_attention
    assert not Conversation.objects.get(items__external_id=message["id"]).needs_attention
    reply = Reply.objects.get(conversation=conversation)
    assert reply.state == "sent" and reply.external_id
    landed = [create for create in sandbox.creates("x") if create["text"] == ANSWER]
    assert [create["id"] for create in landed] == [reply.external_id]
    assert sandbox.stats()["duplicates"] == 0
