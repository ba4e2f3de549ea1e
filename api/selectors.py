"""Reads for the API, all scoped to the token's workspace; list reads take a constant number of queries."""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet

from scheduler.models import Campaign, Delivery, Post
from scheduler.selectors import deliveries_for_workspace
from workspaces.models import Workspace


def campaigns_for_workspace(workspace: Workspace) -> QuerySet[Campaign]:
    return Campaign.objects.filter(workspace=workspace).order_by("-created_at", "-pk")


def posts_for_workspace(workspace: Workspace, *, campaign_id: int | None = None) -> QuerySet[Post]:
    posts = (Post.objects.filter(workspace=workspace)
             .prefetch_related("variants", Prefetch("deliveries", Delivery.objects.select_related("channel")
                                                    .order_by("pk")))
             .order_by("-created_at", "-pk"))
    return posts if campaign_id is None else posts.filter(campaign_id=campaign_id)


def deliveries_filtered(workspace: Workspace, *, state: str | None = None, channel_id: int | None = None,
                        post_id: int | None = None) -> QuerySet[Delivery]:
    rows = deliveries_for_workspace(workspace, states=(state,) if state else None)
    if channel_id is not None:
        rows = rows.filter(channel_id=channel_id)
    if post_id is not None:
        rows = rows.filter(post_id=post_id)
    return rows
