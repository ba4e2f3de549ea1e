"""The inbox sync health page for admins: /w/<slug>/inbox/health/."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from inbox.health import sync_health
from platforms.models import Health
from workspaces.access import workspace_view
from workspaces.models import Role


@workspace_view(Role.ADMIN)
@require_GET
def health(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    rows = sync_health(request.workspace, now)
    return render(request, "inbox/health.html", {
        "workspace": request.workspace, "rows": rows, "now": now,
        "stopped": sum(1 for row in rows if row.stopped and row.channel.health != Health.OK),
    })
