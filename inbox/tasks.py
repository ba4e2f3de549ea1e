"""Celery entry points for the inbox. Thin: primary keys in, one service call, JSON arguments only.

No ETA or countdown anywhere: the beat ticks (`sync_due`, `process_pending_webhooks`, static in
settings) are the clocks, and SyncState.next_sync_at is the schedule.
"""

from __future__ import annotations

from celery import shared_task
from django.db import transaction
from django.utils import timezone

from inbox import attention, selectors, services


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
# Batched: the task takes other pending events of the same account along (services.webhook_events_process),
# so in a burst most tasks find their event already done.
@shared_task(name="inbox.tasks.process_webhook_event", acks_late=True, ignore_result=True)
def process_webhook_event(event_id: int) -> int | None:
    processed = services.webhook_events_process(int(event_id))
    return processed.items if processed is not None else None


@shared_task(name="inbox.tasks.process_pending_webhooks", ignore_result=True)
def process_pending_webhooks() -> int:
    """Safety net: events whose on-commit enqueue was lost (broker down) get processed anyway."""
    pending = selectors.webhook_events_pending(selectors.pending_cutoff(timezone.now()))
    for event_id in pending:
        process_webhook_event.delay(event_id)
    return len(pending)


@shared_task(name="inbox.tasks.alert_attention", ignore_result=True)
def alert_attention(conversation_id: int) -> int | None:
    """Enqueued on commit by ingest when a conversation first needs attention; at most once an hour."""
    alert = attention.attention_alert(int(conversation_id))
    return alert.pk if alert is not None else None


# -- replies (inbox/replies.py): send_reply goes to the publish queue by its own route in settings --

# acks_late: a worker that dies mid-send leaves the message to be redelivered; the token CAS turns the
# redelivery into a no-op and the sending lease hands the reply to the reconciler.
@shared_task(name="inbox.tasks.send_reply", acks_late=True, ignore_result=True)
def send_reply(reply_id: int, token: str) -> str | None:
    from inbox import replies

    return replies.reply_send(int(reply_id), str(token))


@shared_task(name="inbox.tasks.replies_due", ignore_result=True)
def replies_due() -> dict[str, int]:
    """Beat: expired leases, due retries, replies held for a channel that is reconnected."""
    from inbox import replies

    return replies.replies_due(timezone.now())


@shared_task(name="inbox.tasks.reconcile_replies", ignore_result=True)
def reconcile_replies() -> int:
    from inbox import replies

    return replies.reconcile_replies(timezone.now())
