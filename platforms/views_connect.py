"""Connecting a platform that asks something first, and refreshing what SMO knows about a channel.

Mastodon needs the instance's address before it can send anyone to sign in; Bluesky signs in with a
handle and an app password and has no redirect at all. Such adapters declare ``connect_form`` (a Django
form) and ``start_connect(cleaned_data, redirect_uri)``, which answers either with an
``AuthorizationStart`` (the browser goes to the platform; the usual callback finishes) or with a
``TokenGrant`` (already signed in: the channel is stored right away).
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from platforms import selectors, services
from platforms.errors import PlatformError
from platforms.registry import adapter_class, get_adapter, platform_keys
from platforms.types import AuthorizationStart
from platforms.views import _platform_names, _remember
from workspaces.access import workspace_view
from workspaces.models import Role


def connect_form_class(platform: str) -> type[forms.Form] | None:
    """The form a platform asks before connecting, or None for a plain OAuth redirect."""
    if platform not in platform_keys():
        return None
    return getattr(adapter_class(platform), "connect_form", None)


@workspace_view(Role.ADMIN)
@require_http_methods(["GET", "POST"])
def channel_connect_form(request: HttpRequest, platform: str) -> HttpResponse:
    form_class = connect_form_class(platform)
    if form_class is None:
        raise Http404("This platform connects without a form.")
    form = form_class(request.POST or None)
    if request.method == "POST" and form.is_valid():
        answer = _start(request, platform, form)
        if answer is not None:
            return answer
    context = {"workspace": request.workspace, "form": form, "platform": platform,
               "platform_name": _platform_names().get(platform, platform)}
    return render(request, "platforms/connect_form.html", context, status=400 if form.errors else 200)


def _start(request: HttpRequest, platform: str, form: forms.Form) -> HttpResponse | None:
    """Hand the answers to the adapter; a platform's refusal becomes a form error (nothing is stored)."""
    callback = reverse("platforms:callback", kwargs={"slug": request.workspace.slug, "platform": platform})
    redirect_uri = request.build_absolute_uri(callback)
    try:
        started = get_adapter(platform).start_connect(dict(form.cleaned_data), redirect_uri)  # type: ignore[attr-defined]
        if isinstance(started, AuthorizationStart):
            _remember(request, started, platform, redirect_uri)
            return HttpResponseRedirect(started.url)
        channel = services.channel_connect_grant(request.workspace, platform, started, actor=request.user)
    except PlatformError as exc:
        form.add_error(None, exc.message)
        return None
    messages.success(request, _("Connected %(name)s on %(platform)s.") % {
        "name": channel.display_name, "platform": _platform_names().get(platform, platform)})
    return redirect("platforms:list", slug=request.workspace.slug)


@workspace_view(Role.ADMIN)
@require_POST
def channel_refresh(request: HttpRequest, channel_id: int) -> HttpResponse:
    """Ask the platform about the account again: new name or avatar, new Pinterest boards, TikTok's privacy choices."""
    channel = selectors.channel_for_workspace(request.workspace, channel_id)
    if channel is None:
        raise Http404("No such channel.")
    try:
        services.channel_refresh_info(channel, actor=request.user)
    except PlatformError as exc:
        messages.error(request, _("%(platform)s did not answer SMO's question about %(name)s: %(error)s") % {
            "platform": _platform_names().get(channel.platform, channel.platform), "name": channel.display_name,
            "error": exc.message})
    else:
        messages.success(request, _("Updated the details of %(name)s.") % {"name": channel.display_name})
    return HttpResponseRedirect(reverse("platforms:list", kwargs={"slug": request.workspace.slug}))
