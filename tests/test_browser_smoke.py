"""Browser smoke test: Debian's Chromium (via Playwright) logs in and watches a delivery's state change."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from platforms.models import Channel
from scheduler.models import Delivery, DeliveryState, Post
from workspaces.models import Member, Role, Workspace

ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"


@pytest.fixture
def published_delivery(django_user_model: Any) -> Delivery:
    user = django_user_model.objects.create_user("bea", password="browser-pass-1")
    workspace = Workspace.objects.create(name="Acme", slug="acme", time_zone="America/New_York")
    Member.objects.create(workspace=workspace, user=user, role=Role.MARKETER)
    channel = Channel.objects.create(
        workspace=workspace, platform="x", external_id="42", display_name="Acme on X", credentials={}
    )
    post = Post.objects.create(workspace=workspace, text="Launch day <b>not bold</b>")
    return Delivery.objects.create(
        workspace=workspace,
        post=post,
        channel=channel,
        state=DeliveryState.SCHEDULED,
        due_at=datetime(2026, 7, 1, 16, 0, tzinfo=UTC),
    )


@pytest.mark.browser
def test_member_logs_in_and_sees_delivery_state(page: Any, live_server: Any, published_delivery: Delivery) -> None:
    from playwright.sync_api import expect

    page.goto(f"{live_server.url}/w/acme/deliveries/")
    page.get_by_label("Username").fill("bea")
    page.get_by_label("Password").fill("browser-pass-1")
    page.get_by_role("button", name="Log in").click()

    page.wait_for_url("**/w/acme/deliveries/")
    row = page.locator(f'tr[data-delivery="{published_delivery.pk}"]')
    expect(row).to_contain_text("Launch day <b>not bold</b>")  # shown as text, not markup
    expect(row).to_contain_text("2026-07-01 12:00")  # 16:00 UTC in New York (EDT)
    expect(row.locator("[data-state]")).to_have_text("Scheduled")
    expect(page.get_by_text("America/New_York").first).to_be_visible()

    # The table polls every 3 s: a state change shows up without reloading the page.
    Delivery.objects.filter(pk=published_delivery.pk).update(
        state=DeliveryState.PUBLISHED, external_id="1799", permalink="https://x.com/acme/status/1799"
    )
    expect(row.locator("[data-state]")).to_have_text("Published", timeout=10_000)
    expect(row.get_by_role("link", name="1799")).to_have_attribute("href", "https://x.com/acme/status/1799")

    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "deliveries.png"), full_page=True)
