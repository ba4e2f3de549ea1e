"""Workspace scoping for views: every workspace page lives under /w/<slug>/.

A user who is not a member of the workspace gets 404 (not 403), so workspace names cannot be probed.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse

from workspaces.models import Member, Role

ALL_ROLES = tuple(Role)


def membership(request: HttpRequest, slug: str) -> Member:
    member = (
        Member.objects.select_related("workspace")
        .filter(user_id=request.user.pk, workspace__slug=slug)
        .first()
    )
    if member is None:
        raise Http404("No such workspace.")
    return member


def workspace_view(*roles: Role) -> Callable:
    """Require login and membership of the URL's workspace, optionally with one of `roles`.

    The view receives `request.workspace` and `request.member`; the `slug` URL kwarg is consumed.
    """
    allowed = roles or ALL_ROLES

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @login_required
        @wraps(view)
        def wrapper(request: HttpRequest, slug: str, *args: Any, **kwargs: Any) -> HttpResponse:
            member = membership(request, slug)
            if member.role not in allowed:
                raise PermissionDenied("Your role in this workspace does not allow this.")
            request.workspace = member.workspace
            request.member = member
            return view(request, *args, **kwargs)

        return wrapper

    return decorator
