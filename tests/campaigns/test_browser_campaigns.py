"""In Chromium: create a campaign with UTM defaults and an audience on its page, then compose a post with a link in
that campaign and see the tracked link in the preview, following the chosen audience and campaign."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from platforms.models import Channel
from scheduler.models import Campaign, Post
from workspaces.models import Member, Role, Workspace

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
PUBLISHING = ["tweet.read", "tweet.write", "users.read", "offline.access"]


@pytest.fixture
def x_channel(django_user_model: Any) -> Channel:
    user = django_user_model.objects.create_user("mara", password="browser-pass-2")
    workspace = Workspace.objects.create(name="Acme", slug="acme", time_zone="Europe/Berlin")
    Member.objects.create(workspace=workspace, user=user, role=Role.MARKETER)
    return Channel.objects.create(workspace=workspace, platform="x", external_id="42", display_name="Acme on X",
                                  handle="acme", credentials={"access_token": "fake-token"}, scopes=PUBLISHING)


@pytest.mark.browser
def test_campaign_utm_defaults_tag_the_link_in_the_composer(page: Any, live_server: Any, x_channel: Channel) -> None:
    from playwright.sync_api import expect

    page.goto(f"{live_server.url}/w/acme/campaigns/new/")
    page.get_by_label("Username").fill("mara")
    page.get_by_label("Password").fill("browser-pass-2")
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/w/acme/campaigns/new/")

    page.get_by_label("Name", exact=True).fill("Spring sale")
    page.get_by_label("Labels").fill("spring, shop")
    page.get_by_label("utm_source").fill("spring sale")  # a space: refused, and nothing typed is lost
    page.get_by_label("utm_campaign").fill("spring-sale")
    page.get_by_label("utm_content").fill("{audience}")
    page.get_by_label("Audience 1: name").fill("DACH")
    page.get_by_label("Audience 1: region").fill("DE, AT, CH")
    page.get_by_role("button", name="Create campaign").click()
    expect(page.locator("[data-error-for=utm]")).to_contain_text("utm_source contains a space")
    expect(page.get_by_label("Audience 1: name")).to_have_value("DACH")
    expect(page.get_by_label("utm_campaign")).to_have_value("spring-sale")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "campaign-form-refused.png"), full_page=True)

    page.get_by_label("utm_source").fill("{platform}")
    page.get_by_role("button", name="Create campaign").click()
    page.wait_for_url("**/w/acme/campaigns/*/")
    campaign = Campaign.objects.get()
    assert campaign.utm_defaults == {"utm_source": "{platform}", "utm_campaign": "spring-sale",
                                     "utm_content": "{audience}"}
    expect(page.locator("#campaign-utm")).to_contain_text("utm_source={platform}")
    page.screenshot(path=str(ARTIFACTS / "campaign-detail-empty.png"), full_page=True)

    page.get_by_role("link", name="New post in this campaign").click()
    page.wait_for_url(f"**/w/acme/compose/?campaign={campaign.pk}")
    expect(page.get_by_label("Campaign", exact=True)).to_have_value(str(campaign.pk))
    page.get_by_role("checkbox", name="Acme on X").check()
    page.get_by_label("Text", exact=True).fill("Umbrellas for everyone")
    page.get_by_label("Link", exact=True).fill("https://example.com/shop?ref=mail#top")
    preview = page.locator(f'[data-preview="{x_channel.pk}"]')
    expect(preview).to_contain_text("https://example.com/shop?ref=mail&utm_source=x&utm_campaign=spring-sale#top")

    page.get_by_label("Audience", exact=True).select_option(label="DACH (DE, AT, CH)")
    expect(preview).to_contain_text("utm_campaign=spring-sale&utm_content=dach#top")
    page.screenshot(path=str(ARTIFACTS / "campaign-composer-tracked-link.png"), full_page=True)

    page.get_by_label("Campaign", exact=True).select_option(label="No campaign")
    expect(page.get_by_label("Audience", exact=True)).to_have_count(0)  # the select leaves with the campaign
    expect(preview).to_contain_text("https://example.com/shop?ref=mail#top")
    expect(preview).not_to_contain_text("utm_")

    page.get_by_label("Campaign", exact=True).select_option(label="Spring sale")
    page.get_by_label("Audience", exact=True).select_option(label="DACH (DE, AT, CH)")
    page.get_by_role("button", name="Save draft").click()
    page.wait_for_url("**/w/acme/compose/?post=*")
    post = Post.objects.get()
    assert (post.campaign_id, post.audience, post.link) == (campaign.pk, "dach", "https://example.com/shop?ref=mail#top")
    expect(page.get_by_label("Audience", exact=True)).to_have_value("dach")

    page.goto(f"{live_server.url}/w/acme/campaigns/{campaign.pk}/")
    section = page.locator(f'section[data-post="{post.pk}"]')
    expect(section.locator("[data-audience]")).to_have_text("for DACH")
    expect(section.locator("[data-state]")).to_have_text("Draft")
    expect(page.locator("#campaign-summary")).to_have_text("1 draft")
    page.screenshot(path=str(ARTIFACTS / "campaign-detail-with-post.png"), full_page=True)
