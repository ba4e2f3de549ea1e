"""`{% open_attention_alerts as alerts %}`: the workspace's undismissed "needs attention" alerts of the
last day, for templates/inbox/_attention_alerts.html (shown to admins and community managers)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django import template
from django.utils import timezone

from inbox.attention import ALERT_ROLES
from inbox.models import AttentionAlert

register = template.Library()
SHOWN = 5
SHOWN_FOR = timedelta(days=1)
_RENDERED = "_smo_attention_alerts_rendered"


@register.simple_tag(takes_context=True)
def open_attention_alerts(context: template.Context) -> dict[str, Any]:
    request = context.get("request")
    workspace, member = getattr(request, "workspace", None), getattr(request, "member", None)
    if workspace is None or member is None or member.role not in ALERT_ROLES or getattr(request, _RENDERED, False):
        return {"items": [], "more": 0}
    setattr(request, _RENDERED, True)  # once per page, however many layouts include the partial
    open_ = (AttentionAlert.objects.filter(workspace=workspace, dismissed_at__isnull=True,
                                           conversation__needs_attention=True,
                                           created_at__gte=timezone.now() - SHOWN_FOR)
             .select_related("conversation__channel").order_by("-created_at", "-pk"))
    found = list(open_[: SHOWN + 1])
    more = open_.count() - SHOWN if len(found) > SHOWN else 0
    return {"items": found[:SHOWN], "more": more}
