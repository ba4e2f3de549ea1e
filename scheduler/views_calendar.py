"""The calendar page, its JSON event feed, and drag-to-reschedule with undo (JSON endpoints for calendar.js)."""

from __future__ import annotations

from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from scheduler.calendar import delivery_reschedule, delivery_reschedule_undo
from scheduler.calendar_i18n import calendar_locale, calendar_messages
from scheduler.calendar_selectors import calendar_events, calendar_filters, feed_query, legend
from scheduler.models import Delivery
from scheduler.views_pages import workspace_zone
from workspaces.access import workspace_view
from workspaces.models import Role

EDITORS = (Role.ADMIN, Role.MARKETER)
VIEWS = {"month": "dayGridMonth", "week": "timeGridWeek", "list": "listMonth"}


def _can_edit(request: HttpRequest) -> bool:
    return request.member.role in EDITORS


def _error(error: ValidationError, status: int = 400) -> JsonResponse:
    return JsonResponse({"error": " ".join(error.messages), "code": getattr(error, "code", None)}, status=status)


def _initial_date(value: str) -> str:
    try:
        return date.fromisoformat(value).isoformat()
    except ValueError:
        return ""


@require_GET
@workspace_view()
def calendar_page(request: HttpRequest) -> HttpResponse:
    workspace = request.workspace
    filters = calendar_filters(workspace)
    selected = {
        "channel": set(request.GET.getlist("channel")),
        "campaign": set(request.GET.getlist("campaign")),
        "state": set(request.GET.getlist("state")),
    }
    view = request.GET.get("view", "month")
    config = {
        "feedUrl": reverse("calendar:feed", kwargs={"slug": workspace.slug}),
        # calendar.js swaps the 0 for the dragged delivery's id.
        "moveUrl": reverse("calendar:move", kwargs={"slug": workspace.slug, "delivery_id": 0}),
        "undoUrl": reverse("calendar:undo", kwargs={"slug": workspace.slug}),
        # The composer (another module) reads ?at=<wall-clock ISO in the workspace's zone>.
        "composeUrl": f"/w/{workspace.slug}/compose/",
        "timeZone": workspace_zone(workspace).key,
        "initialView": VIEWS.get(view, VIEWS["month"]),
        "initialDate": _initial_date(request.GET.get("date", "")),
        "canEdit": _can_edit(request),
        # Locale code, first weekday and FullCalendar's texts in the interface language.
        **calendar_locale(),
        "messages": calendar_messages(),
        "legend": legend([channel["platform"] for channel in filters["channels"]]),
        "today": timezone.localtime(timezone.now(), workspace_zone(workspace)).date().isoformat(),
    }
    context = {"filters": filters, "selected": selected, "config": config, "view": view,
               "zone": workspace_zone(workspace)}
    return render(request, "scheduler/calendar.html", context)


@require_GET
@workspace_view()
def calendar_feed(request: HttpRequest) -> JsonResponse:
    workspace = request.workspace
    try:
        query = feed_query(request.GET, workspace_zone(workspace).key)
    except ValidationError as error:
        return _error(error)
    return JsonResponse(calendar_events(workspace, query, can_move=_can_edit(request)), safe=False)


@require_POST
@workspace_view(*EDITORS)
def delivery_move(request: HttpRequest, delivery_id: int) -> JsonResponse:
    delivery = Delivery.objects.filter(workspace=request.workspace, pk=delivery_id).select_related("workspace").first()
    if delivery is None:
        raise Http404("No such delivery.")
    try:
        local_start = datetime.fromisoformat(request.POST.get("start", "").strip())
    except ValueError:
        return _error(ValidationError(_("Send the new time as start=YYYY-MM-DDTHH:MM."), code="bad_time"))
    if local_start.tzinfo is not None:
        # Wall-clock in the workspace's zone is the contract; an instant is converted to that wall-clock first.
        local_start = local_start.astimezone(workspace_zone(request.workspace)).replace(tzinfo=None)
    try:
        moved = delivery_reschedule(delivery, local_start, actor=request.user)
    except ValidationError as error:
        return _error(error, status=409 if error.code == "not_movable" else 400)
    when = timezone.localtime(moved.delivery.due_at, workspace_zone(request.workspace))
    message = _("Moved to %(when)s.") % {"when": date_format(when, "SHORT_DATETIME_FORMAT")}
    return JsonResponse({"id": str(moved.delivery.pk), "start": when.replace(tzinfo=None).isoformat(),
                         "state": moved.delivery.state, "undoToken": moved.undo_token, "message": message})


@require_POST
@workspace_view(*EDITORS)
def reschedule_undo(request: HttpRequest) -> JsonResponse:
    try:
        delivery = delivery_reschedule_undo(request.workspace, request.POST.get("token", ""), actor=request.user)
    except ValidationError as error:
        return _error(error, status=409)
    when = timezone.localtime(delivery.due_at, workspace_zone(request.workspace)) if delivery.due_at else None
    return JsonResponse({"id": str(delivery.pk), "state": delivery.state,
                         "start": when.replace(tzinfo=None).isoformat() if when else None,
                         "message": _("Move undone.")})
