"""Account pages: the home redirect and the page for users who belong to no workspace yet."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from workspaces.models import Workspace


def user_workspaces(user_id: int | None) -> list[Workspace]:
    """The workspaces the user is a member of, by name; empty for anonymous users."""
    if user_id is None:
        return []
    return list(Workspace.objects.filter(members__user_id=user_id).order_by("name", "pk"))


@login_required
def home(request: HttpRequest) -> HttpResponse:
    workspaces = user_workspaces(request.user.pk)
    if not workspaces:
        return render(request, "workspaces/no_workspace.html")
    return redirect("scheduler:deliveries", slug=workspaces[0].slug)
