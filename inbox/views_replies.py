"""Answering from the inbox: send a reply or DM, retry a failed one, mark an unconfirmed one as sent.

htmx posts get templates/inbox/_replies.html back (the thread's replies with their states), to swap
into `#replies-<conversation id>`; a queued reply also sets the `inbox-reply-queued` trigger so the
reply box can clear itself. A refused reply answers 200 with the reason and leaves the box alone,
so nothing typed is lost. Plain form posts are redirected back to the conversation, or (refused)
get a page that shows the reason with the text still in the box.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from inbox import replies
from inbox.models import Conversation, Reply
from inbox.reply_selectors import conversation_for_replies, reply_for_workspace
from workspaces.access import workspace_view

REPLIERS = replies.REPLY_ROLES
TEXT_FIELD_MAX = replies.INPUT_MAX_CHARS + 1


def _conversation_or_404(request: HttpRequest, conversation_id: int) -> Conversation:
    conversation = conversation_for_replies(request.workspace, conversation_id)
    if conversation is None:
        raise Http404("No such conversation.")
    return conversation


def _reply_or_404(request: HttpRequest, conversation_id: int, reply_id: int) -> Reply:
    reply = reply_for_workspace(request.workspace, conversation_id, reply_id)
    if reply is None:
        raise Http404("No such reply.")
    return reply


def conversation_url(request: HttpRequest, conversation: Conversation) -> str:
    """The inbox page with this conversation open."""
    try:
        return reverse("inbox:page", kwargs={"slug": request.workspace.slug}) + f"?conversation={conversation.pk}"
    except NoReverseMatch:  # the inbox page is another module's; keep working while it is being wired
        return f"/w/{request.workspace.slug}/inbox/?conversation={conversation.pk}"


def _partial(request: HttpRequest, conversation: Conversation, **extra: Any) -> HttpResponse:
    response = render(request, "inbox/_replies.html", {"conversation": conversation, **extra})
    patch_vary_headers(response, ["HX-Request"])
    return response


@require_safe
@workspace_view()
def replies_list(request: HttpRequest, conversation_id: int) -> HttpResponse:
    """The thread's replies on their own (what the actions below answer htmx with)."""
    return _partial(request, _conversation_or_404(request, conversation_id))


@require_POST
@workspace_view(*REPLIERS)
def reply_send(request: HttpRequest, conversation_id: int) -> HttpResponse:
    conversation = _conversation_or_404(request, conversation_id)
    text = request.POST.get("text", "")[:TEXT_FIELD_MAX]
    try:
        reply = replies.reply_create(conversation, request.POST.get("in_reply_to") or None, text, request.user)
    except ValidationError as error:
        if request.htmx:
            response = _partial(request, conversation, reply_errors=error.messages)
            response["HX-Trigger"] = json.dumps({"inbox-reply-refused": {"conversation": conversation.pk}})
            return response
        return render(request, "inbox/_reply_page.html", {
            "conversation": conversation, "errors": error.messages, "text": text,
            "in_reply_to": request.POST.get("in_reply_to", "")[:20], "back": conversation_url(request, conversation),
        })
    note = _("Reply queued: it goes out in a moment.")
    if request.htmx:
        response = _partial(request, conversation, reply_note=note)
        response["HX-Trigger"] = json.dumps({"inbox-reply-queued": {"conversation": conversation.pk,
                                                                     "reply": reply.pk}})
        return response
    messages.success(request, note)
    return redirect(conversation_url(request, conversation))


def _act(request: HttpRequest, conversation_id: int, reply_id: int, action: Callable[[Reply], Any],
         done: str) -> HttpResponse:
    """Run a write on one reply; answer htmx with the partial, a plain post with a message and the page."""
    reply = _reply_or_404(request, conversation_id, reply_id)
    errors: list[str] = []
    try:
        action(reply)
    except ValidationError as error:
        errors = error.messages
    if request.htmx:
        return _partial(request, reply.conversation, reply_errors=errors, reply_note="" if errors else done)
    if errors:
        messages.error(request, " ".join(errors))
    else:
        messages.success(request, done)
    return redirect(conversation_url(request, reply.conversation))


@require_POST
@workspace_view(*REPLIERS)
def reply_retry(request: HttpRequest, conversation_id: int, reply_id: int) -> HttpResponse:
    return _act(request, conversation_id, reply_id, lambda reply: replies.reply_retry(reply, request.user),
                _("Sending the reply again."))


@require_POST
@workspace_view(*REPLIERS)
def reply_mark_sent(request: HttpRequest, conversation_id: int, reply_id: int) -> HttpResponse:
    permalink = request.POST.get("permalink", "")[:1000]
    return _act(request, conversation_id, reply_id,
                lambda reply: replies.reply_mark_sent(reply, request.user, permalink=permalink),
                _("Marked as sent."))
