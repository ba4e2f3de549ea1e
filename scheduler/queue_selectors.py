"""Reads for the Queues page: every channel with its queue, slots, queued posts and next free slot."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone

from platforms.models import Channel
from platforms.selectors import channels_for_workspace
from scheduler.models import Delivery, PostingQueue, QueueSlot
from scheduler.queues import member_filter, next_free_slot, queue_zone_name
from workspaces.models import Workspace


@dataclass(frozen=True)
class QueueView:
    channel: Channel
    queue: PostingQueue | None
    slots: list[QueueSlot]
    zone: ZoneInfo
    entries: list[Delivery]
    next_free: datetime | None


def queues_overview(workspace: Workspace, now: datetime | None = None, *, channel_id: int | None = None
                    ) -> list[QueueView]:
    """Every channel of the workspace (or just one) with its queue, slots and queued posts, in a few queries
    plus two per queue for its next free slot."""
    now = now or timezone.now()
    channels = channels_for_workspace(workspace)
    if channel_id is not None:
        channels = channels.filter(pk=channel_id)
    queues = {q.channel_id: q for q in PostingQueue.objects.filter(workspace=workspace, channel__in=channels)
              .select_related("workspace").prefetch_related("slots")}
    rows = (Delivery.objects.filter(member_filter(), workspace=workspace, channel_id__in=list(queues))
            .filter(Q(due_at__gt=now) | Q(due_at__isnull=True)).select_related("post").order_by("queue_slot_at", "pk"))
    by_channel: dict[int, list[Delivery]] = {}
    for row in rows:
        paused = queues[row.channel_id].paused
        if (row.due_at is None) == paused:
            by_channel.setdefault(row.channel_id, []).append(row)
    return [_view(workspace, channel, queues.get(channel.pk), by_channel.get(channel.pk, []), now)
            for channel in channels]


def _view(workspace: Workspace, channel: Channel, queue: PostingQueue | None, entries: list[Delivery],
          now: datetime) -> QueueView:
    name = queue_zone_name(queue) if queue else workspace.time_zone
    try:
        zone = ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        zone = ZoneInfo("UTC")
    slots = list(queue.slots.all()) if queue else []
    try:
        next_free = next_free_slot(queue, now) if slots else None
    except ValidationError:  # a zone SMO no longer knows: the page still shows, the card says which zone
        next_free = None
    return QueueView(channel, queue, slots, zone, entries, next_free)
