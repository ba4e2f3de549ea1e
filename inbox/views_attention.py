"""Acting on "needs attention": lower a conversation's flag, dismiss an in-app alert (POST only)."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from inbox.attention import ALERT_ROLES, attention_alert_dismiss, conversation_attention_clear
from workspaces.access import workspace_view


def _back(request: HttpRequest) -> HttpResponse:
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                           require_https=request.is_secure()):
        target = reverse("inbox:page", kwargs={"slug": request.workspace.slug})
    return redirect(target)


@workspace_view(*ALERT_ROLES)
@require_POST
def attention_clear(request: HttpRequest, conversation_id: int) -> HttpResponse:
    if not conversation_attention_clear(request.workspace, conversation_id, request.user):
        raise Http404("No such conversation.")
    return _back(request)


@workspace_view(*ALERT_ROLES)
@require_POST
def alert_dismiss(request: HttpRequest, alert_id: int) -> HttpResponse:
    if not attention_alert_dismiss(request.workspace, alert_id):
        raise Http404("No such alert.")
    return _back(request)
