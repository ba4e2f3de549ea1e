"""The composer page and its htmx endpoints: live counter, live previews, autosave and submit.

The counter and previews only compute (no writes), so every member may call them; saving and
scheduling need an editor's role. Each endpoint re-reads the whole form, so the server never trusts
state the browser kept.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from approvals.selectors import composer_approval
from scheduler import composer, queues
from scheduler.campaign_selectors import campaign_for_workspace, picker_campaigns
from scheduler.composer_options import option_widgets, raw_options
from scheduler.selectors import post_for_workspace
from scheduler.views_pages import workspace_zone
from workspaces.access import workspace_view
from workspaces.models import Role

EDITORS = (Role.ADMIN, Role.MARKETER)


def _wants_json(request: HttpRequest) -> bool:
    return "application/json" in request.headers.get("Accept", "") and not request.htmx


def _form_from_get(request: HttpRequest) -> dict[str, Any]:
    """The page's initial values: a draft being edited (?post=) or an empty form, ?at= prefilling the time."""
    workspace = request.workspace
    raw_post = request.GET.get("post", "")
    if raw_post:
        post = post_for_workspace(workspace, int(raw_post)) if raw_post.isdigit() else None
        if post is None:
            raise Http404("No such post.")
        form = composer.draft_form(post)
        form.update(post_id=post.pk, at=composer.local_input_value(form["at"], workspace))
    else:
        form = {"text": "", "link": "", "media": "", "channel_ids": [], "variants": {}, "post_id": None,
                "at": composer.prefill_at(request.GET.get("at", ""), workspace), "editable": True,
                "campaign_id": _prefill_campaign(request), "audience": ""}
    form["draft_key"] = uuid.uuid4().hex
    return form


def _prefill_campaign(request: HttpRequest) -> int | None:
    """?campaign=<id> from a campaign's page, when it is a campaign of this workspace."""
    raw = request.GET.get("campaign", "")
    found = campaign_for_workspace(request.workspace, int(raw)) if raw.isdigit() and len(raw) < 19 else None
    return found.pk if found else None


def _form_from_post(request: HttpRequest, data: composer.ComposeInput) -> dict[str, Any]:
    """The submitted values, shown again after a refusal (nothing typed is lost)."""
    post = request.POST
    channel_ids = data.channel_ids
    return {
        "text": post.get("text", ""), "link": post.get("link", ""), "media": post.get("media", ""),
        "channel_ids": channel_ids, "post_id": data.post_id, "at": post.get("at", ""), "editable": True,
        "draft_key": data.draft_key or uuid.uuid4().hex, "campaign_id": data.campaign_id, "audience": data.audience,
        "variants": {cid: {**{name: post.get(f"v{cid}-{name}", "") for name in ("text", "link", "media")},
                           "options": raw_options(post, cid)}
                     for cid in channel_ids},
    }


def _page(request: HttpRequest, form: dict[str, Any], errors: list[str] | None = None, status: int = 200
          ) -> HttpResponse:
    choices = composer.composer_channels(request.workspace)
    context = {
        "form": form,
        "choices": choices,
        "errors": errors or [],
        "zone": workspace_zone(request.workspace),
        "can_edit": request.member.role in EDITORS,
        "tabs": [(c.channel, form["variants"].get(c.channel.pk, {}),
                  option_widgets(c.channel, form["variants"].get(c.channel.pk, {}).get("options"))) for c in choices],
        "campaigns": picker_campaigns(request.workspace, form.get("campaign_id")),
    }
    context["campaign"] = next((c for c in context["campaigns"] if c.pk == form.get("campaign_id")), None)
    context["approval"] = composer_approval(request.workspace, form.get("post_id"))
    return render(request, "scheduler/composer.html", context, status=status)


@require_GET
@workspace_view()
def compose(request: HttpRequest) -> HttpResponse:
    return _page(request, _form_from_get(request))


@require_POST
@workspace_view(*EDITORS)
def submit(request: HttpRequest) -> HttpResponse:
    action = request.POST.get("action", "schedule")
    data = composer.parse_compose(request.POST, request.workspace)
    try:
        post = composer.composer_submit(request.workspace, request.user, data, action)
    except ValidationError as error:
        return _page(request, _form_from_post(request, data), error.messages, status=422)
    if data.queued:
        messages.success(request, queues.placements_text(data.queued, workspace_zone(request.workspace)))
    url = reverse("scheduler:post", kwargs={"slug": request.workspace.slug, "post_id": post.pk})
    if action == "draft":
        url = reverse("composer:compose", kwargs={"slug": request.workspace.slug}) + f"?post={post.pk}"
    return redirect(url)


@require_POST
@workspace_view()
def counter(request: HttpRequest) -> HttpResponse:
    data = composer.parse_compose(request.POST, request.workspace)
    channels = composer.chosen_channels(request.workspace, data)
    counts = composer.compose_counts(request.workspace, data, channels)
    if _wants_json(request):
        valid = not data.errors and bool(counts) and all(c.valid for c in counts)
        return JsonResponse({"valid": valid, "errors": data.errors, "channels": [c.as_dict() for c in counts]})
    names = {channel.pk: channel for channel in channels}
    context = {"counts": [(names[c.channel_id], c) for c in counts], "data": data,
               "valid": not data.errors and bool(counts) and all(c.valid for c in counts)}
    response = render(request, "scheduler/composer_counters.html", context)
    patch_vary_headers(response, ["Accept", "HX-Request"])
    return response


@require_POST
@workspace_view()
def preview(request: HttpRequest) -> HttpResponse:
    data = composer.parse_compose(request.POST, request.workspace)
    channels = composer.chosen_channels(request.workspace, data)
    previews = composer.compose_previews(request.workspace, data, channels)
    return render(request, "scheduler/composer_previews.html", {"previews": previews})


@require_POST
@workspace_view(*EDITORS)
def autosave(request: HttpRequest) -> HttpResponse:
    data = composer.parse_compose(request.POST, request.workspace)
    try:
        post = composer.composer_autosave(request.workspace, request.user, data)
    except ValidationError as error:
        message, post = " ".join(error.messages), None
    else:
        when = timezone.localtime(timezone.now(), workspace_zone(request.workspace))
        message = _("Draft saved at %(time)s.") % {"time": f"{when:%H:%M:%S}"} if post else ""
    return render(request, "scheduler/composer_status.html", {"message": message, "post": post})
