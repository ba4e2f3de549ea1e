"""Working a conversation from the inbox page: assign, status (done / open / snooze), tags, notes, bulk,
and the saved-reply picker. Admins and community managers only.

An htmx post gets back only the part it changed (the action bar, or the note form) plus an
`inbox-changed` event that makes the list and the thread refresh at once; a plain form post is redirected
back to the page. A refused change says why and keeps what was typed.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST, require_safe

from inbox import selectors, triage
from inbox.models import Conversation
from inbox.views import (
    WORKERS,
    conversation_or_404,
    filters_of,
    list_context,
    page_url,
    pane_context,
    render_page,
    snooze_presets,
)
from scheduler.views_pages import workspace_zone
from workspaces.access import workspace_view


def _user_id(raw: str) -> int | None:
    raw = (raw or "").strip()
    if raw in ("", "none"):
        return None
    if not raw.isdigit() or int(raw) >= 2**63:
        raise ValidationError(_("Pick a member to assign."), code="assignee")
    return int(raw)


def _snooze_until(request: HttpRequest) -> datetime:
    """The snooze time from a preset button or the date-time field (read in the workspace's time zone)."""
    preset = request.POST.get("preset", "")
    for key, _label, when in snooze_presets(request):
        if key == preset:
            return when
    raw = request.POST.get("until", "").strip()
    if not raw:
        raise ValidationError(_("Pick when the conversation should come back."), code="snooze_time")
    try:
        when = datetime.fromisoformat(raw[:40])
    except ValueError:
        raise ValidationError(_("%(value)s is not a date and time such as 2030-07-01 09:00.")
                              % {"value": repr(raw[:40])}, code="snooze_time") from None
    return when if timezone.is_aware(when) else when.replace(tzinfo=workspace_zone(request.workspace))


def _act(request: HttpRequest, conversation: Conversation, action: Callable[[], Any], done: str,
         part: str = "inbox/_actions.html", typed: dict[str, str] | None = None) -> HttpResponse:
    """Run a write; answer htmx with the changed part, a plain post with the page."""
    filters = filters_of(request)
    typed = typed or {}
    try:
        action()
    except ValidationError as error:
        problems = {**typed, "errors": error.messages}
        if request.htmx:
            fresh = conversation_or_404(request, conversation.pk)
            return render(request, part, pane_context(request, fresh, filters, problems))
        return render_page(request, filters, conversation_or_404(request, conversation.pk), problems, status=422)
    if request.htmx:
        fresh = conversation_or_404(request, conversation.pk)
        response = render(request, part, pane_context(request, fresh, filters, {**typed, "note": done}))
        # The list comes along out of band, rendered after the change committed: a refresh asked for by an
        # event could lose the race with a poll already on its way back with the old list.
        listing = render_to_string("inbox/_list.html", {**list_context(request, filters, conversation.pk),
                                                         "out_of_band": True}, request=request)
        response.content += listing.encode()
        response["HX-Trigger"] = "inbox-changed"
        return response
    messages.success(request, done)
    return redirect(page_url(request, filters, conversation.pk))


@require_POST
@workspace_view(*WORKERS)
def assign(request: HttpRequest, conversation_id: int) -> HttpResponse:
    conversation = conversation_or_404(request, conversation_id)
    raw = request.POST.get("assignee", "")

    def run() -> None:
        user_id = request.user.pk if raw == "me" else _user_id(raw)
        user = triage.assignable_user(request.workspace, user_id)
        triage.conversation_assign(conversation, user, actor=request.user)

    return _act(request, conversation, run, _("Assignment saved."))


@require_POST
@workspace_view(*WORKERS)
def status(request: HttpRequest, conversation_id: int) -> HttpResponse:
    conversation = conversation_or_404(request, conversation_id)
    wanted = request.POST.get("status", "")

    def run() -> None:
        until = _snooze_until(request) if wanted == "snoozed" else None
        triage.conversation_set_status(conversation, wanted, actor=request.user, snoozed_until=until)

    done = {"done": _("Marked done."), "open": _("Reopened."), "snoozed": _("Snoozed.")}.get(wanted, "")
    return _act(request, conversation, run, done, typed={"until": request.POST.get("until", "")[:40]})


@require_POST
@workspace_view(*WORKERS)
def tags(request: HttpRequest, conversation_id: int) -> HttpResponse:
    conversation = conversation_or_404(request, conversation_id)
    add = [name for name in request.POST.get("add", "").split(",") if name.strip()][:20]
    remove = request.POST.getlist("remove")[:20]

    def run() -> None:
        if not add and not remove:
            raise ValidationError(_("Type a tag to add."), code="tag_empty")
        triage.conversation_tag(conversation, add, remove, actor=request.user)

    return _act(request, conversation, run, _("Tags saved."), typed={"tag": request.POST.get("add", "")[:200]})


@require_POST
@workspace_view(*WORKERS)
def note_add(request: HttpRequest, conversation_id: int) -> HttpResponse:
    conversation = conversation_or_404(request, conversation_id)
    text = request.POST.get("text", "")
    return _act(request, conversation, lambda: triage.note_add(conversation, text, author=request.user),
                _("Note added."), part="inbox/_note_form.html", typed={"note_text": text, "part": "note"})


@require_POST
@workspace_view(*WORKERS)
def bulk(request: HttpRequest) -> HttpResponse:
    """Done / reopen / assign / tag for the ticked conversations of the list."""
    filters = filters_of(request)
    action = request.POST.get("action", "")
    try:
        assignee = request.user.pk if request.POST.get("assignee") == "me" else _user_id(
            request.POST.get("assignee", ""))
        changed = triage.conversations_bulk(request.workspace, request.POST.getlist("ids"), action,
                                            actor=request.user, assignee_id=assignee,
                                            tag=request.POST.get("tag", "")[:100])
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, ngettext("%(n)d conversation changed.", "%(n)d conversations changed.", changed)
                         % {"n": changed})
    response = redirect(page_url(request, filters))
    if request.htmx:
        response = HttpResponse(status=204)
        response["HX-Refresh"] = "true"  # the page shows the message and the changed list
    return response


@require_safe
@workspace_view(*WORKERS)
def saved_reply_text(request: HttpRequest, conversation_id: int, saved_reply_id: int) -> HttpResponse:
    """A saved reply filled in for this conversation, for the picker to put into the reply box (as text)."""
    conversation = conversation_or_404(request, conversation_id)
    saved = selectors.saved_reply_for_workspace(request.workspace, saved_reply_id)
    if saved is None:
        return JsonResponse({"detail": _("No such saved reply.")}, status=404)
    return JsonResponse({"title": saved.title,
                         "text": triage.saved_reply_render(saved.body, conversation, request.user)})
