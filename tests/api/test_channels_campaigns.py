"""Channels (with health) and campaigns CRUD over the API."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from platforms.models import Health
from scheduler.models import Campaign
from tests.factories import CampaignFactory, ChannelFactory, PostFactory

pytestmark = [pytest.mark.django_db]


def test_channels_list_with_health_in_workspace_time(caller):
    ok = ChannelFactory(workspace=caller.workspace, platform="x", display_name="A on X",
                        scopes=["tweet.read", "tweet.write", "users.read", "offline.access"],
                        paused_until=datetime(2030, 1, 1, 12, 0, tzinfo=UTC))
    broken = ChannelFactory(workspace=caller.workspace, platform="facebook", health=Health.NEEDS_RECONNECT,
                            last_error="Session expired", last_error_code="190")
    response = caller.get("/channels/")
    assert response.status_code == 200
    rows = {row["id"]: row for row in response.json()["results"]}
    assert set(rows) == {ok.pk, broken.pk}
    assert rows[ok.pk]["health"]["status"] == "paused"
    assert rows[ok.pk]["paused_until"] == "2030-01-01T13:00:00+01:00"  # Europe/Berlin, CET
    assert rows[broken.pk]["health"]["status"] == "needs_reconnect"
    assert rows[broken.pk]["health"]["healthy"] is False
    assert any("Reconnect" in advice for advice in rows[broken.pk]["health"]["advice"])
    assert "credentials" not in rows[ok.pk]
    assert caller.get(f"/channels/{ok.pk}/").json()["display_name"] == "A on X"


def test_campaign_crud(caller):
    created = caller.post("/campaigns/", {
        "name": "Spring", "goal": "Sell umbrellas", "starts_on": "2026-03-01", "ends_on": "2026-03-31",
        "utm_defaults": {"utm_source": "smo", "utm_campaign": "spring"}, "labels": ["rain"],
        "audiences": [{"name": "DACH", "region": "DE", "language": "de"}],
    })
    assert created.status_code == 201, created.json()
    body = created.json()
    campaign = Campaign.objects.get(pk=body["id"])
    assert campaign.workspace_id == caller.workspace.pk and campaign.utm_defaults["utm_campaign"] == "spring"
    # The flat shape older clients sent is stored in the one shape the campaign pages use too.
    assert body["audiences"] == [{"key": "dach", "name": "DACH",
                                  "attributes": {"region": "DE", "language": "de", "climate": ""}}]
    assert caller.get("/campaigns/").json()["results"][0]["id"] == campaign.pk
    patched = caller.patch(f"/campaigns/{campaign.pk}/", {"goal": "Sell more umbrellas"})
    assert patched.status_code == 200 and patched.json()["goal"] == "Sell more umbrellas"
    assert patched.json()["name"] == "Spring"
    post = PostFactory(workspace=caller.workspace, campaign=campaign)
    assert caller.delete(f"/campaigns/{campaign.pk}/").status_code == 204
    post.refresh_from_db()
    assert post.campaign_id is None and not Campaign.objects.exists()


@pytest.mark.parametrize(("body", "field", "message"), [
    ({"name": "A", "starts_on": "2026-03-02", "ends_on": "2026-03-01"}, None,
     "The campaign ends before it starts; check the dates."),
    ({"name": "A", "utm_defaults": {"utm_evil": "1"}}, "utm_defaults",
     "Unknown UTM parameter(s) utm_evil; use utm_source, utm_medium, utm_campaign, utm_term, utm_content."),
    ({"name": "", "goal": "x"}, "name", "This field may not be blank."),
    ({"goal": "x"}, "name", "This field is required."),
    ({"name": "A", "starts_on": "tomorrow"}, "starts_on", None),
])
def test_campaign_validation_errors_are_400(caller, body, field, message):
    response = caller.post("/campaigns/", body)
    assert response.status_code == 400
    data = response.json()
    if field is None:
        assert data["errors"] == [message] and data["code"] == "dates"
    else:
        assert field in data["errors"]
        if message:
            assert data["errors"][field] == [message] and data["detail"] == f"{field}: {message}"
    assert not Campaign.objects.exists()


def test_campaign_patch_checks_dates_against_stored_values(caller):
    campaign = CampaignFactory(workspace=caller.workspace, starts_on=timezone.localdate() + timedelta(days=5))
    response = caller.patch(f"/campaigns/{campaign.pk}/", {"ends_on": str(timezone.localdate())})
    assert response.status_code == 400
    campaign.refresh_from_db()
    assert campaign.ends_on is None
