"""In Chromium: an over-limit X variant turns the counter red and blocks scheduling; fixed, it schedules."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from platforms.models import Channel
from scheduler.models import Delivery, DeliveryState, Post
from workspaces.models import Member, Role, Workspace

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
PUBLISHING = ["tweet.read", "tweet.write", "users.read", "offline.access", "pages_manage_posts",
              "pages_read_engagement"]


@pytest.fixture
def channels(django_user_model: Any) -> tuple[Channel, Channel]:
    user = django_user_model.objects.create_user("mara", password="browser-pass-2")
    workspace = Workspace.objects.create(name="Acme", slug="acme", time_zone="Europe/Berlin")
    Member.objects.create(workspace=workspace, user=user, role=Role.MARKETER)
    fake = {"access_token": "fake-token", "refresh_token": "fake-refresh"}
    x = Channel.objects.create(workspace=workspace, platform="x", external_id="42", display_name="Acme on X",
                               handle="acme", credentials=fake, scopes=PUBLISHING)
    fb = Channel.objects.create(workspace=workspace, platform="facebook", external_id="1001",
                                display_name="Acme Page", credentials=fake, scopes=PUBLISHING)
    return x, fb


@pytest.mark.browser
def test_over_limit_x_variant_blocks_then_schedules(page: Any, live_server: Any, channels: Any) -> None:
    from playwright.sync_api import expect

    x, fb = channels
    page.goto(f"{live_server.url}/w/acme/compose/?at=2036-05-04T09:30")
    page.get_by_label("Username").fill("mara")
    page.get_by_label("Password").fill("browser-pass-2")
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/w/acme/compose/**")
    expect(page.get_by_label("Publish at (Europe/Berlin)")).to_have_value("2036-05-04T09:30")

    page.get_by_role("checkbox", name="Acme on X").check()
    page.get_by_role("checkbox", name="Acme Page").check()
    page.get_by_label("Text", exact=True).fill("Launch <b>day</b> 🎉")
    x_counter = page.locator(f'[data-counter="{x.pk}"]')
    expect(x_counter).to_contain_text("20 / 280")  # the emoji weighs 2 on X
    expect(page.locator(f'[data-preview="{fb.pk}"] [data-preview-text]')).to_have_text("Launch <b>day</b> 🎉")

    page.get_by_role("tab", name="Acme on X").click()
    page.get_by_label("Text for Acme on X").fill("x" * 281)
    expect(x_counter).to_have_attribute("data-state", "over")
    expect(x_counter.locator(".text-danger").first).to_contain_text("281 / 280")
    schedule = page.get_by_role("button", name="Schedule", exact=True)
    expect(schedule).to_be_disabled()
    page.get_by_label("Text for Acme on X").press("Control+Enter")  # blocked: nothing is submitted
    expect(page).to_have_url(f"{live_server.url}/w/acme/compose/?at=2036-05-04T09:30")
    expect(page.locator(f'[data-preview="{x.pk}"] [data-preview-text]')).to_contain_text("x" * 281)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "composer-over-limit.png"), full_page=True)

    page.get_by_label("Text for Acme on X").fill("Launch day on X 🎉 https://example.com/launch")
    expect(x_counter).to_have_attribute("data-state", "ok")
    expect(x_counter).to_contain_text("42 / 280")  # 16 + 2 (emoji) + 1 space + 23 (link)
    expect(schedule).to_be_enabled()
    page.get_by_label("Text for Acme on X").press("Control+Enter")

    page.wait_for_url("**/w/acme/posts/*/")
    post = Post.objects.get()
    assert {d.state for d in Delivery.objects.filter(post=post)} == {DeliveryState.SCHEDULED}
    for channel in (x, fb):
        section = page.locator(f'section[data-delivery="{post.deliveries.get(channel=channel).pk}"]')
        expect(section.locator("[data-state]")).to_have_text("Scheduled")
        expect(section).to_contain_text("2036-05-04 09:30 CEST")
    page.screenshot(path=str(ARTIFACTS / "composer-scheduled.png"), full_page=True)
