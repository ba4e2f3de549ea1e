"""The audit log page under /w/<slug>/audit/ and its CSV / JSON lines exports.

Who may read it: admins, who run the workspace, and approvers, whose job is oversight. Marketers, community
managers and viewers get 403: the log names every member and what they did, which is not everyone's business.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_safe

from scheduler.views_pages import workspace_zone
from workspaces.access import workspace_view
from workspaces.audit import audit_record
from workspaces.audit_display import action_label, detail_pairs, target_type_label
from workspaces.audit_export import csv_lines, jsonl_lines
from workspaces.forms import AuditFilterForm
from workspaces.models import AuditEvent, Role
from workspaces.selectors import audit_events, audit_filter_choices, audit_page

AUDIT_READERS = (Role.ADMIN, Role.APPROVER)
EXPORT_FORMATS = {"csv": ("text/csv; charset=utf-8", "csv"), "jsonl": ("application/x-ndjson; charset=utf-8",
                                                                       "jsonl")}


@dataclass(frozen=True)
class Row:
    event: AuditEvent
    action: str
    target_type: str
    details: list[tuple[str, str]]


def _choices(values: list[str], label: object) -> list[tuple[str, str]]:
    return [(value, label(value)) for value in values]  # type: ignore[operator]


@require_safe
@workspace_view(*AUDIT_READERS)
def audit_log(request: HttpRequest) -> HttpResponse:
    workspace = request.workspace
    form = AuditFilterForm(request.GET)
    filters = form.filters()
    page = audit_page(workspace, filters, after=request.GET.get("after", "")[:100],
                      before=request.GET.get("before", "")[:100])
    choices = audit_filter_choices(workspace)
    query = filters.as_query()
    context = {
        "form": form,
        "filters": filters,
        "rows": [Row(e, action_label(e.action), target_type_label(e.target_type), detail_pairs(e.details))
                 for e in page.events],
        "older_url": "?" + urlencode({**query, "after": page.older}) if page.older else "",
        "newer_url": "?" + urlencode({**query, "before": page.newer}) if page.newer else "",
        "first_url": "?" + urlencode(query) if page.newer else "",
        "export_query": urlencode(query),
        "actors": choices["actors"],
        "actions": sorted(_choices(choices["actions"], action_label), key=lambda pair: pair[1].lower()),
        "target_types": _choices(choices["target_types"], target_type_label),
        "zone": workspace_zone(workspace),
    }
    return render(request, "workspaces/audit_log.html", context)


@require_safe
@workspace_view(*AUDIT_READERS)
def audit_export(request: HttpRequest, fmt: str) -> HttpResponse:
    """The whole filtered log (not only the page shown), newest first, streamed."""
    if fmt not in EXPORT_FORMATS:
        raise Http404("No such export format.")
    workspace = request.workspace
    filters = AuditFilterForm(request.GET).filters()
    zone = workspace_zone(workspace)
    if request.method == "GET":  # recorded before the rows are read, so an export shows up in itself too
        audit_record(workspace=workspace, actor=request.user, action="audit.exported",
                     details={"format": fmt, **filters.as_query()})
    events = audit_events(workspace, filters)
    lines = csv_lines(events, zone) if fmt == "csv" else jsonl_lines(events, zone)
    content_type, suffix = EXPORT_FORMATS[fmt]
    response = StreamingHttpResponse(lines, content_type=content_type)
    stamp = timezone.localtime(timezone.now(), zone).strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="audit-{workspace.slug}-{stamp}.{suffix}"'
    response["Cache-Control"] = "no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response
