"""Channel screens under /w/<slug>/channels/: the list, the OAuth connect round trip, disconnect.

Every member may look at the channels; only admins connect and disconnect. The OAuth `state` and
PKCE verifier live in the server-side session, keyed by state, so several connect attempts in
different tabs cannot mix up, and a callback whose state we did not issue stores nothing.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from platforms import selectors, services
from platforms.errors import PlatformError
from platforms.registry import adapter_class, platform_keys
from platforms.types import AuthorizationStart
from workspaces.access import workspace_view
from workspaces.models import Role

PENDING_KEY = "platforms_oauth_pending"
MAX_PENDING = 5  # abandoned attempts are dropped oldest first so the session cannot grow without bound


def _platform_names() -> dict[str, str]:
    return {key: adapter_class(key).display_name for key in platform_keys()}


def _error_page(request: HttpRequest, message: str, status: int = 400) -> HttpResponse:
    context = {"workspace": request.workspace, "message": message}
    return render(request, "platforms/connect_error.html", context, status=status)


@workspace_view()
@require_GET
def channel_list(request: HttpRequest) -> HttpResponse:
    names = _platform_names()
    channels = list(selectors.channels_for_workspace(request.workspace))
    for channel in channels:
        channel.platform_name = names.get(channel.platform, channel.platform)
        channel.has_tokens = bool((channel.credentials or {}).get("access_token"))  # decided here, not in HTML
    context = {
        "workspace": request.workspace,
        "channels": channels,
        "platform_names": names,
        "can_manage": request.member.role == Role.ADMIN,
    }
    return render(request, "platforms/channel_list.html", context)


@workspace_view(Role.ADMIN)
@require_POST
def channel_connect(request: HttpRequest, platform: str) -> HttpResponse:
    if platform not in platform_keys():
        raise Http404("No such platform.")
    callback = reverse("platforms:callback", kwargs={"slug": request.workspace.slug, "platform": platform})
    redirect_uri = request.build_absolute_uri(callback)
    try:
        start = services.channel_connect_start(request.workspace, platform, redirect_uri)
    except PlatformError as exc:
        return _error_page(request, exc.message, status=503)
    _remember(request, start, platform, redirect_uri)
    return HttpResponseRedirect(start.url)


@workspace_view(Role.ADMIN)
@require_GET
def channel_callback(request: HttpRequest, platform: str) -> HttpResponse:
    pending = _take_pending(request, request.GET.get("state", ""))
    if pending is None or pending["platform"] != platform or pending["workspace"] != request.workspace.pk:
        return _error_page(request, _(
            "This sign-in answer does not match a connection started from this workspace in this browser "
            "(it may have expired or been used already). Nothing was saved; start the connection again."
        ))
    name = _platform_names().get(platform, platform)
    problem = _callback_problem(request.GET.get("error", ""), request.GET.get("code", ""), name)
    if problem:
        return _error_page(request, problem)
    try:
        channel = services.channel_connect_finish(
            request.workspace, platform, request.GET["code"], pending["redirect_uri"], pending["verifier"]
        )
    except PlatformError as exc:
        return _error_page(request, exc.message, status=502)
    messages.success(request, _("Connected %(name)s on %(platform)s.") % {"name": channel.display_name,
                                                                          "platform": name})
    return redirect("platforms:list", slug=request.workspace.slug)


@workspace_view(Role.ADMIN)
@require_http_methods(["GET", "POST"])
def channel_disconnect(request: HttpRequest, channel_id: int) -> HttpResponse:
    channel = selectors.channel_for_workspace(request.workspace, channel_id)
    if channel is None:
        raise Http404("No such channel.")
    if request.method == "POST":
        services.channel_disconnect(channel)
        messages.success(request, _("Disconnected %(name)s. Its tokens were deleted.") % {"name": channel.display_name})
        return redirect("platforms:list", slug=request.workspace.slug)
    context = {"workspace": request.workspace, "channel": channel,
               "platform_name": _platform_names().get(channel.platform, channel.platform)}
    return render(request, "platforms/channel_disconnect.html", context)


def _callback_problem(error: str, code: str, platform_name: str) -> str:
    if error == "access_denied":
        return _("You did not allow SMO to use your %(platform)s account, so nothing was connected.") % {
            "platform": platform_name}
    if error:
        return _("%(platform)s did not authorize the connection (%(error)s). Nothing was saved.") % {
            "platform": platform_name, "error": error[:100]}
    if not code:
        return _("%(platform)s sent no authorization code. Nothing was saved; start the connection again.") % {
            "platform": platform_name}
    return ""


def _remember(request: HttpRequest, start: AuthorizationStart, platform: str, redirect_uri: str) -> None:
    pending: dict[str, Any] = dict(request.session.get(PENDING_KEY, {}))
    pending[start.state] = {"platform": platform, "workspace": request.workspace.pk,
                            "verifier": start.code_verifier, "redirect_uri": redirect_uri}
    request.session[PENDING_KEY] = dict(list(pending.items())[-MAX_PENDING:])


def _take_pending(request: HttpRequest, state: str) -> dict[str, Any] | None:
    """Pop the attempt for `state`: a state is good for one callback only."""
    pending: dict[str, Any] = dict(request.session.get(PENDING_KEY, {}))
    entry = pending.pop(state, None) if state else None
    if entry is not None:
        request.session[PENDING_KEY] = pending
    return entry
