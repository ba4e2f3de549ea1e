"""Channel screens under /w/<slug>/channels/: the list, the OAuth connect round trip, disconnect.

Every member may look at the channels; only admins connect and disconnect. The OAuth `state` and
PKCE verifier live in the server-side session, keyed by state, so several connect attempts in
different tabs cannot mix up, and a callback whose state we did not issue stores nothing. X's OAuth
1.0a flow uses its request token as the state and keeps the request token secret there too.
"""

from __future__ import annotations

import json
import secrets
from datetime import datetime
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from platforms import notices, selectors, services
from platforms.catalogue import PlatformFacts, all_platform_facts, platform_facts
from platforms.errors import PlatformError
from platforms.health import channel_health
from platforms.models import Channel
from platforms.quota import used_today
from platforms.registry import adapter_class, platform_keys
from platforms.types import AccountInfo, AuthorizationStart, TokenGrant
from smo import crypto
from workspaces.access import workspace_view
from workspaces.models import Role

PENDING_KEY = "platforms_oauth_pending"
PICK_KEY = "platforms_page_pick"  # signed-in Facebook users waiting for the admin to pick Pages
MAX_PENDING = 5  # abandoned attempts are dropped oldest first so the session cannot grow without bound


def _platform_names() -> dict[str, str]:
    return {key: adapter_class(key).display_name for key in platform_keys()}


def _connect_choices() -> list[PlatformFacts]:
    """Platforms with their own sign-in; Instagram is connected through Facebook's Page picker, and an adapter
    whose sign-in is not built yet (`connect_available = False`) gets no button that could only fail."""
    return [facts for facts in all_platform_facts() if facts.connect]


def _error_page(request: HttpRequest, message: str, status: int = 400) -> HttpResponse:
    context = {"workspace": request.workspace, "message": message}
    return render(request, "platforms/connect_error.html", context, status=status)


@workspace_view()
@require_GET
def channel_list(request: HttpRequest) -> HttpResponse:
    names, now = _platform_names(), timezone.now()
    channels = list(selectors.channels_for_workspace(request.workspace))
    for channel in channels:
        _describe(channel, names, now)
    context = {
        "workspace": request.workspace,
        "channels": channels,
        "platform_names": names,
        "connect_choices": _connect_choices(),
        "can_manage": request.member.role == Role.ADMIN,
    }
    return render(request, "platforms/channel_list.html", context)


def _describe(channel: Channel, names: dict[str, str], now: datetime) -> None:
    """Everything the row shows, decided here rather than in the template."""
    channel.platform_name = names.get(channel.platform, channel.platform)
    channel.has_tokens = bool((channel.credentials or {}).get("access_token"))
    channel.status = channel_health(channel, now)
    channel.is_paused = channel.paused_until is not None and channel.paused_until > now
    if channel.platform in names:
        channel.facts = platform_facts(channel.platform)
        if channel.facts.daily_quota:
            channel.quota_used = used_today(channel.platform, channel.external_id, now=now)
    # Instagram accounts come back through Facebook's sign-in and Page picker.
    through = getattr(adapter_class(channel.platform), "connected_through", "") if channel.platform in names else ""
    channel.reconnect_platform = through or channel.platform
    channel.reconnect_form = (channel.platform in names
                              and getattr(adapter_class(channel.reconnect_platform), "connect_form", None) is not None)


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
    state, code, error = _sign_in_answer(request.GET)
    pending = _take_pending(request, state)
    if pending is None or pending["platform"] != platform or pending["workspace"] != request.workspace.pk:
        return _error_page(request, _(
            "This sign-in answer does not match a connection started from this workspace in this browser "
            "(it may have expired or been used already). Nothing was saved; start the connection again."
        ))
    name = _platform_names().get(platform, platform)
    problem = _callback_problem(error, code, name)
    if problem:
        return _error_page(request, problem)
    if getattr(adapter_class(platform), "picks_pages", False):
        return _start_page_pick(request, platform, pending)
    try:
        channel = services.channel_connect_finish(
            request.workspace, platform, code, pending["redirect_uri"], pending["verifier"], actor=request.user
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
        services.channel_disconnect(channel, actor=request.user)
        messages.success(request, _("Disconnected %(name)s. Its tokens were deleted.") % {"name": channel.display_name})
        return redirect("platforms:list", slug=request.workspace.slug)
    context = {"workspace": request.workspace, "channel": channel,
               "platform_name": _platform_names().get(channel.platform, channel.platform)}
    return render(request, "platforms/channel_disconnect.html", context)


@workspace_view(Role.ADMIN, Role.MARKETER, Role.COMMUNITY_MANAGER)
@require_POST
def notice_dismiss(request: HttpRequest, notice_id: int) -> HttpResponse:
    if not notices.notice_dismiss(request.workspace, notice_id):
        raise Http404("No such notice.")
    back = request.POST.get("next", "")
    if not back.startswith(f"/w/{request.workspace.slug}/"):  # only back into this workspace, never off-site
        back = reverse("platforms:list", kwargs={"slug": request.workspace.slug})
    return HttpResponseRedirect(back)


def _start_page_pick(request: HttpRequest, platform: str, pending: dict[str, Any]) -> HttpResponse:
    """Facebook-style sign-in: list the Pages the user manages and let the admin pick. The user
    token waits in the session encrypted (it is a secret at rest); Page tokens are fetched again
    when the admin confirms, so they never wait anywhere."""
    try:
        grant, pages, linked = services.channel_connect_pages_start(
            platform, request.GET["code"], pending["redirect_uri"], pending["verifier"])
    except PlatformError as exc:
        return _error_page(request, exc.message, status=502)
    name = _platform_names().get(platform, platform)
    if not pages:
        return _error_page(request, _(
            "Your %(platform)s account manages no Pages that SMO was allowed to see, so nothing was connected. "
            "Connect again and select at least one Page.") % {"platform": name})
    pick_id = secrets.token_urlsafe(16)
    picks: dict[str, Any] = dict(request.session.get(PICK_KEY, {}))
    sealed = json.dumps({"access_token": grant.access_token, "scopes": list(grant.scopes),
                         "refresh_token": grant.refresh_token,
                         "expires_at": grant.expires_at.isoformat() if grant.expires_at else ""}).encode()
    picks[pick_id] = {
        "platform": platform, "workspace": request.workspace.pk, "grant": crypto.encrypt(sealed),
        "pages": [_page_entry(page, linked.get(page.external_id)) for page in pages],
    }
    request.session[PICK_KEY] = dict(list(picks.items())[-MAX_PENDING:])
    return _picker(request, pick_id, picks[pick_id])


def _page_entry(page: AccountInfo, instagram: AccountInfo | None) -> dict[str, Any]:
    entry: dict[str, Any] = {"id": page.external_id, "name": page.display_name}
    if instagram is not None:  # offered as its own channel, publishing with the Page's token
        entry["instagram"] = {"id": instagram.external_id, "handle": instagram.handle}
    return entry


def _picker(request: HttpRequest, pick_id: str, entry: dict[str, Any], error: str = "") -> HttpResponse:
    context = {"workspace": request.workspace, "pick_id": pick_id, "pages": entry["pages"], "error": error,
               "platform_name": _platform_names().get(entry["platform"], entry["platform"])}
    return render(request, "platforms/page_picker.html", context, status=400 if error else 200)


@workspace_view(Role.ADMIN)
@require_POST
def channel_pick_pages(request: HttpRequest, pick_id: str) -> HttpResponse:
    picks: dict[str, Any] = dict(request.session.get(PICK_KEY, {}))
    entry = picks.get(pick_id)
    if entry is None or entry["workspace"] != request.workspace.pk:
        return _error_page(request, _("This Page selection has expired or was already used. "
                                      "Nothing was saved; start the connection again."))
    offered = {page["id"] for page in entry["pages"]}
    chosen = [page_id for page_id in request.POST.getlist("page") if page_id in offered]
    with_ig = {page["id"] for page in entry["pages"] if page.get("instagram")}
    chosen_ig = [page_id for page_id in request.POST.getlist("instagram") if page_id in with_ig]
    if not chosen and not chosen_ig:
        return _picker(request, pick_id, entry, error=_("Select at least one Page to connect."))
    request.session[PICK_KEY] = {key: value for key, value in picks.items() if key != pick_id}
    stored = json.loads(crypto.decrypt(entry["grant"]))
    expires = stored.get("expires_at") or ""
    grant = TokenGrant(access_token=stored["access_token"], scopes=tuple(stored["scopes"]),
                       refresh_token=stored.get("refresh_token", ""),
                       expires_at=datetime.fromisoformat(expires) if expires else None)
    try:
        channels = services.channel_connect_pages(request.workspace, entry["platform"], grant, chosen, chosen_ig,
                                                  actor=request.user)
    except PlatformError as exc:
        return _error_page(request, exc.message, status=502)
    pages = [channel for channel in channels if channel.platform == entry["platform"]]
    if pages:
        messages.success(request, _("Connected %(count)s %(platform)s Page(s): %(names)s.") % {
            "count": len(pages), "platform": _platform_names().get(entry["platform"], entry["platform"]),
            "names": ", ".join(channel.display_name for channel in pages)})
    accounts = [channel for channel in channels if channel.platform == "instagram"]
    if accounts:
        messages.success(request, _("Connected %(count)s Instagram account(s): %(names)s.") % {
            "count": len(accounts), "names": ", ".join("@" + channel.handle for channel in accounts)})
    return redirect("platforms:list", slug=request.workspace.slug)


def _sign_in_answer(query: QueryDict) -> tuple[str, str, str]:
    """(state, code, error) of a callback. OAuth 2.0 answers with state and code (or error); X's OAuth
    1.0a answers with oauth_token (the request token, our state key) and oauth_verifier, or with
    denied=<request token> when the user declined."""
    if "state" in query:
        return query.get("state", ""), query.get("code", ""), query.get("error", "")
    if query.get("denied"):
        return query["denied"], "", "access_denied"
    return query.get("oauth_token", ""), query.get("oauth_verifier", ""), ""


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
    # Encrypted: for X's OAuth 1.0a this carries the request token secret, a secret at rest in the session store.
    pending[start.state] = {"platform": platform, "workspace": request.workspace.pk,
                            "verifier": crypto.encrypt(start.code_verifier.encode()), "redirect_uri": redirect_uri}
    request.session[PENDING_KEY] = dict(list(pending.items())[-MAX_PENDING:])


def _take_pending(request: HttpRequest, state: str) -> dict[str, Any] | None:
    """Pop the attempt for `state`: a state is good for one callback only."""
    pending: dict[str, Any] = dict(request.session.get(PENDING_KEY, {}))
    entry = pending.pop(state, None) if state else None
    if entry is None:
        return None
    request.session[PENDING_KEY] = pending
    try:
        return {**entry, "verifier": crypto.decrypt(entry["verifier"]).decode()}
    except crypto.DecryptionError:
        return None  # sealed under a key since retired: as good as expired
