"""Celery entry points for the inbox. Thin: primary keys in, one service call, JSON arguments only.

No ETA or countdown anywhere: the beat ticks (`sync_due`, `process_pending_webhooks`, static in
settings) are the clocks, and SyncState.next_sync_at is the schedule.
"""

from __future__ import annotations

from celery import shared_task
from django.db import transaction
from django.utils import timezone

from inbox import selectors, services


@shared_task(name="inbox.tasks.sync_due", ignore_result=True)
def sync_due() -> int:
    with transaction.atomic():
        channel_ids = services.inbox_sync_claim_due(timezone.now())
        for channel_id in channel_ids:
            transaction.on_commit(lambda pk=channel_id: sync_channel.delay(pk))
    return len(channel_ids)


@shared_task(name="inbox.tasks.sync_channel", ignore_result=True)
def sync_channel(channel_id: int) -> str:
    return services.inbox_sync_channel(int(channel_id))


# acks_late: a worker dying mid-way leaves the message for another; processing is idempotent.
@shared_task(name="inbox.tasks.process_webhook_event", acks_late=True, ignore_result=True)
def process_webhook_event(event_id: int) -> int | None:
    processed = services.webhook_event_process(int(event_id))
    return processed.items if processed is not None else None


@shared_task(name="inbox.tasks.process_pending_webhooks", ignore_result=True)
def process_pending_webhooks() -> int:
    """Safety net: events whose on-commit enqueue was lost (broker down) get processed anyway."""
    pending = selectors.webhook_events_pending(selectors.pending_cutoff(timezone.now()))
    for event_id in pending:
        process_webhook_event.delay(event_id)
    return len(pending)
