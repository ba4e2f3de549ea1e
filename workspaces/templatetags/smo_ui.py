"""Template helpers shared by every page: the workspace switcher, state badges, safe outbound links."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from django import template

from workspaces.views import user_workspaces

register = template.Library()

# Bootstrap colour per delivery state; anything unlisted is shown neutral.
STATE_COLOURS = {
    "draft": "light",
    "scheduled": "secondary",
    "queued": "info",
    "sending": "primary",
    "published": "success",
    "retry_wait": "warning",
    "failed": "danger",
    "needs_reconnect": "danger",
    "unknown": "info",
    "needs_check": "warning",
    "cancelled": "dark",
}


@register.inclusion_tag("workspaces/_switcher.html", takes_context=True)
def workspace_switcher(context: dict[str, Any]) -> dict[str, Any]:
    request = context["request"]
    current = getattr(request, "workspace", None)
    return {"current": current, "workspaces": user_workspaces(request.user.pk)}


@register.filter
def state_colour(state: str) -> str:
    return STATE_COLOURS.get(state, "secondary")


@register.filter
def http_url(value: str | None) -> str:
    """The value if it is an absolute http(s) URL, else "" — platform data is never trusted as a link."""
    if not value:
        return ""
    parts = urlsplit(str(value))
    return str(value) if parts.scheme in ("http", "https") and parts.netloc else ""


@register.filter
def preview_templates(platform: str) -> list[str]:
    """The composer preview card for a platform: its own template if it has one, else the plain card."""
    return [f"scheduler/composer_preview_{platform}.html", "scheduler/composer_preview_facebook.html"]
