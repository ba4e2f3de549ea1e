"""Deliveries over the API: filtered lists, one delivery with its attempts, cancel."""

from __future__ import annotations

import pytest

from scheduler.models import AttemptOutcome, DeliveryState
from tests.factories import AttemptFactory, DeliveryFactory, PostFactory

pytestmark = [pytest.mark.django_db]


@pytest.fixture
def rows(caller, x_channel, fb_channel):
    post = PostFactory(workspace=caller.workspace)
    return {
        "x_failed": DeliveryFactory(post=post, channel=x_channel, state=DeliveryState.FAILED),
        "fb_scheduled": DeliveryFactory(post=post, channel=fb_channel),
        "x_published": DeliveryFactory(channel=x_channel, post=PostFactory(workspace=caller.workspace),
                                       state=DeliveryState.PUBLISHED),
    }


@pytest.mark.parametrize(("query", "expected"), [
    ({}, ["x_failed", "fb_scheduled", "x_published"]),
    ({"state": "failed"}, ["x_failed"]),
    ({"channel": "X"}, ["x_failed", "x_published"]),
    ({"channel": "X", "state": "published"}, ["x_published"]),
    ({"post": "POST"}, ["x_failed", "fb_scheduled"]),
])
def test_list_with_filters(caller, rows, x_channel, query, expected):
    query = {key: {"X": x_channel.pk, "POST": rows["x_failed"].post_id}.get(value, value)
             for key, value in query.items()}
    body = caller.get("/deliveries/", query).json()
    assert sorted(row["id"] for row in body["results"]) == sorted(rows[name].pk for name in expected)


@pytest.mark.parametrize(("query", "field"), [({"state": "exploded"}, "state"), ({"channel": "x"}, "channel"),
                                              ({"post": "99999999999999999999999"}, "post")])
def test_bad_filters_are_400(caller, query, field):
    response = caller.get("/deliveries/", query)
    assert response.status_code == 400 and field in response.json()["errors"]


def test_one_delivery_with_attempts(caller, rows):
    delivery = rows["x_failed"]
    AttemptFactory(delivery=delivery, outcome=AttemptOutcome.FAILED, error_class="ContentRejected",
                   error_message="Duplicate content")
    body = caller.get(f"/deliveries/{delivery.pk}/").json()
    assert body["state"] == "failed" and body["post"] == delivery.post_id
    assert [(a["outcome"], a["error_message"]) for a in body["attempts"]] == [("failed", "Duplicate content")]


def test_cancel(caller, rows):
    response = caller.post(f"/deliveries/{rows['fb_scheduled'].pk}/cancel/")
    assert response.status_code == 200 and response.json()["state"] == "cancelled"
    rows["fb_scheduled"].refresh_from_db()
    assert rows["fb_scheduled"].state == DeliveryState.CANCELLED


def test_cancel_a_published_delivery_is_409(caller, rows):
    response = caller.post(f"/deliveries/{rows['x_published'].pk}/cancel/")
    assert response.status_code == 409
    assert response.json()["detail"] == "This post is already published on X; it can no longer be changed there."
    rows["x_published"].refresh_from_db()
    assert rows["x_published"].state == DeliveryState.PUBLISHED
