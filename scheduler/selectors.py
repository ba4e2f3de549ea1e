"""Reads on deliveries: lists for pages, per-post summaries and the operators' "stuck" view."""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from scheduler.models import Delivery, DeliveryState, Post
from workspaces.models import Workspace

ATTENTION_STATES = (DeliveryState.FAILED, DeliveryState.NEEDS_RECONNECT, DeliveryState.NEEDS_CHECK)
PENDING_STATES = (
    DeliveryState.DRAFT, DeliveryState.SCHEDULED, DeliveryState.QUEUED, DeliveryState.SENDING,
    DeliveryState.RETRY_WAIT, DeliveryState.UNKNOWN,
)


def deliveries_for_workspace(workspace: Workspace, *, states: tuple[str, ...] | None = None) -> QuerySet[Delivery]:
    """The workspace's deliveries with post and channel joined in (a constant number of queries)."""
    queryset = Delivery.objects.filter(workspace=workspace).select_related("post", "channel", "post__campaign")
    if states:
        queryset = queryset.filter(state__in=states)
    return queryset.order_by("due_at", "pk")


def post_delivery_summary(post: Post) -> dict[str, Any]:
    """Counts per state (cancelled deliveries left out) plus a label such as "3 of 4 published"."""
    rows = post.deliveries.exclude(state=DeliveryState.CANCELLED).values("state").annotate(n=Count("pk"))
    by_state = Counter({row["state"]: row["n"] for row in rows})
    total = sum(by_state.values())
    published = by_state[DeliveryState.PUBLISHED]
    return {
        "total": total,
        "published": published,
        "pending": sum(by_state[s] for s in PENDING_STATES),
        "attention": sum(by_state[s] for s in ATTENTION_STATES),
        "failed": by_state[DeliveryState.FAILED],
        "by_state": dict(by_state),
        "label": _("%(published)d of %(total)d published") % {"published": published, "total": total},
    }


def stuck_filter(now: datetime) -> Q:
    """Deliveries an operator should look at: unsettled outcomes, expired leases, overdue waits."""
    # One dispatch tick plus slack: anything due longer ago than this should already have moved.
    overdue = now - timedelta(seconds=max(60.0, 5 * settings.DISPATCH_INTERVAL_SECONDS))
    return (
        Q(state__in=(DeliveryState.UNKNOWN, DeliveryState.NEEDS_CHECK))
        | Q(state__in=(DeliveryState.QUEUED, DeliveryState.SENDING), lease_expires_at__lt=now)
        | Q(state__in=(DeliveryState.SCHEDULED, DeliveryState.RETRY_WAIT), due_at__lt=overdue)
    )


def stuck_deliveries(now: datetime | None = None) -> QuerySet[Delivery]:
    now = now or timezone.now()
    return (
        Delivery.objects.filter(stuck_filter(now))
        .select_related("workspace", "channel", "post")
        .order_by("due_at", "pk")
    )


def post_for_workspace(workspace: Workspace, post_id: int) -> Post | None:
    """One post of this workspace, or None — a post id from another workspace reads as missing."""
    return Post.objects.filter(workspace=workspace, pk=post_id).select_related("campaign").first()


def post_timeline(post: Post) -> list[Delivery]:
    """The post's deliveries with their attempts, oldest attempt first (two queries)."""
    return list(
        post.deliveries.select_related("channel").prefetch_related("attempts").order_by("channel__platform", "pk")
    )
