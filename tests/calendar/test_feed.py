"""The calendar feed: event shape, workspace zone, filters, range validation, scoping and constant queries."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.test import Client

from scheduler.calendar_selectors import legend
from scheduler.models import DeliveryState
from tests.calendar.conftest import JULY_1_10_UTC, make_delivery
from tests.factories import ChannelFactory, DeliveryFactory, PostFactory, WorkspaceFactory
from workspaces.models import Workspace

pytestmark = [pytest.mark.django_db]
FEED = "/w/acme/calendar/feed/"
JULY = {"start": "2030-06-24T00:00:00", "end": "2030-08-05T00:00:00"}


def feed(client: Client, **params) -> list[dict]:
    response = client.get(FEED, {**JULY, **params})
    assert response.status_code == 200, response.content
    return response.json()


def test_one_event_per_delivery_in_workspace_time(marketer: Client, workspace: Workspace, channels, campaign) -> None:
    text = "  Big\n\nsummer   <script>alert(1)</script> sale " + "x" * 80
    delivery = make_delivery(workspace, channels[1], text=text, campaign=campaign)
    [event] = feed(marketer)
    assert event == {
        "id": str(delivery.pk),
        "title": "Big summer <script>alert(1)</script> sale…",  # plain text; the browser escapes it
        "start": "2030-07-01T12:00:00",  # 10:00 UTC is 12:00 in Berlin (CEST)
        "editable": True,
        "url": f"/w/acme/posts/{delivery.post_id}/",
        "extendedProps": {"platform": "facebook", "channel": "Acme <b>Page</b>", "state": "scheduled",
                          "campaign": "Summer"},
    }


def test_legend_names_states_and_platforms() -> None:
    found = legend(["x", "facebook", "x", "myspace"])  # a platform without an adapter falls back to its key
    assert found["platforms"] == {"facebook": {"label": "Facebook", "icon": "f"}, "myspace": {"label": "myspace",
                                  "icon": "M"}, "x": {"label": "X", "icon": "𝕏"}}
    assert found["states"]["failed"] == {"label": "Failed", "colour": "#dc3545", "text": "#ffffff"}
    assert found["states"]["retry_wait"] == {"label": "Waiting to retry", "colour": "#ffc107", "text": "#212529"}
    assert set(found["states"]) == set(DeliveryState.values)


def test_range_is_half_open_and_read_as_wall_clock(marketer: Client, workspace: Workspace, channels) -> None:
    inside = make_delivery(workspace, channels[0], due_at=datetime(2030, 6, 30, 22, 0, tzinfo=UTC))  # July 1, 00:00
    make_delivery(workspace, channels[0], due_at=datetime(2030, 6, 30, 21, 59, tzinfo=UTC))  # June 30, 23:59
    events = feed(marketer, start="2030-07-01T00:00:00", end="2030-07-02T00:00:00")
    assert [e["id"] for e in events] == [str(inside.pk)]
    with_offset = feed(marketer, start="2030-06-30T22:00:00Z", end="2030-07-01T22:00:00+00:00")
    assert [e["id"] for e in with_offset] == [str(inside.pk)]


def test_filters_by_channel_campaign_and_state(marketer: Client, workspace: Workspace, channels, campaign) -> None:
    on_x = make_delivery(workspace, channels[0])
    in_campaign = make_delivery(workspace, channels[1], campaign=campaign)
    failed = make_delivery(workspace, channels[1], state=DeliveryState.FAILED)
    cancelled = make_delivery(workspace, channels[0], state=DeliveryState.CANCELLED)
    ids = lambda **p: {e["id"] for e in feed(marketer, **p)}  # noqa: E731
    assert ids() == {str(on_x.pk), str(in_campaign.pk), str(failed.pk)}  # cancelled only when asked for
    assert ids(channel=channels[0].pk) == {str(on_x.pk)}
    assert ids(campaign=campaign.pk) == {str(in_campaign.pk)}
    assert ids(state=["failed", "cancelled"]) == {str(failed.pk), str(cancelled.pk)}
    assert ids(channel=[channels[0].pk, channels[1].pk], state="scheduled") == {str(on_x.pk), str(in_campaign.pk)}


def test_only_movable_states_are_editable(marketer: Client, viewer: Client, workspace: Workspace, channels) -> None:
    for state in DeliveryState.values:
        make_delivery(workspace, channels[0], state=state, text=state)
    editable = {e["title"] for e in feed(marketer, state=DeliveryState.values) if e["editable"]}
    assert len(feed(marketer, state=DeliveryState.values)) == len(DeliveryState.values)
    assert editable == {"draft", "scheduled", "queued", "retry_wait"}
    assert not any(e["editable"] for e in feed(viewer, state=DeliveryState.values))


@pytest.mark.parametrize("params, message", [
    ({"start": "", "end": ""}, "The feed needs both start and end."),
    ({"start": "yesterday"}, "The start time 'yesterday' is not an ISO 8601 date or time."),
    ({"end": "2030-06-01T00:00:00"}, "The range must end after it starts and span at most 62 days."),
    ({"end": "2030-12-01T00:00:00"}, "The range must end after it starts and span at most 62 days."),
    ({"channel": "x"}, "The channel filter takes numeric ids."),
    ({"state": "lost"}, "Unknown state filter: lost."),
])
def test_bad_parameters_answer_400_with_reason(marketer: Client, workspace: Workspace, params, message) -> None:
    response = marketer.get(FEED, {**JULY, **params})
    assert response.status_code == 400
    assert response.json()["error"] == message


def test_other_workspaces_stay_out(marketer: Client, outsider: Client, workspace: Workspace, channels) -> None:
    make_delivery(workspace, channels[0])
    other = WorkspaceFactory(slug="rival", time_zone="UTC")
    make_delivery(other, ChannelFactory(workspace=other), text="secret")
    assert [e["title"] for e in feed(marketer)] == ["Hello world"]
    # Even naming the rival's channel as a filter yields nothing from it.
    assert feed(marketer, channel=other.channels.first().pk) == []
    assert outsider.get(FEED, JULY).status_code == 404
    assert Client().get(FEED, JULY).status_code == 302  # anonymous: to the login page


def _fill(workspace: Workspace, channels: list, n: int) -> None:
    posts = [PostFactory(workspace=workspace, text=f"post {i}") for i in range(n)]
    for i, post in enumerate(posts):
        DeliveryFactory(post=post, channel=channels[i % 2], due_at=JULY_1_10_UTC + timedelta(hours=i % 600))


@pytest.mark.parametrize("n", [10, 200])
def test_feed_answers_in_constant_queries(marketer: Client, workspace: Workspace, channels, n: int,
                                          django_assert_num_queries) -> None:
    _fill(workspace, channels, n)
    marketer.get(FEED, JULY)  # warm: session and adapter imports
    # session, user, membership (+workspace), deliveries (+post, channel, campaign joined): 4 for any n.
    with django_assert_num_queries(4):
        events = feed(marketer)
    assert len(events) == n

