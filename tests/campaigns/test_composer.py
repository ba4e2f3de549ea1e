"""The composer's campaign picker and audience select: previews show the tracked link, drafts keep the campaign
and the audience, and nothing of another workspace's campaigns gets in."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from scheduler.models import Post
from tests.campaigns.conftest import AUDIENCES
from tests.factories import CampaignFactory, PostFactory, WorkspaceFactory

pytestmark = [pytest.mark.django_db]


def composer_url(name: str, workspace) -> str:
    return reverse(f"composer:{name}", kwargs={"slug": workspace.slug})


def audience_url(workspace) -> str:
    return reverse("campaigns:audience_select", kwargs={"slug": workspace.slug})


def form(channels, campaign=None, **extra) -> dict:
    data = {"text": "Rain is coming", "link": "https://example.com/umbrellas?size=m#buy", "media": "", "at": "",
            "draft_key": "k1", "channels": [str(c.pk) for c in channels],
            "campaign": str(campaign.pk) if campaign else "", "audience": ""}
    data.update(extra)
    return data


def test_preview_shows_the_tracked_link_per_platform(marketer: Client, workspace, campaign, channels) -> None:
    html = marketer.post(composer_url("preview", workspace), form(channels, campaign)).content.decode()
    tracked = "https://example.com/umbrellas?size=m&amp;utm_source={}&amp;utm_medium=social&amp;utm_campaign=rainy-spring#buy"
    assert tracked.format("x") in html and tracked.format("facebook") in html
    untouched = marketer.post(composer_url("preview", workspace), form(channels)).content.decode()
    assert "utm_" not in untouched


def test_preview_ignores_a_campaign_of_another_workspace(marketer: Client, workspace, channels) -> None:
    foreign = CampaignFactory(workspace=WorkspaceFactory(), utm_defaults={"utm_source": "leak"})
    html = marketer.post(composer_url("preview", workspace), form(channels, foreign)).content.decode()
    assert "leak" not in html and "https://example.com/umbrellas?size=m#buy" in html


def test_draft_keeps_campaign_and_audience_and_reopens_with_them(marketer: Client, workspace, campaign,
                                                                 channels) -> None:
    response = marketer.post(composer_url("submit", workspace), form(channels, campaign, audience="nordics",
                                                                      action="draft"))
    assert response.status_code == 302
    post = Post.objects.get()
    assert (post.campaign_id, post.audience) == (campaign.pk, "nordics")
    page = marketer.get(composer_url("compose", workspace), {"post": post.pk}).content.decode()
    assert f'<option value="{campaign.pk}" selected>Rainy spring</option>' in page
    assert '<option value="nordics" selected>Nordics (SE, NO · en · cold)</option>' in page


@pytest.mark.parametrize(("make_campaign", "audience", "message"), [
    (lambda ws: CampaignFactory(workspace=ws, name="Plain"), "dach",
     "The campaign Plain has no audience dach; pick one of its audiences or none."),
    (lambda ws: CampaignFactory(workspace=WorkspaceFactory()), "",
     "This campaign no longer exists in this workspace; pick another one."),
    (lambda ws: None, "dach", "Pick a campaign before an audience: audiences belong to a campaign."),
])
def test_a_wrong_campaign_or_audience_is_refused_and_the_text_kept(marketer: Client, workspace, channels,
                                                                   make_campaign, audience, message) -> None:
    data = form(channels, make_campaign(workspace), audience=audience, action="draft")
    response = marketer.post(composer_url("submit", workspace), data)
    html = response.content.decode()
    assert response.status_code == 422 and message in html and "Rain is coming</textarea>" in html
    assert not Post.objects.exists()


def test_compose_from_a_campaign_page_preselects_it(marketer: Client, workspace, campaign, channels) -> None:
    page = marketer.get(composer_url("compose", workspace), {"campaign": campaign.pk}).content.decode()
    assert f'<option value="{campaign.pk}" selected>Rainy spring</option>' in page
    assert 'name="audience"' in page and '<option value="dach">DACH (DE, AT, CH · de · temperate)</option>' in page
    foreign = CampaignFactory(workspace=WorkspaceFactory())
    page = marketer.get(composer_url("compose", workspace), {"campaign": foreign.pk}).content.decode()
    assert " selected>" not in page.split('id="f-campaign"')[1].split("</select>")[0]
    assert 'name="audience"' not in page


def test_picker_leaves_out_archived_campaigns_unless_the_post_has_one(marketer: Client, workspace) -> None:
    archived = CampaignFactory(workspace=workspace, name="Old one", archived_at=timezone.now())
    CampaignFactory(workspace=workspace, name="Current")
    CampaignFactory(workspace=WorkspaceFactory(), name="Theirs")
    page = marketer.get(composer_url("compose", workspace)).content.decode()
    assert "Current" in page and "Old one" not in page and "Theirs" not in page
    post = PostFactory(workspace=workspace, campaign=archived)
    assert "Old one" in marketer.get(composer_url("compose", workspace), {"post": post.pk}).content.decode()


def test_audience_select_fragment(viewer: Client, workspace, campaign) -> None:
    html = viewer.get(audience_url(workspace), {"campaign": campaign.pk, "audience": "dach"}).content.decode()
    assert html.startswith('<div id="compose-audience"')
    assert '<option value="dach" selected>' in html and '<option value="nordics">' in html
    plain = CampaignFactory(workspace=workspace)
    foreign = CampaignFactory(workspace=WorkspaceFactory(), audiences=AUDIENCES)
    for value in (plain.pk, foreign.pk, "", "abc", "9" * 30):
        empty = viewer.get(audience_url(workspace), {"campaign": value}).content.decode()
        assert 'id="compose-audience"' in empty and "<select" not in empty, value
