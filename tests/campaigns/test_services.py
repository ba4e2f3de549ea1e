"""Campaign services: cleaning of every field, the writes with their audit rows, and tailoring per audience."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from scheduler.campaigns import (
    campaign_archive,
    campaign_create,
    campaign_delete,
    campaign_tailor_post,
    campaign_update,
    check_post_audience,
    clean_audiences,
    clean_labels,
    clean_utm_defaults,
)
from scheduler.models import Campaign, Delivery, DeliveryState, Post, Variant
from scheduler.services import post_update_content
from tests.campaigns.conftest import AUDIENCES
from tests.factories import CampaignFactory, DeliveryFactory, PostFactory, UserFactory, VariantFactory
from workspaces.models import AuditEvent

pytestmark = [pytest.mark.django_db]


def messages_of(call, *args) -> list[str]:
    with pytest.raises(ValidationError) as raised:
        call(*args)
    return raised.value.messages


# -- cleaning -------------------------------------------------------------------------------------


def test_utm_defaults_are_trimmed_ordered_and_empty_ones_dropped() -> None:
    cleaned = clean_utm_defaults({"utm_campaign": " spring ", "utm_source": "{platform}", "utm_term": ""})
    assert cleaned == {"utm_source": "{platform}", "utm_campaign": "spring"}
    assert list(cleaned) == ["utm_source", "utm_campaign"]
    assert clean_utm_defaults(None) == {} and clean_utm_defaults({}) == {}


@pytest.mark.parametrize(("value", "message"), [
    ({"utm_evil": "1", "ref": "2"},
     "Unknown UTM parameter(s) ref, utm_evil; use utm_source, utm_medium, utm_campaign, utm_term, utm_content."),
    ({"utm_source": "spring sale"}, "utm_source contains a space; use - or _ instead (for example spring-sale)."),
    ({"utm_medium": "x" * 101}, "utm_medium is longer than 100 characters."),
    ({"utm_content": "{channel}"}, "utm_content: {channel} is not a placeholder; use {platform} or {audience}."),
    ({"utm_term": 5}, "utm_term must be text."),
    (["utm_source"], 'UTM defaults must be an object such as {"utm_source": "newsletter"}.'),
])
def test_bad_utm_defaults_say_what_to_fix(value, message) -> None:
    assert messages_of(clean_utm_defaults, value) == [message]


def test_a_value_of_exactly_100_characters_is_fine() -> None:
    assert clean_utm_defaults({"utm_term": "a" * 100}) == {"utm_term": "a" * 100}


def test_labels_from_a_comma_list_or_a_list_without_duplicates() -> None:
    assert clean_labels(" rain ,  Shop,,rain, RAIN , big   sale ") == ["rain", "Shop", "big sale"]
    assert clean_labels(["Rain", "rain", " "]) == ["Rain"]
    assert clean_labels("") == [] and clean_labels(None) == []


@pytest.mark.parametrize(("value", "message"), [
    (["a,b"], "A label cannot contain a comma: a,b"),
    (["x" * 51], "The label xxxxxxxxxxxxxxxxxxxx… is longer than 50 characters."),
    ([1], "Each label must be text."),
    ({"a": 1}, "Labels must be a list of words."),
    ([f"l{i}" for i in range(31)], "A campaign has at most 30 labels."),
])
def test_bad_labels(value, message) -> None:
    assert messages_of(clean_labels, value) == [message]


def test_audiences_get_a_slug_key_from_the_name_and_all_three_attributes() -> None:
    cleaned = clean_audiences([
        {"name": "  Südeuropa Küste ", "attributes": {"climate": "warm"}},
        {"key": "Nordics", "name": "Nordics", "attributes": {"region": "SE", "language": "sv"}},
        {"name": "DACH", "region": "DE", "language": "de"},  # the flat shape older API clients sent
    ])
    assert cleaned == [
        {"key": "sudeuropa-kuste", "name": "Südeuropa Küste",
         "attributes": {"region": "", "language": "", "climate": "warm"}},
        {"key": "nordics", "name": "Nordics", "attributes": {"region": "SE", "language": "sv", "climate": ""}},
        {"key": "dach", "name": "DACH", "attributes": {"region": "DE", "language": "de", "climate": ""}},
    ]


@pytest.mark.parametrize(("value", "message"), [
    ([{"key": "a"}], "Audience 1 needs a name."),
    ([{"name": "A"}, {"name": "a"}], "Two audiences have the key a; each audience needs its own key."),
    ([{"name": "東京"}], "Audience 1 needs a key made of letters a-z, digits, - or _ (for example dach)."),
    ([{"name": "A", "attributes": {"age": "18-25"}}],
     "Audience 1: unknown field(s) age; an audience has a key, a name and the attributes region, language, climate."),
    ([{"name": "A", "attributes": ["DE"]}], "Audience 1: attributes must be an object."),
    ([{"name": "A", "attributes": {"region": 7}}], "Audience 1: region must be text."),
    (["DACH"], "Audience 1 must be an object with a name."),
    ({"name": "A"}, "Audiences must be a list."),
    ([{"name": "n" * 101}], "Audience 1: name is longer than 100 characters."),
])
def test_bad_audiences(value, message) -> None:
    assert messages_of(clean_audiences, value) == [message]


def test_post_audience_must_belong_to_the_post_campaign(campaign) -> None:
    check_post_audience(campaign, "dach")
    check_post_audience(campaign, "")
    check_post_audience(None, "")
    assert messages_of(check_post_audience, campaign, "latam") == [
        "The campaign Rainy spring has no audience latam; pick one of its audiences or none."]
    assert messages_of(check_post_audience, None, "dach") == [
        "Pick a campaign before an audience: audiences belong to a campaign."]


# -- writes ---------------------------------------------------------------------------------------


def test_create_cleans_everything_and_records_an_audit_event(workspace) -> None:
    user = UserFactory()
    campaign = campaign_create(workspace, actor=user, name=" Spring ", goal="Sell umbrellas",
                               starts_on=date(2030, 3, 1), ends_on=date(2030, 3, 31), labels="rain, shop",
                               utm_defaults={"utm_source": "{platform}"}, audiences=[{"name": "DACH"}])
    campaign.refresh_from_db()
    assert (campaign.name, campaign.labels, campaign.utm_defaults) == ("Spring", ["rain", "shop"],
                                                                        {"utm_source": "{platform}"})
    assert campaign.audiences[0]["key"] == "dach"
    event = AuditEvent.objects.get(action="campaign.created")
    assert (event.workspace_id, event.actor_id, event.target_id) == (workspace.pk, user.pk, str(campaign.pk))


def test_create_collects_field_errors_and_saves_nothing(workspace) -> None:
    with pytest.raises(ValidationError) as raised:
        campaign_create(workspace, name="A", labels=["a,b"], utm_defaults={"utm_x": "1"}, audiences=[{}])
    assert set(raised.value.error_dict) == {"labels", "utm_defaults", "audiences"}
    assert not Campaign.objects.exists() and not AuditEvent.objects.exists()


@pytest.mark.parametrize(("fields", "code"), [
    ({"name": "  "}, "name"),
    ({"name": "A", "starts_on": date(2030, 3, 2), "ends_on": date(2030, 3, 1)}, "dates"),
    ({"name": "A", "goal": "g" * 5001}, "length"),
])
def test_create_refuses_without_name_or_with_dates_backwards(workspace, fields, code) -> None:
    with pytest.raises(ValidationError) as raised:
        campaign_create(workspace, **fields)
    assert raised.value.code == code and not Campaign.objects.exists()


def test_a_one_day_campaign_is_fine(workspace) -> None:
    day = date(2030, 3, 1)
    assert campaign_create(workspace, name="A", starts_on=day, ends_on=day).ends_on == day


def test_update_audits_the_changed_fields_and_frees_posts_of_a_removed_audience(campaign) -> None:
    dach = PostFactory(workspace=campaign.workspace, campaign=campaign, audience="dach")
    nordics = PostFactory(workspace=campaign.workspace, campaign=campaign, audience="nordics")
    campaign_update(campaign, actor=None, audiences=[AUDIENCES[1]], goal=campaign.goal)
    dach.refresh_from_db(), nordics.refresh_from_db()
    assert (dach.audience, dach.campaign_id, nordics.audience) == ("", campaign.pk, "nordics")
    event = AuditEvent.objects.get(action="campaign.updated")
    assert event.details == {"fields": ["audiences"], "posts_lost_audience": 1}
    assert event.actor_label == "system"


def test_update_refused_keeps_the_stored_campaign(campaign) -> None:
    with pytest.raises(ValidationError):
        campaign_update(campaign, ends_on=date(2000, 1, 1), starts_on=date(2001, 1, 1))
    campaign.refresh_from_db()
    assert campaign.ends_on is None


def test_archive_and_restore(campaign) -> None:
    campaign_archive(campaign, None)
    assert Campaign.objects.get().archived_at is not None
    campaign_archive(campaign, None)  # twice: nothing more happens
    campaign_archive(campaign, None, archived=False)
    assert Campaign.objects.get().archived_at is None
    assert list(AuditEvent.objects.order_by("pk").values_list("action", flat=True)) == [
        "campaign.archived", "campaign.restored"]


def test_delete_keeps_the_posts_without_campaign_or_audience(campaign) -> None:
    post = PostFactory(workspace=campaign.workspace, campaign=campaign, audience="dach")
    delivery = DeliveryFactory(post=post)
    pk = campaign.pk
    campaign_delete(campaign, actor=None)
    post.refresh_from_db()
    assert (post.campaign_id, post.audience) == (None, "")
    assert Delivery.objects.filter(pk=delivery.pk).exists() and not Campaign.objects.exists()
    event = AuditEvent.objects.get(action="campaign.deleted")
    assert (event.target_id, event.target_label, event.details) == (str(pk), "Rainy spring", {"posts_unlinked": 1})


def test_post_update_content_checks_the_audience_against_the_campaign(campaign) -> None:
    post = PostFactory(workspace=campaign.workspace, campaign=campaign)
    post_update_content(post, audience="nordics")
    assert Post.objects.get(pk=post.pk).audience == "nordics"
    other = CampaignFactory(workspace=campaign.workspace)
    with pytest.raises(ValidationError, match="has no audience nordics"):
        post_update_content(post, campaign=other)
    assert Post.objects.get(pk=post.pk).campaign_id == campaign.pk


# -- tailoring ------------------------------------------------------------------------------------


def test_tailor_makes_one_draft_copy_per_audience_with_variants_and_channels(campaign, channels) -> None:
    user = UserFactory()
    ahead = timezone.now() + timedelta(days=3)
    post = PostFactory(workspace=campaign.workspace, campaign=campaign, text="Rain is coming",
                       link="https://example.com/umbrellas", thread=["part two"])
    DeliveryFactory(post=post, channel=channels[0], state=DeliveryState.SCHEDULED, due_at=ahead)
    DeliveryFactory(post=post, channel=channels[1], state=DeliveryState.CANCELLED)
    VariantFactory(post=post, channel=channels[0], text="Rain on X")
    copies = campaign_tailor_post(post, user)
    assert [c.audience for c in copies] == ["dach", "nordics"]
    for copy in copies:
        copy.refresh_from_db()
        assert (copy.text, copy.link, copy.thread, copy.campaign_id, copy.tailored_from_id, copy.created_by_id) == (
            "Rain is coming", "https://example.com/umbrellas", ["part two"], campaign.pk, post.pk, user.pk)
        assert [(d.channel_id, d.state, d.due_at) for d in copy.deliveries.all()] == [
            (channels[0].pk, DeliveryState.DRAFT, ahead)]  # the cancelled channel is not copied
        assert Variant.objects.get(post=copy).text == "Rain on X"
    event = AuditEvent.objects.get(action="post.tailored")
    assert event.details == {"campaign": campaign.pk, "copies": {c.audience: c.pk for c in copies}}


def test_tailor_twice_only_fills_the_missing_audiences(campaign) -> None:
    post = PostFactory(workspace=campaign.workspace, campaign=campaign)
    first = campaign_tailor_post(post)
    first[0].delete()  # the DACH copy was thrown away
    again = campaign_tailor_post(post)
    assert [c.audience for c in again] == ["dach"]
    assert campaign_tailor_post(post) == []
    assert Post.objects.filter(tailored_from=post).count() == 2


def test_tailor_leaves_a_past_time_empty(campaign, channels) -> None:
    post = PostFactory(workspace=campaign.workspace, campaign=campaign)
    DeliveryFactory(post=post, channel=channels[0], state=DeliveryState.PUBLISHED,
                    due_at=timezone.now() - timedelta(days=1))
    copy = campaign_tailor_post(post)[0]
    assert copy.deliveries.get().due_at is None


@pytest.mark.parametrize("case", ["no_campaign", "no_audiences", "is_a_copy"])
def test_tailor_refuses_what_cannot_be_tailored(campaign, case) -> None:
    if case == "no_campaign":
        post = PostFactory(workspace=campaign.workspace)
    elif case == "no_audiences":
        post = PostFactory(workspace=campaign.workspace, campaign=CampaignFactory(workspace=campaign.workspace))
    else:
        post = PostFactory(workspace=campaign.workspace, campaign=campaign, audience="dach")
    with pytest.raises(ValidationError):
        campaign_tailor_post(post)
    assert Post.objects.count() == 1
