"""Server-rendered scheduler pages. The deliveries list polls itself with htmx every few seconds."""

from __future__ import annotations

from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.core.paginator import Paginator
from django.db.models import F, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_safe

from scheduler.models import Delivery, DeliveryState
from scheduler.selectors import deliveries_for_workspace
from workspaces.access import workspace_view
from workspaces.models import Workspace

PAGE_SIZE = 50


def newest_first(workspace: Workspace, state: str = "") -> QuerySet[Delivery]:
    """The workspace's deliveries (scoped by the selector), newest due first, undated drafts last."""
    rows = deliveries_for_workspace(workspace, states=(state,) if state else None)
    return rows.order_by(F("due_at").desc(nulls_last=True), "-pk")


def workspace_zone(workspace: Workspace) -> ZoneInfo:
    try:
        return ZoneInfo(workspace.time_zone)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


@require_safe
@workspace_view()
def deliveries(request: HttpRequest) -> HttpResponse:
    state = request.GET.get("state", "")
    if state not in DeliveryState.values:
        state = ""
    page = Paginator(newest_first(request.workspace, state), PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "state": state,
        "states": DeliveryState.choices,
        "zone": workspace_zone(request.workspace),
    }
    template = "scheduler/_deliveries_table.html" if request.htmx else "scheduler/deliveries.html"
    response = render(request, template, context)
    patch_vary_headers(response, ["HX-Request"])
    return response
