"""Members and settings pages under /w/<slug>/: every member sees who is in the workspace; admins add people,
change roles, remove members and edit the workspace's settings."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from workspaces import services
from workspaces.access import workspace_view
from workspaces.forms import MemberAddForm, MemberRoleForm, WorkspaceSettingsForm
from workspaces.models import Member, Role
from workspaces.selectors import member_for_workspace, members_for_workspace


def _members_page(request: HttpRequest, add_form: MemberAddForm | None = None, status: int = 200,
                  errors: dict[int, str] | None = None) -> HttpResponse:
    members = list(members_for_workspace(request.workspace))
    context = {
        "members": members,
        "admins": sum(1 for member in members if member.role == Role.ADMIN),
        "roles": Role.choices,
        "can_manage": request.member.role == Role.ADMIN,
        "add_form": add_form or MemberAddForm(),
        "row_errors": errors or {},
    }
    return render(request, "workspaces/members.html", context, status=status)


def _back(request: HttpRequest) -> HttpResponse:
    return redirect("workspace:members", slug=request.workspace.slug)


def _member_or_404(request: HttpRequest, member_id: int) -> Member:
    member = member_for_workspace(request.workspace, member_id)
    if member is None:
        raise Http404("No such member.")
    return member


@require_safe
@workspace_view()
def members(request: HttpRequest) -> HttpResponse:
    return _members_page(request)


@require_POST
@workspace_view(Role.ADMIN)
def member_add(request: HttpRequest) -> HttpResponse:
    form = MemberAddForm(request.POST)
    if form.is_valid():
        try:
            member = services.member_add(request.workspace, form.cleaned_data["identifier"],
                                         form.cleaned_data["role"], actor=request.user)
        except ValidationError as error:
            form.add_error("identifier", error)
        else:
            messages.success(request, _("Added %(user)s as %(role)s.") % {
                "user": member.user.get_username(), "role": member.get_role_display()})
            return _back(request)
    return _members_page(request, add_form=form, status=400)


@require_POST
@workspace_view(Role.ADMIN)
def member_role(request: HttpRequest, member_id: int) -> HttpResponse:
    member = _member_or_404(request, member_id)
    form = MemberRoleForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError(_("Pick one of the roles offered."))
        changed = services.member_set_role(member, form.cleaned_data["role"], actor=request.user)
    except ValidationError as error:
        return _members_page(request, status=400, errors={member.pk: " ".join(error.messages)})
    messages.success(request, _("%(user)s is now %(role)s.") % {
        "user": changed.user.get_username(), "role": changed.get_role_display()})
    return _back(request)


@require_POST
@workspace_view(Role.ADMIN)
def member_remove(request: HttpRequest, member_id: int) -> HttpResponse:
    member = _member_or_404(request, member_id)
    try:
        services.member_remove(member, actor=request.user)
    except ValidationError as error:
        return _members_page(request, status=400, errors={member.pk: " ".join(error.messages)})
    if member.user_id == request.user.pk:  # left the workspace: its pages are closed to them now
        messages.success(request, _("You left %(workspace)s.") % {"workspace": request.workspace.name})
        return redirect("home")
    messages.success(request, _("Removed %(user)s from this workspace.") % {"user": member.user.get_username()})
    return _back(request)


def _settings_initial(request: HttpRequest) -> dict[str, Any]:
    workspace = request.workspace
    return {name: getattr(workspace, name) for name in services.SETTINGS_FIELDS}


@require_http_methods(["GET", "HEAD", "POST"])
@workspace_view(Role.ADMIN)
def workspace_settings(request: HttpRequest) -> HttpResponse:
    form = WorkspaceSettingsForm(request.POST or None, initial=_settings_initial(request))
    if request.method == "POST" and form.is_valid():
        try:
            services.workspace_update(request.workspace, actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Settings saved."))
            return redirect("workspace:settings", slug=request.workspace.slug)
    status = 400 if request.method == "POST" else 200
    context = {"form": form, "time_zones": services.time_zone_names()}
    return render(request, "workspaces/settings.html", context, status=status)
