"""The post page: where each delivery stands, every attempt, and the actions that settle failures."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from approvals.selectors import approval_panel
from scheduler import services
from scheduler.models import Delivery, Post
from scheduler.selectors import post_delivery_summary, post_for_workspace, post_timeline
from scheduler.views_pages import workspace_zone
from workspaces.access import workspace_view
from workspaces.models import Role

EDITORS = (Role.ADMIN, Role.MARKETER)


def _post_or_404(request: HttpRequest, post_id: int) -> Post:
    post = post_for_workspace(request.workspace, post_id)
    if post is None:
        raise Http404("No such post.")
    return post


def _delivery_or_404(post: Post, delivery_id: int) -> Delivery:
    delivery = post.deliveries.select_related("channel").filter(pk=delivery_id).first()
    if delivery is None:
        raise Http404("No such delivery.")
    return delivery


def _back(request: HttpRequest, post: Post) -> HttpResponse:
    return redirect("scheduler:post", slug=request.workspace.slug, post_id=post.pk)


@require_safe
@workspace_view()
def post_detail(request: HttpRequest, post_id: int) -> HttpResponse:
    post = _post_or_404(request, post_id)
    deliveries = post_timeline(post)
    context = {
        "post": post,
        "deliveries": deliveries,
        "retryable": sum(1 for delivery in deliveries if delivery.state in services.RETRYABLE_STATES),
        "cancellable": services.CANCELLABLE_STATES,
        "summary": post_delivery_summary(post),
        "zone": workspace_zone(request.workspace),
        "can_edit": request.member.role in EDITORS,
        "approval": approval_panel(post, request.member),
    }
    return render(request, "scheduler/post_detail.html", context)


@require_POST
@workspace_view(*EDITORS)
def post_retry_failed(request: HttpRequest, post_id: int) -> HttpResponse:
    post = _post_or_404(request, post_id)
    try:
        count = services.post_retry_failed(post, actor=request.user)
    except ValidationError as error:  # e.g. the approval gate: the post changed since it was approved
        messages.error(request, " ".join(error.messages))
        return _back(request, post)
    if count:
        messages.success(request, _("%(count)d failed delivery(ies) will be sent again now.") % {"count": count})
    else:
        messages.info(request, _("Nothing to retry: no delivery of this post has failed."))
    return _back(request, post)


@require_POST
@workspace_view(*EDITORS)
def delivery_cancel(request: HttpRequest, post_id: int, delivery_id: int) -> HttpResponse:
    post = _post_or_404(request, post_id)
    delivery = _delivery_or_404(post, delivery_id)
    try:
        services.delivery_cancel(delivery, actor=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Cancelled: this post will not be sent to %(name)s.")
                         % {"name": delivery.channel.display_name})
    return _back(request, post)


@require_POST
@workspace_view(*EDITORS)
def delivery_mark_published(request: HttpRequest, post_id: int, delivery_id: int) -> HttpResponse:
    post = _post_or_404(request, post_id)
    delivery = _delivery_or_404(post, delivery_id)
    try:
        services.delivery_mark_published(delivery, actor=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Marked as published on %(name)s.") % {"name": delivery.channel.display_name})
    return _back(request, post)
