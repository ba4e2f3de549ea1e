"""The Queues page: per channel, its weekly slots, time zone, pause switch and queued posts in order.

Slot and zone forms are plain form posts (a refusal re-renders the page with what was typed). The
order buttons and drag-and-drop (static/js/queues.js) post with htmx and get the channel's card back;
without JavaScript the same buttons post normally and come back to the page.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import time
from typing import Any
from zoneinfo import available_timezones

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from platforms.models import Channel
from platforms.selectors import channel_for_workspace
from scheduler import queues
from scheduler.models import Delivery, Weekday
from scheduler.queue_selectors import queues_overview
from workspaces.access import workspace_view
from workspaces.models import Role

EDITORS = (Role.ADMIN, Role.MARKETER)


def _channel_or_404(request: HttpRequest, channel_id: int) -> Channel:
    channel = channel_for_workspace(request.workspace, channel_id)
    if channel is None:
        raise Http404("No such channel.")
    return channel


def _delivery_or_404(channel: Channel, delivery_id: int) -> Delivery:
    delivery = Delivery.objects.filter(pk=delivery_id, channel=channel, workspace_id=channel.workspace_id).first()
    if delivery is None:
        raise Http404("No such queued post.")
    return delivery


def _slot(weekday: str, raw_time: str) -> tuple[int, time]:
    """A (weekday, time) from the form's fields, or a ValidationError saying what is wrong."""
    if not weekday.isdigit() or int(weekday) not in Weekday.values:
        raise ValidationError(_("Pick a weekday."), code="weekday")
    try:
        return int(weekday), time.fromisoformat(raw_time.strip())
    except ValueError:
        raise ValidationError(_("%(time)s is not a time such as 09:30.") % {"time": repr(raw_time[:20])},
                              code="time") from None


def _base_context(request: HttpRequest) -> dict[str, Any]:
    return {"can_edit": request.member.role in EDITORS, "weekdays": Weekday.choices}


def _page(request: HttpRequest, problems: dict[int, dict[str, Any]] | None = None, status: int = 200
          ) -> HttpResponse:
    problems = problems or {}
    cards = [(view, problems.get(view.channel.pk, {})) for view in queues_overview(request.workspace)]
    context = {**_base_context(request), "cards": cards, "zones": sorted(available_timezones())}
    return render(request, "scheduler/queue_page.html", context, status=status)


def _card(request: HttpRequest, channel: Channel, errors: list[str] | None = None, note: str = "") -> HttpResponse:
    (view,) = queues_overview(request.workspace, channel_id=channel.pk)
    problem = {"errors": errors or [], "note": note}
    context = {**_base_context(request), "view": view, "problem": problem}
    return render(request, "scheduler/queue_card.html", context)


def _back(request: HttpRequest, channel: Channel) -> HttpResponse:
    return redirect(reverse("queues:page", kwargs={"slug": request.workspace.slug}) + f"#queue-{channel.pk}")


def _act(request: HttpRequest, channel: Channel, action: Callable[[], Any], done: str) -> HttpResponse:
    """Run a write; answer htmx with the channel's card, a plain post with a message and the page."""
    try:
        action()
    except ValidationError as error:
        if request.htmx:
            return _card(request, channel, errors=error.messages)
        messages.error(request, " ".join(error.messages))
    else:
        if request.htmx:
            return _card(request, channel, note=done)
        messages.success(request, done)
    return _back(request, channel)


@require_GET
@workspace_view()
def page(request: HttpRequest) -> HttpResponse:
    return _page(request)


@require_POST
@workspace_view(*EDITORS)
def slots_add(request: HttpRequest, channel_id: int) -> HttpResponse:
    channel = _channel_or_404(request, channel_id)
    weekdays, raw_time = request.POST.getlist("weekday"), request.POST.get("time", "")
    try:
        if not weekdays:
            raise ValidationError(_("Tick at least one weekday for the new time."), code="weekday")
        slots = [_slot(day, raw_time) for day in weekdays]
        queues.queue_edit_slots(channel, add=slots, actor=request.user)
    except ValidationError as error:
        typed = {"errors": error.messages, "weekdays": weekdays, "time": raw_time}
        return _page(request, {channel.pk: typed}, status=422)
    messages.success(request, _("Time added to the queue of %(name)s.") % {"name": channel.display_name})
    return _back(request, channel)


@require_POST
@workspace_view(*EDITORS)
def slot_remove(request: HttpRequest, channel_id: int, slot_id: int) -> HttpResponse:
    channel = _channel_or_404(request, channel_id)
    queue = getattr(channel, "posting_queue", None)
    if queue is None or not queue.slots.filter(pk=slot_id).exists():
        raise Http404("No such time.")
    return _act(request, channel, lambda: queues.queue_edit_slots(channel, remove=[slot_id], actor=request.user),
                _("Time removed from the queue of %(name)s.") % {"name": channel.display_name})


@require_POST
@workspace_view(*EDITORS)
def time_zone(request: HttpRequest, channel_id: int) -> HttpResponse:
    channel = _channel_or_404(request, channel_id)
    raw = request.POST.get("time_zone", "")
    try:
        queues.queue_set_time_zone(channel, raw, actor=request.user)
    except ValidationError as error:
        return _page(request, {channel.pk: {"errors": error.messages, "time_zone": raw}}, status=422)
    messages.success(request, _("Time zone of the queue of %(name)s saved.") % {"name": channel.display_name})
    return _back(request, channel)


@require_POST
@workspace_view(*EDITORS)
def pause(request: HttpRequest, channel_id: int) -> HttpResponse:
    channel = _channel_or_404(request, channel_id)
    return _act(request, channel, lambda: queues.queue_pause(channel, actor=request.user),
                _("The queue of %(name)s is paused; its posts wait until you resume it.")
                % {"name": channel.display_name})


@require_POST
@workspace_view(*EDITORS)
def resume(request: HttpRequest, channel_id: int) -> HttpResponse:
    channel = _channel_or_404(request, channel_id)
    return _act(request, channel, lambda: queues.queue_resume(channel, actor=request.user),
                _("The queue of %(name)s is running again; its posts took the next free times.")
                % {"name": channel.display_name})


def _order(raw: str) -> list[int]:
    parts = [part.strip() for part in raw.split(",") if part.strip()]
    if not parts or not all(part.isdigit() and len(part) < 19 for part in parts):
        raise ValidationError(_("The new order could not be read; reload the page and try again."), code="order")
    return [int(part) for part in parts]


@require_POST
@workspace_view(*EDITORS)
def reorder(request: HttpRequest, channel_id: int) -> HttpResponse:
    channel = _channel_or_404(request, channel_id)
    return _act(request, channel,
                lambda: queues.queue_reorder(channel, _order(request.POST.get("order", "")), actor=request.user),
                _("New order saved."))


@require_POST
@workspace_view(*EDITORS)
def move(request: HttpRequest, channel_id: int, delivery_id: int) -> HttpResponse:
    channel = _channel_or_404(request, channel_id)
    delivery = _delivery_or_404(channel, delivery_id)
    offset = -1 if request.POST.get("direction") == "up" else 1
    return _act(request, channel, lambda: queues.queue_move(channel, delivery.pk, offset, actor=request.user),
                _("New order saved."))


@require_POST
@workspace_view(*EDITORS)
def share_next(request: HttpRequest, channel_id: int, delivery_id: int) -> HttpResponse:
    channel = _channel_or_404(request, channel_id)
    delivery = _delivery_or_404(channel, delivery_id)
    return _act(request, channel, lambda: queues.post_share_next(delivery.post, channel, actor=request.user),
                _("This post goes out next."))

