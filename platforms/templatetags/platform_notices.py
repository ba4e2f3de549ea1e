"""`{% open_notices as notices %}`: the current workspace's due-soon warnings, for templates/platforms/_notices.html.

Renders once per request: the base layout and a page may both include the notices partial, and the
second include then shows nothing instead of a duplicate banner.
"""

from __future__ import annotations

from typing import Any

from django import template

from platforms.selectors import notices_open
from workspaces.models import Role

register = template.Library()
SHOWN = 5
_RENDERED = "_smo_notices_rendered"


@register.simple_tag(takes_context=True)
def open_notices(context: template.Context) -> dict[str, Any]:
    request = context.get("request")
    workspace = getattr(request, "workspace", None)
    if workspace is None or getattr(request, _RENDERED, False):
        return {"items": [], "more": 0, "can_dismiss": False}
    setattr(request, _RENDERED, True)
    found = list(notices_open(workspace)[: SHOWN + 1])
    total = notices_open(workspace).count() if len(found) > SHOWN else len(found)
    member = getattr(request, "member", None)
    return {"items": found[:SHOWN], "more": max(total - SHOWN, 0),
            "can_dismiss": member is not None and member.role != Role.VIEWER}
