"""The API carries the same campaign fields as the pages and validates them with the same service code;
posts expose and accept their audience."""

from __future__ import annotations

import pytest

from scheduler.models import Campaign, Post
from tests.api.conftest import _clean_throttle_counters, caller, make_caller  # noqa: F401  (fixtures)
from tests.campaigns.conftest import AUDIENCES
from tests.factories import CampaignFactory, PostFactory
from workspaces.models import AuditEvent, Role

pytestmark = [pytest.mark.django_db]


@pytest.fixture
def campaign(caller):  # noqa: F811
    return CampaignFactory(workspace=caller.workspace, name="Rainy spring", audiences=AUDIENCES)


def test_create_returns_the_cleaned_fields_and_audits_the_token_user(caller) -> None:  # noqa: F811
    response = caller.post("/campaigns/", {
        "name": "Spring", "labels": ["rain", "Rain", "shop"],
        "utm_defaults": {"utm_source": " {platform} ", "utm_medium": "social"},
        "audiences": [{"name": "South Europe", "attributes": {"climate": "warm"}}],
    })
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["labels"] == ["rain", "shop"]
    assert body["utm_defaults"] == {"utm_source": "{platform}", "utm_medium": "social"}
    assert body["audiences"] == [{"key": "south-europe", "name": "South Europe",
                                  "attributes": {"region": "", "language": "", "climate": "warm"}}]
    assert body["archived_at"] is None and "archived" not in body
    event = AuditEvent.objects.get(action="campaign.created")
    assert (event.actor_id, event.target_id) == (caller.member.user_id, str(body["id"]))


@pytest.mark.parametrize(("body", "field", "message"), [
    ({"utm_defaults": {"utm_source": "spring sale"}}, "utm_defaults",
     "utm_source contains a space; use - or _ instead (for example spring-sale)."),
    ({"utm_defaults": {"utm_campaign": "x" * 101}}, "utm_defaults", "utm_campaign is longer than 100 characters."),
    ({"utm_defaults": ["utm_source"]}, "utm_defaults",
     'UTM defaults must be an object such as {"utm_source": "newsletter"}.'),
    ({"labels": "rain, shop"}, "labels", "Give labels as a list of strings."),
    ({"labels": ["a,b"]}, "labels", "A label cannot contain a comma: a,b"),
    ({"audiences": [{"name": "A"}, {"key": "a", "name": "B"}]}, "audiences",
     "Two audiences have the key a; each audience needs its own key."),
    ({"audiences": [{"key": "x"}]}, "audiences", "Audience 1 needs a name."),
    ({"audiences": {"name": "A"}}, "audiences", "Audiences must be a list."),
])
def test_field_errors_come_from_the_service_cleaners(caller, body, field, message) -> None:  # noqa: F811
    response = caller.post("/campaigns/", {"name": "A", **body})
    assert response.status_code == 400
    assert response.json()["errors"] == {field: [message]}
    assert response.json()["detail"] == f"{field}: {message}"
    assert not Campaign.objects.exists()


def test_patch_archives_restores_and_changes_audiences(caller, campaign) -> None:  # noqa: F811
    tailored = PostFactory(workspace=caller.workspace, campaign=campaign, audience="dach")
    archived = caller.patch(f"/campaigns/{campaign.pk}/", {"archived": True})
    assert archived.status_code == 200 and archived.json()["archived_at"] is not None
    assert archived.json()["name"] == "Rainy spring"
    restored = caller.patch(f"/campaigns/{campaign.pk}/", {"archived": False, "audiences": [AUDIENCES[1]]})
    assert restored.json()["archived_at"] is None and [a["key"] for a in restored.json()["audiences"]] == ["nordics"]
    tailored.refresh_from_db()
    assert tailored.audience == ""
    assert list(AuditEvent.objects.filter(action__startswith="campaign.").order_by("pk")
                .values_list("action", flat=True)) == ["campaign.archived", "campaign.updated", "campaign.restored"]


def test_delete_audits_and_keeps_posts(caller, campaign) -> None:  # noqa: F811
    post = PostFactory(workspace=caller.workspace, campaign=campaign, audience="dach")
    assert caller.delete(f"/campaigns/{campaign.pk}/").status_code == 204
    post.refresh_from_db()
    assert (post.campaign_id, post.audience) == (None, "")
    assert AuditEvent.objects.get(action="campaign.deleted").actor_id == caller.member.user_id


def test_viewer_tokens_cannot_change_campaigns(make_caller, campaign) -> None:  # noqa: F811
    viewer = make_caller(role=Role.VIEWER, workspace=campaign.workspace)
    assert viewer.get(f"/campaigns/{campaign.pk}/").status_code == 200
    assert viewer.patch(f"/campaigns/{campaign.pk}/", {"archived": True}).status_code == 403
    campaign.refresh_from_db()
    assert campaign.archived_at is None


def test_posts_carry_their_audience(caller, campaign) -> None:  # noqa: F811
    created = caller.post("/posts/", {"text": "Hallo", "campaign": campaign.pk, "audience": "dach"})
    assert created.status_code == 201, created.json()
    body = created.json()
    assert (body["audience"], body["tailored_from"]) == ("dach", None)
    assert Post.objects.get(pk=body["id"]).audience == "dach"
    patched = caller.patch(f"/posts/{body['id']}/", {"audience": "nordics"})
    assert patched.status_code == 200 and patched.json()["audience"] == "nordics"
    cleared = caller.patch(f"/posts/{body['id']}/", {"audience": ""})
    assert cleared.json()["audience"] == ""


@pytest.mark.parametrize(("body", "status", "message"), [
    ({"text": "x", "audience": "dach"}, 400, "Pick a campaign before an audience: audiences belong to a campaign."),
    ({"text": "x", "campaign": "{campaign}", "audience": "latam"}, 400,
     "The campaign Rainy spring has no audience latam; pick one of its audiences or none."),
])
def test_post_create_refuses_an_audience_outside_its_campaign(caller, campaign, body, status,  # noqa: F811
                                                               message) -> None:
    body = {key: campaign.pk if value == "{campaign}" else value for key, value in body.items()}
    response = caller.post("/posts/", body)
    assert response.status_code == status
    assert response.json()["errors"] == {"audience": [message]}
    assert not Post.objects.exists()


def test_post_patch_checks_the_audience_against_the_stored_campaign(caller, campaign) -> None:  # noqa: F811
    post = PostFactory(workspace=caller.workspace, campaign=campaign)
    response = caller.patch(f"/posts/{post.pk}/", {"audience": "latam"})
    assert response.status_code == 400 and response.json()["code"] == "audience"
    moved = caller.patch(f"/posts/{post.pk}/", {"audience": "dach", "campaign": None})
    assert moved.status_code == 400 and "Pick a campaign before an audience" in moved.json()["detail"]
    post.refresh_from_db()
    assert (post.audience, post.campaign_id) == ("", campaign.pk)
