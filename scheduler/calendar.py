"""Rescheduling from the calendar: move one delivery to a new wall-clock time, and undo that move.

The undo token is signed data (delivery, workspace, the times before and after), not a database row: it
expires on its own, cannot be forged, and an undo applies only while the delivery still sits where the
move put it, so undoing never overwrites a change made in between (another drag, a retry, a send).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.core import signing
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from scheduler.calendar_selectors import MOVABLE_STATES
from scheduler.engine.common import platform_name
from scheduler.models import Delivery, DeliveryState
from scheduler.timezones import local_to_utc
from workspaces.audit import audit_record
from workspaces.models import Workspace

__all__ = ["Rescheduled", "delivery_reschedule", "delivery_reschedule_undo"]

UNDO_SALT = "scheduler.calendar.undo"
UNDO_MAX_AGE = timedelta(minutes=10)
# Undo puts a delivery back in the state it had, except `queued`: its publish message was voided by the move.
RESTORABLE_STATES = (DeliveryState.DRAFT, DeliveryState.SCHEDULED, DeliveryState.RETRY_WAIT)


@dataclass(frozen=True)
class Rescheduled:
    delivery: Delivery
    undo_token: str


def _locked(delivery_id: int) -> Delivery:
    return Delivery.objects.select_for_update().select_related("channel").get(pk=delivery_id)


def _refuse_unless_movable(delivery: Delivery) -> None:
    if delivery.state in MOVABLE_STATES:
        return
    name = platform_name(delivery.channel)
    if delivery.state in (DeliveryState.SENDING, DeliveryState.PUBLISHED, DeliveryState.UNKNOWN):
        message = _("This post is already being sent or published on %(platform)s; it can no longer be moved.") % {
            "platform": name}
    else:
        state = delivery.get_state_display()
        # English reads "is failed" in lower case; German keeps its capitalised nouns ("Prüfung nötig").
        state = state.lower() if (get_language() or "en").startswith("en") else state
        message = _("This post is %(state)s on %(platform)s; open the post to retry or settle it instead of moving "
                    "it.") % {"state": state, "platform": name}
    raise ValidationError(message, code="not_movable")


def _move(delivery: Delivery, due_at: datetime | None, scheduled_for: datetime | None, state: str) -> None:
    # The state condition repeats the check so a send claimed in between (SQLite has no row locks) wins.
    updated = Delivery.objects.filter(pk=delivery.pk, state__in=MOVABLE_STATES).update(
        due_at=due_at, scheduled_for=scheduled_for, state=state, attempt_token=None, lease_expires_at=None,
        queued_at=None, updated_at=timezone.now(),
    )
    if not updated:
        raise ValidationError(_("This post started sending just now; it was not moved."), code="not_movable")
    delivery.refresh_from_db()


def delivery_reschedule(delivery: Delivery, local_start: datetime, *, actor: Any = None) -> Rescheduled:
    """Move the delivery to `local_start`, a naive wall-clock time in its workspace's zone.

    The wall time is converted with scheduler.timezones.local_to_utc, so a move into a DST gap lands after
    the gap and an ambiguous time means its first occurrence. A queued delivery is taken back (its token
    cleared turns the publish message in the broker into a no-op); a draft stays a draft.
    """
    workspace = delivery.workspace
    due_at = local_to_utc(local_start, workspace.time_zone)
    if due_at < timezone.now():
        raise ValidationError(_("This time is already past. Drop the post on a later time."), code="past")
    with transaction.atomic():
        current = _locked(delivery.pk)
        _refuse_unless_movable(current)
        before = {"due": _iso(current.due_at), "for": _iso(current.scheduled_for), "state": current.state}
        state = DeliveryState.DRAFT if current.state == DeliveryState.DRAFT else DeliveryState.SCHEDULED
        _move(current, due_at, due_at, state)
    token = signing.dumps({"d": current.pk, "w": workspace.pk, "to": _iso(due_at), **before}, salt=UNDO_SALT)
    _audit(current, actor, "post.rescheduled", before["due"], _iso(due_at))
    return Rescheduled(current, token)


def delivery_reschedule_undo(workspace: Workspace, token: str, *, actor: Any = None) -> Delivery:
    """Put the delivery back where the move found it, if nothing else changed it since."""
    data = _undo_data(workspace, token)
    previous_due = _parse(data["due"])
    if data["state"] != DeliveryState.DRAFT and previous_due is not None and previous_due < timezone.now():
        raise ValidationError(_("The original time has passed meanwhile; drag the post to a new time instead."),
                              code="undo_past")
    with transaction.atomic():
        current = Delivery.objects.filter(pk=data["d"], workspace=workspace).first()
        if current is None:
            raise ValidationError(_("This post no longer exists."), code="undo_gone")
        current = _locked(current.pk)
        if current.state not in MOVABLE_STATES or _iso(current.due_at) != data["to"]:
            raise ValidationError(_("This post was changed after the move, so the move cannot be undone."),
                                  code="undo_stale")
        state = data["state"] if data["state"] in RESTORABLE_STATES else DeliveryState.SCHEDULED
        _move(current, previous_due, _parse(data["for"]), state)
    _audit(current, actor, "post.reschedule_undone", data["to"], data["due"])
    return current


def _audit(delivery: Delivery, actor: Any, action: str, before: str | None, after: str | None) -> None:
    audit_record(workspace=delivery.workspace_id, actor=actor, action=action, target=delivery.post,
                 details={"channel": str(delivery.channel), "delivery": delivery.pk, "from": before, "to": after})


def _undo_data(workspace: Workspace, token: str) -> dict:
    try:
        data = signing.loads(token, salt=UNDO_SALT, max_age=UNDO_MAX_AGE)
    except signing.SignatureExpired:
        raise ValidationError(_("Undo is no longer available for this move (it expired)."),
                              code="undo_expired") from None
    except signing.BadSignature:
        raise ValidationError(_("This undo link is not valid."), code="undo_invalid") from None
    if not isinstance(data, dict) or data.get("w") != workspace.pk:
        raise ValidationError(_("This undo link is not valid."), code="undo_invalid")
    return data


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _parse(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None
