"""Inbox writes: storing what channels report back, the sync runs, webhook event processing.

Storing itself (idempotent, race-safe, a constant number of queries per batch) lives in inbox.ingest;
inbox_ingest is re-exported here, where the sync and the webhook processing call it.
"""

from __future__ import annotations

import logging
from collections import Counter, defaultdict
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Case, Exists, OuterRef, Q, When
from django.utils import timezone

from inbox.ingest import IngestCounts, entry_key, inbox_ingest, ingest_entries
from inbox.models import ProcessedEvent, SyncState
from inbox.selectors import channels_with_inbox
from platforms.errors import AuthExpired, PlatformError, RateLimited
from platforms.models import Channel, Health, WebhookEvent
from platforms.registry import UnknownPlatform, get_adapter
from platforms.services import channel_mark_needs_reconnect, channel_ref
from platforms.types import InboxEntry

__all__ = ["IngestCounts", "inbox_ingest", "inbox_sync_channel", "inbox_sync_claim_due", "webhook_event_process",
           "webhook_events_process"]

logger = logging.getLogger(__name__)


# -- polling ---------------------------------------------------------------------------------------

def _setting(name: str, default: float) -> float:
    return float(getattr(settings, name, default))


def inbox_sync_claim_due(now: datetime) -> list[int]:
    """Channel ids to sync now: healthy, on a platform with inbox kinds, next_sync_at passed.

    Each claim moves next_sync_at one interval ahead with a compare-and-set, so a beat tick that
    runs twice (or two beats) enqueues a channel once.
    """
    interval = timedelta(seconds=_setting("INBOX_SYNC_INTERVAL_SECONDS", 300))
    channels = channels_with_inbox()
    missing = channels.filter(inbox_sync__isnull=True).values_list("pk", flat=True)
    SyncState.objects.bulk_create([SyncState(channel_id=pk) for pk in missing], ignore_conflicts=True)
    due = (SyncState.objects.filter(channel__in=channels)
           .filter(Q(next_sync_at__isnull=True) | Q(next_sync_at__lte=now))
           .order_by("next_sync_at", "pk").values_list("pk", "channel_id", "next_sync_at"))
    claimed = []
    for pk, channel_id, seen in due[: int(_setting("INBOX_SYNC_BATCH_SIZE", 200))]:
        if SyncState.objects.filter(pk=pk, next_sync_at=seen).update(next_sync_at=now + interval,
                                                                      last_synced_at=now):
            claimed.append(channel_id)
    return claimed


def inbox_sync_channel(channel_id: int) -> str:
    """Fetch the channel's new inbox items page by page; the cursor moves only after each ingest.

    Returns the outcome ("ok", "skipped", "auth_expired", "rate_limited", "failed"); errors are
    recorded on the channel's SyncState, never raised, so the next tick simply tries again.
    """
    channel = Channel.objects.filter(pk=channel_id).first()
    if channel is None or channel.health != Health.OK:
        return "skipped"
    state, _ = SyncState.objects.get_or_create(channel=channel)
    stored = 0
    try:
        stored = _fetch_pages(channel, state)
    except AuthExpired as exc:
        channel_mark_needs_reconnect(channel, exc.message)
        _record_failure(state, f"{exc.message} Inbox sync stopped: reconnect the channel to resume it.")
        return "auth_expired"
    except RateLimited as exc:
        _record_failure(state, exc.message, retry_at=exc.retry_at)
        return "rate_limited"
    except (PlatformError, UnknownPlatform) as exc:
        _record_failure(state, getattr(exc, "message", str(exc)))
        return "failed"
    _record_success(state, stored)
    return "ok"


def _fetch_pages(channel: Channel, state: SyncState) -> int:
    adapter, ref = get_adapter(channel.platform), channel_ref(channel)
    cursor, stored = state.cursor, 0
    for _ in range(int(_setting("INBOX_SYNC_MAX_PAGES", 10))):
        page = adapter.fetch_inbox(ref, cursor)
        stored += inbox_ingest(channel, page.items).created
        if not page.cursor or page.cursor == cursor:
            break
        # Compare-and-set: a concurrent run that already moved the cursor wins, and this one stops.
        if not SyncState.objects.filter(pk=state.pk, cursor=cursor).update(cursor=page.cursor):
            break
        cursor = page.cursor
        if not page.items:
            break
    return stored


def _record_success(state: SyncState, stored: int) -> None:
    now = timezone.now()
    SyncState.objects.filter(pk=state.pk).update(
        last_synced_at=now, last_success_at=now, last_error="", items_last_sync=stored, consecutive_failures=0,
        next_sync_at=now + timedelta(seconds=_setting("INBOX_SYNC_INTERVAL_SECONDS", 300)))


def _record_failure(state: SyncState, message: str, retry_at: datetime | None = None) -> None:
    """Keep the reason visible; try again on a short backoff (reads retry freely), or at the reset."""
    now = timezone.now()
    failures = state.consecutive_failures + 1
    interval = _setting("INBOX_SYNC_INTERVAL_SECONDS", 300)
    backoff = timedelta(seconds=min(interval, 15 * 2 ** min(failures - 1, 10)))
    SyncState.objects.filter(pk=state.pk).update(
        last_synced_at=now, last_error=message[:1000], items_last_sync=0, consecutive_failures=failures,
        next_sync_at=retry_at if retry_at and retry_at > now else now + backoff)
    logger.info("Inbox sync of channel %s failed (%s in a row): %s", state.channel_id, failures, message[:200])



# -- webhook events --------------------------------------------------------------------------------

def webhook_event_process(event_id: int) -> ProcessedEvent | None:
    """Ingest the inbox entries of one stored webhook event, once. A replay finds the ProcessedEvent
    row and stores nothing; entries are idempotent anyway, so a crash mid-way is safe to redo.
    None when the event does not exist, or another worker is processing it at this moment."""
    return _process_events(event_id, 1)


def webhook_events_process(event_id: int) -> ProcessedEvent | None:
    """webhook_event_process for this event together with up to INBOX_WEBHOOK_BATCH_SIZE - 1 other
    pending events of the same account, ingested in one go: a burst of webhooks costs a few queries
    per batch instead of ~20 per event, and the later tasks of the burst find their event done."""
    return _process_events(event_id, max(1, int(_setting("INBOX_WEBHOOK_BATCH_SIZE", 200))))


def _process_events(event_id: int, limit: int) -> ProcessedEvent | None:
    done = ProcessedEvent.objects.filter(event_id=event_id).first()
    if done is not None:  # the usual case once a batch has taken this event along: one query
        return done
    head = WebhookEvent.objects.filter(pk=event_id).values_list("platform", "account_id").first()
    if head is None:
        return None
    with transaction.atomic():
        events = _claim_events(event_id, head[0], head[1], limit)
        if events:
            now = timezone.now()
            ProcessedEvent.objects.bulk_create(
                [ProcessedEvent(event_id=pk, processed_at=now, items=items, error=error[:1000])
                 for pk, (items, error) in _ingest_events(events).items()], ignore_conflicts=True)
    # Not found: another worker holds the event; its commit, or the pending sweep after a crash, settles it.
    return ProcessedEvent.objects.filter(event_id=event_id).first()


def _claim_events(event_id: int, platform: str, account_id: str, limit: int) -> list[WebhookEvent]:
    """Claim, inside the caller's transaction, the event and up to limit - 1 other unprocessed events
    of the same account; returned oldest first.

    The claim is the row lock plus processed_at, both undone by a rollback: a worker that crashes
    mid-batch leaves its events pending for the sweep. PostgreSQL: FOR UPDATE SKIP LOCKED, so two
    workers take disjoint batches, and a row another worker committed meanwhile fails the re-checked
    processed_at IS NULL. SQLite: transactions are IMMEDIATE (one writer at a time), so this read and
    the UPDATE cannot interleave with another worker's claim."""
    pending = (WebhookEvent.objects.filter(processed_at__isnull=True)
               .filter(~Exists(ProcessedEvent.objects.filter(event=OuterRef("pk")))))
    scope = Q(pk=event_id) | Q(platform=platform, account_id=account_id) if limit > 1 else Q(pk=event_id)
    claimed = list(pending.filter(scope).order_by(Case(When(pk=event_id, then=0), default=1), "received_at", "pk")
                   .select_for_update(skip_locked=True)
                   .only("pk", "platform", "account_id", "payload", "received_at")[:limit])
    if claimed:
        WebhookEvent.objects.filter(pk__in=[event.pk for event in claimed]).update(processed_at=timezone.now())
    return sorted(claimed, key=lambda event: (event.received_at, event.pk))


def _ingest_events(events: list[WebhookEvent]) -> dict[int, tuple[int, str]]:
    """Event pk -> (items newly stored from it, error). All events in one ingest per channel; if that
    fails, event by event, so one poisonous event is recorded with its error and the others go through."""
    try:
        with transaction.atomic():
            return _ingest_together(events)
    except Exception:  # noqa: BLE001 - retried one by one below, where the culprit is found
        if len(events) == 1:
            logger.exception("Webhook event %s could not be stored", events[0].pk)
            return {events[0].pk: (0, "The event could not be stored; see the worker log.")}
        logger.warning("A batch of %s webhook events failed; storing them one by one", len(events), exc_info=True)
    outcomes: dict[int, tuple[int, str]] = {}
    for event in events:
        outcomes.update(_ingest_events([event]))
    return outcomes


def _ingest_together(events: list[WebhookEvent]) -> dict[int, tuple[int, str]]:
    outcomes: dict[int, tuple[int, str]] = {event.pk: (0, "") for event in events}
    # (platform, account) -> (event pk, entry), in the events' order: the oldest copy of an item wins.
    by_account: dict[tuple[str, str], list[tuple[int, InboxEntry]]] = defaultdict(list)
    for event in events:
        try:
            items = get_adapter(event.platform).webhook_items(event.payload)
        except (PlatformError, UnknownPlatform) as exc:
            outcomes[event.pk] = (0, getattr(exc, "message", str(exc)))
            continue
        except Exception as exc:  # noqa: BLE001 - a parser bug must not make the event retry forever
            logger.exception("Webhook event %s could not be read", event.pk)
            outcomes[event.pk] = (0, f"The event could not be read ({type(exc).__name__}).")
            continue
        for item in items:
            by_account[(event.platform, str(item.account_id))].append((event.pk, item.entry))
    created: Counter[int] = Counter()
    unknown: dict[int, list[str]] = defaultdict(list)
    for (platform, account), pairs in by_account.items():
        # Every workspace that connected this account owns its comments: each channel gets them.
        channels = list(Channel.objects.filter(platform=platform, external_id=account))
        if not channels:
            for pk in dict.fromkeys(pk for pk, _entry in pairs):
                unknown[pk].append(account)
            continue
        owner: dict[str, int] = {}
        for pk, entry in pairs:
            owner.setdefault(entry_key(entry), pk)
        for channel in channels:
            result = ingest_entries(channel, [entry for _pk, entry in pairs], source="webhook")
            created.update(owner[key] for key in result.created_keys)
    for event in events:
        error = outcomes[event.pk][1]
        if event.pk in unknown:
            error = f"No {event.platform} channel is connected for account(s) {', '.join(unknown[event.pk])[:200]}."
        outcomes[event.pk] = (created[event.pk], error)
    return outcomes
