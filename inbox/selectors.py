"""Inbox reads. Workspace-scoped for people; the sync machinery's own reads are marked as such."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db.models import QuerySet

from inbox.models import Conversation, InboxItem, SyncState
from platforms.models import Channel, Health, WebhookEvent
from platforms.registry import UnknownPlatform, adapter_class, platform_keys
from workspaces.models import Workspace


def platforms_with_inbox() -> list[str]:
    """Platform keys whose adapter declares inbox kinds (Capabilities.inbox_kinds)."""
    found = []
    for key in platform_keys():
        try:
            capabilities = getattr(adapter_class(key), "capabilities", None)
        except (UnknownPlatform, ImportError):
            continue
        if capabilities is not None and capabilities.inbox_kinds:
            found.append(key)
    return found


def channels_with_inbox() -> QuerySet[Channel]:
    """Maintenance read (all workspaces): healthy channels whose platform has an inbox."""
    return Channel.objects.filter(health=Health.OK, platform__in=platforms_with_inbox())


def webhook_events_pending(older_than: datetime, limit: int = 500) -> list[int]:
    """Maintenance read: stored events no worker has processed (their enqueue was lost)."""
    return list(WebhookEvent.objects.filter(inbox_processing__isnull=True, received_at__lte=older_than)
                .order_by("received_at", "pk").values_list("pk", flat=True)[:limit])


def conversations_for_workspace(workspace: Workspace) -> QuerySet[Conversation]:
    return (Conversation.objects.filter(workspace=workspace).select_related("channel", "delivery")
            .order_by("-last_item_at", "-pk"))


def conversation_items(workspace: Workspace, conversation_id: int) -> QuerySet[InboxItem]:
    """A thread's items, oldest first; empty for another workspace's conversation."""
    return InboxItem.objects.filter(workspace=workspace, conversation_id=conversation_id).order_by("created_at", "pk")


def sync_states_for_workspace(workspace: Workspace) -> QuerySet[SyncState]:
    return SyncState.objects.filter(channel__workspace=workspace).select_related("channel").order_by("channel__pk")


def pending_cutoff(now: datetime, grace_s: float = 30.0) -> datetime:
    """Events younger than this are probably still on their way through the on-commit enqueue."""
    return now - timedelta(seconds=grace_s)
