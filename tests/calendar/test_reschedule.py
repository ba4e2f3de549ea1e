"""Drag to reschedule and undo: the service's rules and the JSON endpoints' roles, scoping and answers."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core import signing
from django.core.exceptions import ValidationError
from django.test import Client

from scheduler.calendar import UNDO_SALT, delivery_reschedule, delivery_reschedule_undo
from scheduler.models import Delivery, DeliveryState
from tests.calendar.conftest import JULY_1_10_UTC, make_delivery
from tests.factories import ChannelFactory, WorkspaceFactory
from workspaces.models import Workspace

pytestmark = [pytest.mark.django_db]
UNDO = "/w/acme/calendar/undo/"


def move_url(delivery: Delivery, slug: str = "acme") -> str:
    return f"/w/{slug}/calendar/deliveries/{delivery.pk}/move/"


def test_move_keeps_wall_clock_and_undo_restores(workspace: Workspace, channels) -> None:
    delivery = make_delivery(workspace, channels[0])
    moved = delivery_reschedule(delivery, datetime(2030, 11, 4, 12, 0))  # CET now: 12:00 Berlin = 11:00 UTC
    delivery.refresh_from_db()
    assert (delivery.due_at, delivery.scheduled_for) == (datetime(2030, 11, 4, 11, 0, tzinfo=UTC),) * 2
    assert delivery.state == DeliveryState.SCHEDULED
    restored = delivery_reschedule_undo(workspace, moved.undo_token)
    assert (restored.due_at, restored.scheduled_for, restored.state) == (JULY_1_10_UTC, JULY_1_10_UTC, "scheduled")


def test_move_into_dst_gap_lands_after_it(workspace: Workspace, channels) -> None:
    delivery = make_delivery(workspace, channels[0])
    delivery_reschedule(delivery, datetime(2031, 3, 30, 2, 30))  # 02:30 does not exist in Berlin that night
    delivery.refresh_from_db()
    assert delivery.due_at == datetime(2031, 3, 30, 1, 30, tzinfo=UTC)  # 03:30 CEST


def test_queued_is_taken_back_and_draft_stays_draft(workspace: Workspace, channels) -> None:
    queued = make_delivery(workspace, channels[0], state=DeliveryState.QUEUED)
    Delivery.objects.filter(pk=queued.pk).update(attempt_token=uuid.uuid4(), lease_expires_at=JULY_1_10_UTC)
    draft = make_delivery(workspace, channels[0], state=DeliveryState.DRAFT)
    undo = delivery_reschedule(queued, datetime(2030, 7, 2, 9, 0)).undo_token
    delivery_reschedule(draft, datetime(2030, 7, 2, 9, 0))
    queued.refresh_from_db()
    draft.refresh_from_db()
    assert (queued.state, queued.attempt_token, queued.lease_expires_at) == ("scheduled", None, None)
    assert draft.state == "draft" and draft.due_at == datetime(2030, 7, 2, 7, 0, tzinfo=UTC)
    # Its publish message was voided by the move, so undo brings it back as scheduled, not queued.
    assert delivery_reschedule_undo(workspace, undo).state == "scheduled"


@pytest.mark.parametrize("state, message", [
    ("published", "This post is already being sent or published on X; it can no longer be moved."),
    ("sending", "This post is already being sent or published on X; it can no longer be moved."),
    ("failed", "This post is failed on X; open the post to retry or settle it instead of moving it."),
])
def test_refuses_states_that_cannot_move(workspace: Workspace, channels, state: str, message: str) -> None:
    delivery = make_delivery(workspace, channels[0], state=state)
    with pytest.raises(ValidationError) as caught:
        delivery_reschedule(delivery, datetime(2030, 7, 3, 9, 0))
    assert caught.value.messages == [message]
    delivery.refresh_from_db()
    assert delivery.due_at == JULY_1_10_UTC


def test_refuses_the_past(workspace: Workspace, channels) -> None:
    delivery = make_delivery(workspace, channels[0])
    with pytest.raises(ValidationError, match="already past"):
        delivery_reschedule(delivery, datetime(2020, 1, 1, 9, 0))


def test_undo_refuses_stale_expired_forged_and_foreign_tokens(workspace: Workspace, channels) -> None:
    delivery = make_delivery(workspace, channels[0])
    first = delivery_reschedule(delivery, datetime(2030, 7, 2, 9, 0)).undo_token
    second = delivery_reschedule(delivery, datetime(2030, 7, 3, 9, 0)).undo_token
    with pytest.raises(ValidationError, match="changed after the move"):
        delivery_reschedule_undo(workspace, first)
    with pytest.raises(ValidationError, match="not valid"):
        delivery_reschedule_undo(workspace, second[:-2] + "xx")
    with pytest.raises(ValidationError, match="not valid"):
        delivery_reschedule_undo(WorkspaceFactory(slug="rival"), second)
    with time_machine.travel(datetime.now(UTC) + timedelta(minutes=11)), \
            pytest.raises(ValidationError, match="expired"):
        delivery_reschedule_undo(workspace, second)
    delivery.refresh_from_db()
    assert delivery.due_at == datetime(2030, 7, 3, 7, 0, tzinfo=UTC)


def test_undo_refuses_a_time_that_has_passed(workspace: Workspace, channels) -> None:
    delivery = make_delivery(workspace, channels[0], due_at=datetime.now(UTC) + timedelta(minutes=2))
    token = delivery_reschedule(delivery, datetime(2030, 7, 2, 9, 0)).undo_token
    with time_machine.travel(datetime.now(UTC) + timedelta(minutes=5)), \
            pytest.raises(ValidationError, match="original time has passed"):
        delivery_reschedule_undo(workspace, token)
    assert signing.loads(token, salt=UNDO_SALT)["d"] == delivery.pk


def test_endpoints_move_and_undo(marketer: Client, workspace: Workspace, channels) -> None:
    delivery = make_delivery(workspace, channels[0])
    response = marketer.post(move_url(delivery), {"start": "2030-07-04T18:15:00"})
    assert response.status_code == 200
    body = response.json()
    assert (body["id"], body["start"], body["state"]) == (str(delivery.pk), "2030-07-04T18:15:00", "scheduled")
    assert body["message"] == "Moved to 2030-07-04 18:15."
    delivery.refresh_from_db()
    assert delivery.due_at == datetime(2030, 7, 4, 16, 15, tzinfo=UTC)
    undone = marketer.post(UNDO, {"token": body["undoToken"]})
    assert undone.status_code == 200
    assert undone.json() == {"id": str(delivery.pk), "state": "scheduled", "start": "2030-07-01T12:00:00",
                             "message": "Move undone."}
    again = marketer.post(UNDO, {"token": body["undoToken"]})
    assert again.status_code == 409
    assert again.json()["error"] == "This post was changed after the move, so the move cannot be undone."


def test_endpoint_accepts_an_instant_and_reports_refusals(marketer: Client, workspace: Workspace, channels) -> None:
    delivery = make_delivery(workspace, channels[0])
    assert marketer.post(move_url(delivery), {"start": "2030-07-04T16:15:00Z"}).json()["start"] == "2030-07-04T18:15:00"
    bad = marketer.post(move_url(delivery), {"start": "soon"})
    assert (bad.status_code, bad.json()["error"]) == (400, "Send the new time as start=YYYY-MM-DDTHH:MM.")
    published = make_delivery(workspace, channels[0], state=DeliveryState.PUBLISHED)
    refused = marketer.post(move_url(published), {"start": "2030-07-04T18:15:00"})
    assert refused.status_code == 409 and refused.json()["code"] == "not_movable"


def test_viewers_and_outsiders_cannot_move(viewer: Client, outsider: Client, marketer: Client,
                                           workspace: Workspace, channels) -> None:
    delivery = make_delivery(workspace, channels[0])
    assert viewer.post(move_url(delivery), {"start": "2030-07-04T18:15:00"}).status_code == 403
    assert viewer.post(UNDO, {"token": "x"}).status_code == 403
    assert outsider.post(move_url(delivery), {"start": "2030-07-04T18:15:00"}).status_code == 404
    assert marketer.get(move_url(delivery)).status_code == 405
    other = WorkspaceFactory(slug="rival")
    foreign = make_delivery(other, ChannelFactory(workspace=other))
    assert marketer.post(move_url(foreign), {"start": "2030-07-04T18:15:00"}).status_code == 404
    delivery.refresh_from_db()
    foreign.refresh_from_db()
    assert delivery.due_at == foreign.due_at == JULY_1_10_UTC
