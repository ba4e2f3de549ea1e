"""Campaign pages: list, create, edit, detail with its posts, archive, delete, tailoring a post per audience.

Every member reads; admins and marketers write. Campaign and post ids of another workspace answer 404.
"""

from __future__ import annotations

from datetime import date

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from scheduler import campaign_forms
from scheduler.campaign_selectors import (
    STATUSES,
    campaign_for_workspace,
    campaign_posts,
    campaign_rows,
    campaign_state_counts,
    campaign_status,
    state_summary,
    tailored_audiences,
)
from scheduler.campaigns import audience_keys, campaign_archive, campaign_delete, campaign_tailor_post
from scheduler.models import Campaign
from scheduler.selectors import post_for_workspace
from scheduler.views_pages import workspace_zone
from workspaces.access import workspace_view
from workspaces.models import Role

EDITORS = (Role.ADMIN, Role.MARKETER)
POSTS_PER_PAGE = 50


def _campaign_or_404(request: HttpRequest, campaign_id: int) -> Campaign:
    campaign = campaign_for_workspace(request.workspace, campaign_id)
    if campaign is None:
        raise Http404("No such campaign.")
    return campaign


def _today(request: HttpRequest) -> date:
    return timezone.localdate(timezone=workspace_zone(request.workspace))


@workspace_view()
@require_GET
def campaign_list(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", "")
    status = status if status in STATUSES else ""
    label = request.GET.get("label", "")[:50]
    rows, labels = campaign_rows(request.workspace, _today(request), status=status, label=label)
    context = {"rows": rows, "labels": labels, "status": status, "label": label,
               "can_edit": request.member.role in EDITORS}
    return render(request, "scheduler/campaign_list.html", context)


def _form_page(request: HttpRequest, state: campaign_forms.CampaignFormState, campaign: Campaign | None,
               status: int = 200) -> HttpResponse:
    return render(request, "scheduler/campaign_form.html", {"state": state, "campaign": campaign}, status=status)


def _save_or_show(request: HttpRequest, campaign: Campaign | None) -> HttpResponse:
    state = campaign_forms.posted_state(request.POST)
    if "add_audience" in request.POST:  # only a new empty row: nothing is saved yet
        return _form_page(request, campaign_forms.with_blank_row(state), campaign)
    saved = campaign_forms.save(state, request.workspace, request.user, campaign)
    if saved is None:
        return _form_page(request, campaign_forms.with_blank_row(state), campaign, status=422)
    messages.success(request, _("Campaign saved."))
    return redirect("campaigns:detail", slug=request.workspace.slug, campaign_id=saved.pk)


@workspace_view(*EDITORS)
@require_http_methods(["GET", "POST"])
def campaign_new(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        return _save_or_show(request, None)
    return _form_page(request, campaign_forms.initial_state(), None)


@workspace_view(*EDITORS)
@require_http_methods(["GET", "POST"])
def campaign_edit(request: HttpRequest, campaign_id: int) -> HttpResponse:
    campaign = _campaign_or_404(request, campaign_id)
    if request.method == "POST":
        return _save_or_show(request, campaign)
    return _form_page(request, campaign_forms.initial_state(campaign), campaign)


@workspace_view()
@require_GET
def campaign_detail(request: HttpRequest, campaign_id: int) -> HttpResponse:
    campaign = _campaign_or_404(request, campaign_id)
    page = Paginator(campaign_posts(campaign), POSTS_PER_PAGE).get_page(request.GET.get("page"))
    posts = list(page.object_list)
    counts = campaign_state_counts(campaign)
    audiences = {a["key"]: a for a in campaign.audiences or [] if isinstance(a, dict) and a.get("key")}
    done = tailored_audiences(posts)
    context = {
        "campaign": campaign, "page": page, "audiences": audiences,
        "status": campaign_status(campaign, _today(request)),
        "summary": state_summary(counts), "counts": counts,
        "rows": [(post, audiences.get(post.audience), _missing(campaign, done.get(post.pk, set()))) for post in posts],
        "zone": workspace_zone(request.workspace), "can_edit": request.member.role in EDITORS,
    }
    return render(request, "scheduler/campaign_detail.html", context)


def _missing(campaign: Campaign, done: set[str]) -> list[str]:
    """The audiences a post has no tailored copy for yet."""
    return [key for key in audience_keys(campaign) if key not in done]


@workspace_view(*EDITORS)
@require_POST
def campaign_archive_view(request: HttpRequest, campaign_id: int) -> HttpResponse:
    campaign = _campaign_or_404(request, campaign_id)
    archived = request.POST.get("archived", "1") != "0"
    campaign_archive(campaign, request.user, archived=archived)
    messages.success(request, _("Campaign archived.") if archived else _("Campaign restored."))
    return redirect("campaigns:detail", slug=request.workspace.slug, campaign_id=campaign.pk)


@workspace_view(*EDITORS)
@require_http_methods(["GET", "POST"])
def campaign_delete_view(request: HttpRequest, campaign_id: int) -> HttpResponse:
    campaign = _campaign_or_404(request, campaign_id)
    if request.method == "GET":
        return render(request, "scheduler/campaign_delete.html",
                      {"campaign": campaign, "post_count": campaign.posts.count()})
    name = campaign.name
    campaign_delete(campaign, actor=request.user)
    messages.success(request, _("The campaign %(name)s was deleted; its posts are kept without a campaign.")
                     % {"name": name})
    return redirect("campaigns:list", slug=request.workspace.slug)


@workspace_view(*EDITORS)
@require_POST
def campaign_tailor(request: HttpRequest, campaign_id: int, post_id: int) -> HttpResponse:
    campaign = _campaign_or_404(request, campaign_id)
    post = post_for_workspace(request.workspace, post_id)
    if post is None or post.campaign_id != campaign.pk:
        raise Http404("No such post in this campaign.")
    try:
        copies = campaign_tailor_post(post, request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        if copies:
            messages.success(request, ngettext("%(count)d draft copy made, one per audience; open it to tailor it.",
                                               "%(count)d draft copies made, one per audience; open each to tailor it.",
                                               len(copies)) % {"count": len(copies)})
        else:
            messages.info(request, _("Every audience already has a copy of this post."))
    return redirect("campaigns:detail", slug=request.workspace.slug, campaign_id=campaign.pk)


@workspace_view()
@require_GET
def audience_select(request: HttpRequest) -> HttpResponse:
    """The composer's audience picker for the chosen campaign (swapped in by htmx when the campaign changes)."""
    raw = request.GET.get("campaign", "")
    campaign = campaign_for_workspace(request.workspace, int(raw)) if raw.isdigit() and len(raw) < 19 else None
    return render(request, "scheduler/campaign_audience_select.html",
                  {"campaign": campaign, "selected": request.GET.get("audience", "")})
