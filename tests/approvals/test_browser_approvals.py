"""In Chromium: an approval voided by an edit.

A marketer asks for approval, an approver approves, the marketer edits the text: the post page shows the
approval voided with what changed, and scheduling is refused until the new text is approved again.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from approvals.models import ApprovalRequest, ApprovalState
from platforms.models import Channel
from scheduler.models import Delivery, DeliveryState, Post
from workspaces.models import Member, Role, Workspace

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
SCOPES = ["tweet.read", "tweet.write", "users.read", "offline.access"]


@pytest.fixture
def draft_post(django_user_model: Any) -> Post:
    workspace = Workspace.objects.create(name="Acme", slug="acme", time_zone="Europe/Berlin", requires_approval=True)
    mara = django_user_model.objects.create_user("mara", password="browser-pass-2")
    abe = django_user_model.objects.create_user("abe", password="browser-pass-3")
    Member.objects.create(workspace=workspace, user=mara, role=Role.MARKETER)
    Member.objects.create(workspace=workspace, user=abe, role=Role.APPROVER)
    x = Channel.objects.create(workspace=workspace, platform="x", external_id="42", display_name="Acme on X",
                               handle="acme", credentials={"access_token": "t", "refresh_token": "r"}, scopes=SCOPES)
    post = Post.objects.create(workspace=workspace, text="Launch day is Monday", created_by=mara)
    Delivery.objects.create(workspace=workspace, post=post, channel=x, state=DeliveryState.DRAFT)
    return post


def sign_in(page: Any, url: str, username: str, password: str) -> None:
    page.goto(url)
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()


def approve_as_approver(browser: Any, live_server: Any, post: Post, comment: str) -> None:
    context = browser.new_context()
    approver = context.new_page()
    sign_in(approver, f"{live_server.url}/w/acme/approvals/", "abe", "browser-pass-3")
    approver.wait_for_url("**/w/acme/approvals/")
    approver.get_by_role("link", name="Launch day").first.click()
    approver.wait_for_url(f"**/w/acme/posts/{post.pk}/")
    approver.get_by_label("Comment (optional; the author sees it)").fill(comment)
    approver.get_by_role("button", name="Approve", exact=True).click()
    from playwright.sync_api import expect

    expect(approver.locator("#approval")).to_have_attribute("data-approval-state", "approved")
    context.close()


@pytest.mark.browser
def test_approval_voided_by_an_edit(page: Any, browser: Any, live_server: Any, draft_post: Post) -> None:
    from playwright.sync_api import expect

    post_url = f"{live_server.url}/w/acme/posts/{draft_post.pk}/"
    compose_url = f"{live_server.url}/w/acme/compose/?post={draft_post.pk}"
    panel = page.locator("#approval")

    # The marketer asks for approval from the post page.
    sign_in(page, post_url, "mara", "browser-pass-2")
    page.wait_for_url(f"**/w/acme/posts/{draft_post.pk}/")
    expect(panel).to_have_attribute("data-approval-state", "none")
    page.get_by_role("button", name="Request approval").click()
    expect(panel).to_have_attribute("data-approval-state", "pending")

    # The approver finds it in the queue and approves it with a comment.
    approve_as_approver(browser, live_server, draft_post, "Ship it")
    page.reload()
    expect(panel).to_have_attribute("data-approval-state", "approved")
    expect(panel.locator("[data-approval-comment]")).to_have_text("Ship it")

    # The marketer edits the text in the composer and saves the draft.
    page.goto(compose_url)
    expect(page.locator("#compose-approval")).to_have_attribute("data-approval-state", "approved")
    page.get_by_label("Text", exact=True).fill("Launch day is Tuesday <b>now</b>")
    page.get_by_role("button", name="Save draft").click()
    page.wait_for_url(f"**/w/acme/compose/?post={draft_post.pk}")

    # The post page shows the approval voided, with the change (escaped).
    page.goto(post_url)
    expect(panel).to_have_attribute("data-approval-state", "void")
    expect(panel.locator("[data-approval-void]")).to_contain_text("Changed since approval")
    changes = panel.locator("[data-approval-changes]")
    expect(changes.locator('[data-diff="removed"]')).to_contain_text("Launch day is Monday")
    expect(changes.locator('[data-diff="added"]')).to_contain_text("Launch day is Tuesday <b>now</b>")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "approval-voided.png"), full_page=True)

    # Scheduling is refused, and what was typed stays.
    page.goto(compose_url)
    page.get_by_label("Publish at (Europe/Berlin)").fill("2036-05-04T09:30")
    schedule = page.get_by_role("button", name="Schedule", exact=True)
    expect(schedule).to_be_enabled()
    schedule.click()
    expect(page.locator("#compose-errors")).to_contain_text("changed since it was approved")
    expect(page.get_by_label("Text", exact=True)).to_have_value("Launch day is Tuesday <b>now</b>")
    assert set(Delivery.objects.filter(post=draft_post).values_list("state", flat=True)) == {DeliveryState.DRAFT}

    # Asked again and approved again, the new text can be scheduled.
    page.get_by_role("button", name="Request approval").click()
    page.wait_for_url(f"**/w/acme/posts/{draft_post.pk}/")
    expect(panel).to_have_attribute("data-approval-state", "pending")
    approve_as_approver(browser, live_server, draft_post, "Tuesday is fine")
    page.goto(compose_url)
    page.get_by_role("button", name="Schedule", exact=True).click()
    page.wait_for_url(f"**/w/acme/posts/{draft_post.pk}/")
    expect(page.locator("[data-state]").first).to_have_text("Scheduled")
    assert ApprovalRequest.objects.filter(post=draft_post, state=ApprovalState.APPROVED).count() == 1
    assert set(Delivery.objects.filter(post=draft_post).values_list("state", flat=True)) == {DeliveryState.SCHEDULED}
