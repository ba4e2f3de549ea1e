"""Saved replies of a workspace: everyone can read them, admins and community managers write them."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from inbox import selectors, triage
from inbox.models import SavedReply
from inbox.views import WORKERS, can_work
from workspaces.access import workspace_view


def _saved_or_404(request: HttpRequest, saved_reply_id: int) -> SavedReply:
    saved = selectors.saved_reply_for_workspace(request.workspace, saved_reply_id)
    if saved is None:
        raise Http404("No such saved reply.")
    return saved


def _page(request: HttpRequest, problems: dict | None = None, status: int = 200) -> HttpResponse:
    problems = problems or {}
    rows = [(saved, problems.get(saved.pk, {})) for saved in selectors.saved_replies_for_workspace(request.workspace)]
    context = {"rows": rows, "can_work": can_work(request), "problems": problems, "placeholders": triage.PLACEHOLDERS}
    return render(request, "inbox/saved_replies.html", context, status=status)


def _back(request: HttpRequest) -> HttpResponse:
    return redirect(reverse("inbox:saved_replies", kwargs={"slug": request.workspace.slug}))


@require_safe
@workspace_view()
def saved_replies(request: HttpRequest) -> HttpResponse:
    return _page(request)


@require_POST
@workspace_view(*WORKERS)
def saved_reply_create(request: HttpRequest) -> HttpResponse:
    title, body = request.POST.get("title", ""), request.POST.get("body", "")
    try:
        saved = triage.saved_reply_create(request.workspace, title, body, actor=request.user)
    except ValidationError as error:
        return _page(request, {"new": {"errors": error.messages, "title": title, "body": body}}, status=422)
    messages.success(request, _("Saved reply %(title)s added.") % {"title": saved.title})
    return _back(request)


@require_POST
@workspace_view(*WORKERS)
def saved_reply_update(request: HttpRequest, saved_reply_id: int) -> HttpResponse:
    saved = _saved_or_404(request, saved_reply_id)
    title, body = request.POST.get("title", ""), request.POST.get("body", "")
    try:
        triage.saved_reply_update(saved, title, body, actor=request.user)
    except ValidationError as error:
        return _page(request, {saved.pk: {"errors": error.messages, "title": title, "body": body}}, status=422)
    messages.success(request, _("Saved reply updated."))
    return _back(request)


@require_POST
@workspace_view(*WORKERS)
def saved_reply_delete(request: HttpRequest, saved_reply_id: int) -> HttpResponse:
    triage.saved_reply_delete(_saved_or_404(request, saved_reply_id), actor=request.user)
    messages.success(request, _("Saved reply deleted."))
    return _back(request)
