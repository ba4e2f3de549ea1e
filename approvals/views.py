"""Approval pages inside a workspace: the approvers' queue, and the actions of the post page's panel."""

from __future__ import annotations

from datetime import timedelta

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from approvals import services
from approvals.models import ApprovalRequest
from approvals.selectors import (
    link_for_workspace,
    pending_for_workspace,
    recently_decided,
    request_for_workspace,
)
from scheduler.selectors import post_for_workspace
from scheduler.views_pages import workspace_zone
from workspaces.access import workspace_view

DEFAULT_LINK_DAYS = 7


def _request_or_404(request: HttpRequest, request_id: int) -> ApprovalRequest:
    found = request_for_workspace(request.workspace, request_id)
    if found is None:
        raise Http404("No such approval request.")
    return found


def _post_page(request: HttpRequest, post_id: int) -> HttpResponse:
    return redirect("scheduler:post", slug=request.workspace.slug, post_id=post_id)


def _back(request: HttpRequest, approval: ApprovalRequest) -> HttpResponse:
    if request.POST.get("back") == "list":
        return redirect("approvals:list", slug=request.workspace.slug)
    return _post_page(request, approval.post_id)


@require_GET
@workspace_view()
def approval_list(request: HttpRequest) -> HttpResponse:
    context = {
        "pending": list(pending_for_workspace(request.workspace)),
        "decided": recently_decided(request.workspace),
        "zone": workspace_zone(request.workspace),
        "can_decide": request.member.role in services.APPROVER_ROLES,
    }
    return render(request, "approvals/list.html", context)


@require_POST
@workspace_view(*services.REQUESTER_ROLES)
def approval_request(request: HttpRequest, post_id: int) -> HttpResponse:
    post = post_for_workspace(request.workspace, post_id)
    if post is None:
        raise Http404("No such post.")
    try:
        services.approval_request(post, request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Approval requested. Approvers see it in their queue."))
    return _post_page(request, post.pk)


@require_POST
@workspace_view(*services.APPROVER_ROLES)
def approval_decide(request: HttpRequest, request_id: int) -> HttpResponse:
    approval = _request_or_404(request, request_id)
    decision = request.POST.get("decision", "")
    if decision not in ("approve", "reject"):
        messages.error(request, _("Choose approve or reject."))
        return _back(request, approval)
    try:
        services.approval_decide(approval, request.user, decision == "approve", request.POST.get("comment", ""))
    except (ValidationError, PermissionDenied) as error:
        text = " ".join(error.messages) if isinstance(error, ValidationError) else str(error)
        messages.error(request, text)
    else:
        messages.success(request, _("Approved: the post can be scheduled now.") if decision == "approve"
                         else _("Rejected. The author sees your comment on the post's page."))
    return _back(request, approval)


def _invite_page(request: HttpRequest, approval: ApprovalRequest, *, values: dict | None = None,
                 errors: list[str] | None = None, created: tuple | None = None, status: int = 200) -> HttpResponse:
    context = {
        "approval": approval,
        "links": list(approval.reviewer_links.all()),
        "values": values or {"name": "", "email": "", "days": DEFAULT_LINK_DAYS},
        "day_choices": services.LINK_DAYS,
        "errors": errors or [],
        "created": created,
        "zone": workspace_zone(request.workspace),
        "now": timezone.now(),
    }
    return render(request, "approvals/invite.html", context, status=status)


@require_http_methods(["GET", "POST"])
@workspace_view(*services.APPROVER_ROLES)
def reviewer_invite(request: HttpRequest, request_id: int) -> HttpResponse:
    """GET: the form and the request's links. POST: a new link, shown once on the page that answers."""
    approval = _request_or_404(request, request_id)
    if request.method != "POST":
        return _invite_page(request, approval)
    values = {key: request.POST.get(key, "").strip() for key in ("name", "email", "days")}
    days = int(values["days"]) if values["days"].isdigit() else 0
    try:
        link, token = services.reviewer_link_create(approval, request.user, name=values["name"],
                                                    email=values["email"], valid_for=timedelta(days=days))
    except ValidationError as error:
        return _invite_page(request, approval, values=values, errors=error.messages, status=422)
    url = request.build_absolute_uri(reverse("review:page", kwargs={"token": token}))
    response = _invite_page(request, approval, created=(link, url))
    response["Cache-Control"] = "no-store"  # the raw link is on this page only
    return response


@require_POST
@workspace_view(*services.APPROVER_ROLES)
def reviewer_link_revoke(request: HttpRequest, link_id: int) -> HttpResponse:
    link = link_for_workspace(request.workspace, link_id)
    if link is None:
        raise Http404("No such reviewer link.")
    services.reviewer_link_revoke(link, request.user)
    messages.success(request, _("The link was revoked; it no longer opens the review page."))
    return redirect("approvals:invite", slug=request.workspace.slug, request_id=link.request_id)
