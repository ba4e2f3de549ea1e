"""The campaign pages: list and filters, the form (errors keep what was typed), the detail page with its
posts, archive, delete, tailoring; roles; and 404 for every campaign URL from another workspace."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from scheduler import urls_campaigns
from scheduler.models import Campaign, DeliveryState, Post
from tests.campaigns.conftest import AUDIENCES
from tests.factories import CampaignFactory, DeliveryFactory, PostFactory
from workspaces.models import AuditEvent, Workspace

pytestmark = [pytest.mark.django_db]


def url(name: str, workspace, **kwargs) -> str:
    return reverse(f"campaigns:{name}", kwargs={"slug": workspace.slug, **kwargs})


def form_data(**overrides) -> dict:
    data = {"name": "Summer", "goal": "Sell fans", "starts_on": "2030-06-01", "ends_on": "2030-08-31",
            "labels": "heat, shop", "utm_source": "{platform}", "utm_medium": "social", "utm_campaign": "summer",
            "utm_term": "", "utm_content": "",
            "aud-name": ["South", ""], "aud-key": ["", ""], "aud-region": ["IT, ES", ""], "aud-language": ["it", ""],
            "aud-climate": ["hot", ""]}
    data.update(overrides)
    return data


# -- list -----------------------------------------------------------------------------------------


def test_list_shows_dates_labels_and_delivery_counts(viewer: Client, workspace, campaign, channels) -> None:
    post = PostFactory(workspace=workspace, campaign=campaign)
    DeliveryFactory(post=post, channel=channels[0], state=DeliveryState.PUBLISHED)
    DeliveryFactory(post=post, channel=channels[1], state=DeliveryState.FAILED)
    CampaignFactory(workspace=workspace, name="<b>Bold</b>", starts_on=date(2031, 1, 1))
    html = viewer.get(url("list", workspace)).content.decode()
    assert "Rainy spring" in html and "&lt;b&gt;Bold&lt;/b&gt;" in html and "<b>Bold</b>" not in html
    assert '<span class="badge rounded-pill text-bg-secondary me-1">rain</span>' in html
    assert 'data-state="published">1 Published</span>' in html and 'data-state="failed">1 Failed</span>' in html
    assert "from 2031-01-01" in html and "upcoming" in html
    assert "New campaign" not in html  # a viewer reads only


def test_list_filters_by_label_and_status(viewer: Client, workspace) -> None:
    today = timezone.localdate()
    CampaignFactory(workspace=workspace, name="Running", labels=["Rain"], starts_on=today - timedelta(days=1))
    CampaignFactory(workspace=workspace, name="Over", labels=["sun"], ends_on=today - timedelta(days=2))
    CampaignFactory(workspace=workspace, name="Soon", starts_on=today + timedelta(days=9))
    CampaignFactory(workspace=workspace, name="Stored away", archived_at=timezone.now())

    def names(**params) -> set[str]:
        page = viewer.get(url("list", workspace), params)
        assert page.status_code == 200
        return {row.campaign.name for row in page.context["rows"]}

    assert names() == {"Running", "Over", "Soon"}
    assert names(status="active") == {"Running"}
    assert names(status="past") == {"Over"}
    assert names(status="upcoming") == {"Soon"}
    assert names(status="archived") == {"Stored away"}
    assert names(status="all") == {"Running", "Over", "Soon", "Stored away"}
    assert names(label="rain") == {"Running"}  # any case
    assert names(status="bogus", label="nothing") == set()
    assert viewer.get(url("list", workspace)).context["labels"] == ["Rain", "sun"]


def test_list_queries_do_not_grow_with_campaigns(viewer: Client, workspace, channels,
                                                 django_assert_max_num_queries) -> None:
    def add(count: int) -> None:
        for n in range(count):
            post = PostFactory(workspace=workspace, campaign=CampaignFactory(workspace=workspace, labels=[f"l{n}"]))
            DeliveryFactory(post=post, channel=channels[0])

    add(1)
    with django_assert_max_num_queries(8) as few:  # session, user, membership, base page (2), campaigns, counts
        viewer.get(url("list", workspace))
    add(15)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert viewer.get(url("list", workspace)).content.decode().count("data-campaign=") == 16


# -- form -----------------------------------------------------------------------------------------


def test_create_saves_every_field_and_audits(marketer: Client, workspace) -> None:
    response = marketer.post(url("new", workspace), form_data())
    campaign = Campaign.objects.get()
    assert response.status_code == 302 and response["Location"] == url("detail", workspace, campaign_id=campaign.pk)
    assert (campaign.workspace_id, campaign.name, campaign.goal) == (workspace.pk, "Summer", "Sell fans")
    assert (campaign.starts_on, campaign.ends_on, campaign.labels) == (date(2030, 6, 1), date(2030, 8, 31),
                                                                      ["heat", "shop"])
    assert campaign.utm_defaults == {"utm_source": "{platform}", "utm_medium": "social", "utm_campaign": "summer"}
    assert campaign.audiences == [{"key": "south", "name": "South",
                                   "attributes": {"region": "IT, ES", "language": "it", "climate": "hot"}}]
    assert AuditEvent.objects.get(action="campaign.created").target_id == str(campaign.pk)


@pytest.mark.parametrize(("overrides", "message"), [
    ({"ends_on": "2030-05-01"}, "The campaign ends before it starts; check the dates."),
    ({"utm_medium": "paid social"}, "utm_medium contains a space; use - or _ instead (for example spring-sale)."),
    ({"aud-name": ["", "North"], "aud-key": ["south", "north"]}, "Audience 1 needs a name."),
    ({"starts_on": "next week"}, "Enter a valid date."),
    ({"name": ""}, "This field is required."),
])
def test_refused_form_keeps_everything_typed(marketer: Client, workspace, overrides, message) -> None:
    response = marketer.post(url("new", workspace), form_data(**overrides))
    assert response.status_code == 422
    html = response.content.decode()
    assert message in html and "Not saved yet." in html
    assert 'value="Sell fans' not in html  # the goal is a textarea…
    assert ">\nSell fans</textarea>" in html and 'value="heat, shop"' in html and 'value="IT, ES"' in html
    assert 'value="{platform}"' in html
    assert not Campaign.objects.exists()


def test_add_audience_row_saves_nothing_and_keeps_values(marketer: Client, workspace) -> None:
    response = marketer.post(url("new", workspace), form_data(add_audience="1"))
    assert response.status_code == 200 and not Campaign.objects.exists()
    assert len(response.context["state"].audiences) == 2  # the typed row plus a new empty one
    assert 'value="South"' in response.content.decode()


def test_edit_shows_values_and_removes_a_ticked_audience(marketer: Client, workspace, campaign) -> None:
    page = marketer.get(url("edit", workspace, campaign_id=campaign.pk)).content.decode()
    assert 'value="rain, shop"' in page and 'value="rainy-spring"' in page and 'value="Nordics"' in page
    data = form_data(name="Rainy spring", **{
        "aud-name": ["DACH", "Nordics", ""], "aud-key": ["dach", "nordics", ""], "aud-region": ["DE", "SE", ""],
        "aud-language": ["de", "sv", ""], "aud-climate": ["", "", ""], "aud-remove": ["1"]})
    response = marketer.post(url("edit", workspace, campaign_id=campaign.pk), data)
    assert response.status_code == 302
    campaign.refresh_from_db()
    assert [a["key"] for a in campaign.audiences] == ["dach"] and campaign.name == "Rainy spring"
    assert AuditEvent.objects.filter(action="campaign.updated").exists()


# -- detail ---------------------------------------------------------------------------------------


def make_posts(campaign, channels, count: int) -> list[Post]:
    posts = []
    for n in range(count):
        post = PostFactory(workspace=campaign.workspace, campaign=campaign, text=f"Post {n}")
        due = datetime(2030, 7, 1, 10, 0, tzinfo=UTC) + timedelta(hours=n)
        DeliveryFactory(post=post, channel=channels[0], state=DeliveryState.PUBLISHED, due_at=due)
        DeliveryFactory(post=post, channel=channels[1], state=DeliveryState.SCHEDULED, due_at=due)
        posts.append(post)
    return posts


def test_detail_lists_posts_with_deliveries_in_workspace_time(viewer: Client, workspace, campaign, channels) -> None:
    first, _second = make_posts(campaign, channels, 2)
    DeliveryFactory(post=PostFactory(workspace=workspace, campaign=campaign), channel=channels[0],
                    state=DeliveryState.FAILED)
    html = viewer.get(url("detail", workspace, campaign_id=campaign.pk)).content.decode()
    assert "2 published, 2 scheduled, 1 failed" in html
    assert reverse("scheduler:post", kwargs={"slug": "acme", "post_id": first.pk}) in html
    assert "2030-07-01 12:00 CEST" in html  # 10:00 UTC in Berlin summer time
    assert 'class="badge text-bg-success" data-state="published"' in html
    assert "utm_source={platform}" in html and "DACH" in html
    assert "Tailor for each audience" not in html  # viewers do not write


def test_detail_queries_do_not_grow_with_posts(viewer: Client, workspace, campaign, channels,
                                               django_assert_max_num_queries) -> None:
    make_posts(campaign, channels, 1)
    with django_assert_max_num_queries(12) as few:
        viewer.get(url("detail", workspace, campaign_id=campaign.pk))
    make_posts(campaign, channels, 30)
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = viewer.get(url("detail", workspace, campaign_id=campaign.pk))
    assert page.content.decode().count("data-post=") == 31


def test_tailor_from_the_page_then_the_copies_show_their_audience(marketer: Client, workspace, campaign,
                                                                  channels) -> None:
    post = make_posts(campaign, channels, 1)[0]
    detail = url("detail", workspace, campaign_id=campaign.pk)
    assert "Tailor for each audience (2 to make)" in marketer.get(detail).content.decode()
    response = marketer.post(url("tailor", workspace, campaign_id=campaign.pk, post_id=post.pk), follow=True)
    html = response.content.decode()
    assert "2 draft copies made" in html and 'data-audience="dach"' in html and 'data-audience="nordics"' in html
    assert "A copy exists for every audience." in html
    again = marketer.post(url("tailor", workspace, campaign_id=campaign.pk, post_id=post.pk), follow=True)
    assert "Every audience already has a copy of this post." in again.content.decode()
    assert Post.objects.filter(tailored_from=post).count() == 2


def test_tailor_of_a_post_of_another_campaign_is_404(marketer: Client, workspace, campaign) -> None:
    post = PostFactory(workspace=workspace, campaign=CampaignFactory(workspace=workspace, audiences=AUDIENCES))
    assert marketer.post(url("tailor", workspace, campaign_id=campaign.pk, post_id=post.pk)).status_code == 404
    assert not Post.objects.filter(tailored_from=post).exists()


# -- archive and delete ---------------------------------------------------------------------------


def test_archive_and_restore(admin: Client, workspace, campaign) -> None:
    admin.post(url("archive", workspace, campaign_id=campaign.pk), {"archived": "1"})
    campaign.refresh_from_db()
    assert campaign.archived_at is not None
    assert campaign.pk not in {row.campaign.pk for row in admin.get(url("list", workspace)).context["rows"]}
    admin.post(url("archive", workspace, campaign_id=campaign.pk), {"archived": "0"})
    campaign.refresh_from_db()
    assert campaign.archived_at is None


def test_delete_asks_first_then_keeps_the_posts(marketer: Client, workspace, campaign) -> None:
    post = PostFactory(workspace=workspace, campaign=campaign, audience="dach")
    confirm = marketer.get(url("delete", workspace, campaign_id=campaign.pk)).content.decode()
    assert "Its 1 post stays" in confirm and Campaign.objects.exists()
    response = marketer.post(url("delete", workspace, campaign_id=campaign.pk))
    assert response.status_code == 302 and response["Location"] == url("list", workspace)
    post.refresh_from_db()
    assert (post.campaign_id, post.audience) == (None, "") and not Campaign.objects.exists()
    assert AuditEvent.objects.filter(action="campaign.deleted").exists()


# -- roles and scoping ----------------------------------------------------------------------------


def every_url(workspace, campaign, post) -> list[str]:
    """Every campaign URL, built from the urlconf so a new one cannot be forgotten here."""
    found = []
    for pattern in urls_campaigns.urlpatterns:
        kwargs = {name: {"campaign_id": campaign.pk, "post_id": post.pk}[name] for name in pattern.pattern.converters}
        found.append(url(pattern.name, workspace, **kwargs))
    return found


def test_every_campaign_url_of_another_workspace_is_404(outsider: Client, workspace, campaign) -> None:
    post = PostFactory(workspace=workspace, campaign=campaign)
    urls = every_url(workspace, campaign, post)
    assert len(urls) == 8
    for address in urls:
        assert outsider.get(address).status_code == 404, address
        assert outsider.post(address, form_data()).status_code in (404, 405), address
    # The outsider's own workspace with this workspace's ids: just as missing.
    for address in every_url(Workspace.objects.get(slug="other"), campaign, post):
        if f"/campaigns/{campaign.pk}/" in address:
            assert outsider.get(address).status_code in (404, 405), address
            assert outsider.post(address, form_data()).status_code in (404, 405), address
    campaign.refresh_from_db()
    assert campaign.name == "Rainy spring" and campaign.archived_at is None
    assert not Post.objects.filter(tailored_from=post).exists()


def test_viewers_read_but_cannot_write(viewer: Client, workspace, campaign) -> None:
    post = PostFactory(workspace=workspace, campaign=campaign)
    assert viewer.get(url("list", workspace)).status_code == 200
    assert viewer.get(url("detail", workspace, campaign_id=campaign.pk)).status_code == 200
    for name, kwargs in [("new", {}), ("edit", {"campaign_id": campaign.pk}), ("delete", {"campaign_id": campaign.pk}),
                         ("archive", {"campaign_id": campaign.pk}),
                         ("tailor", {"campaign_id": campaign.pk, "post_id": post.pk})]:
        assert viewer.post(url(name, workspace, **kwargs), form_data()).status_code == 403, name
    assert Campaign.objects.count() == 1 and Post.objects.count() == 1 and not AuditEvent.objects.exists()


def test_logged_out_visitors_are_sent_to_login(client: Client, workspace, campaign) -> None:
    response = client.get(url("detail", workspace, campaign_id=campaign.pk))
    assert response.status_code == 302 and "/login" in response["Location"]
