"""Inbox writes: storing what channels report back, the sync runs, webhook event processing.

Ingestion is idempotent and race-safe on PostgreSQL and SQLite alike: the (channel, external_id)
unique constraints decide, inserts ignore conflicts, and everything derived (counts, newest item,
the link to our Delivery) is recomputed from the rows or set by conditional UPDATEs, so the same
entries arriving twice, out of order or from two workers at once leave one row each.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Count, OuterRef, Q, Subquery
from django.utils import timezone

from inbox.cleaning import clean_field, clean_text, clean_url, raw_record
from inbox.models import Conversation, InboxItem, ItemKind, ProcessedEvent, SyncState
from inbox.selectors import channels_with_inbox
from platforms.errors import AuthExpired, PlatformError, RateLimited
from platforms.models import Channel, Health, WebhookEvent
from platforms.registry import UnknownPlatform, get_adapter
from platforms.services import channel_mark_needs_reconnect, channel_ref
from platforms.types import InboxEntry, WebhookItem
from scheduler.models import Delivery

logger = logging.getLogger(__name__)
ID_MAX = 200
KINDS = set(ItemKind.values)
# A comment thread (comments and replies on one post) is one conversation kind.
CONVERSATION_KIND = {"comment": "comment", "reply": "comment", "mention": "mention", "message": "message"}


@dataclass(frozen=True)
class IngestCounts:
    received: int = 0
    created: int = 0  # new rows (an upper bound when another worker stores the same items at once)
    duplicates: int = 0  # already stored, or repeated within the batch
    rejected: int = 0  # unusable entries: no id, unknown kind, no date


@dataclass
class _Row:
    item: InboxItem  # unsaved
    thread: str  # the conversation's external id
    post: str  # our post's external id, when known


def _row(channel: Channel, entry: InboxEntry, source: str) -> _Row | None:
    """An unsaved InboxItem from one entry, or None when the entry cannot be stored at all."""
    external_id = clean_field(entry.external_id, ID_MAX * 2).strip()
    created_at = entry.created_at
    if not external_id or len(external_id) > ID_MAX or entry.kind not in KINDS or not isinstance(created_at, datetime):
        return None
    if timezone.is_naive(created_at):
        created_at = created_at.replace(tzinfo=UTC)
    author_id = clean_field(entry.author_id, ID_MAX)
    conversation = clean_field(entry.conversation_id, ID_MAX) or _fallback_thread(entry.kind, author_id, external_id)
    item = InboxItem(
        workspace_id=channel.workspace_id, channel=channel, external_id=external_id, kind=entry.kind,
        author_id=author_id, author_name=clean_field(entry.author_name, 200),
        author_handle=clean_field(entry.author_handle, 200), author_avatar_url=clean_url(entry.author_avatar_url),
        author_url=clean_url(entry.author_url), permalink=clean_url(entry.permalink), text=clean_text(entry.text),
        in_reply_to=clean_field(entry.in_reply_to, ID_MAX), hidden=bool(entry.hidden), from_us=bool(entry.from_us),
        raw=raw_record(entry, source), created_at=created_at,
    )
    return _Row(item, conversation, clean_field(entry.post_external_id, ID_MAX))


def _fallback_thread(kind: str, author_id: str, external_id: str) -> str:
    # A direct message without a thread id is threaded by its author; anything else stands alone.
    return f"dm:{author_id}" if kind == ItemKind.MESSAGE and author_id else external_id


def inbox_ingest(channel: Channel, entries: Iterable[InboxEntry], *, source: str = "poll") -> IngestCounts:
    """Store entries for `channel`: one InboxItem per (channel, external_id), threaded into Conversations."""
    entries = list(entries)
    rows: dict[str, _Row] = {}
    rejected = 0
    for entry in entries:
        row = _row(channel, entry, source)
        if row is None:
            rejected += 1
            logger.warning("Inbox entry from %s channel %s dropped: no usable id, kind or date",
                           channel.platform, channel.pk)
        else:
            rows.setdefault(row.item.external_id, row)  # the first copy wins within one batch
    if not rows:
        return IngestCounts(received=len(entries), rejected=rejected)
    with transaction.atomic():
        _join_parent_threads(channel, list(rows.values()))
        threads = _conversations(channel, list(rows.values()))
        stored = set(InboxItem.objects.filter(channel=channel, external_id__in=list(rows))
                     .values_list("external_id", flat=True))
        new = [row for key, row in rows.items() if key not in stored]
        for row in new:
            row.item.conversation = threads[row.thread]
        InboxItem.objects.bulk_create([row.item for row in new], ignore_conflicts=True, batch_size=500)
        _refresh_conversations(channel, new)
        _name_stored(channel, [row for key, row in rows.items() if key in stored])
    return IngestCounts(received=len(entries), created=len(new), duplicates=len(entries) - rejected - len(new),
                        rejected=rejected)


def _join_parent_threads(channel: Channel, rows: list[_Row]) -> None:
    """An answer to a known public item joins that item's thread (and becomes a reply in it).

    X's Account Activity events name only the post a reply answers, never the conversation, and call
    an answer to another fan's comment a mention; polling names our root post. Without this, the same
    reply would start a thread of its own when it came by webhook, unlinked from our Delivery."""
    parents = {row.item.in_reply_to for row in rows if row.item.in_reply_to and row.item.kind != ItemKind.MESSAGE}
    if not parents:
        return
    known = {pk: (thread, post) for pk, thread, post in InboxItem.objects.filter(
        channel=channel, external_id__in=parents, conversation__kind=ItemKind.COMMENT,
    ).values_list("external_id", "conversation__external_id", "conversation__post_external_id")}
    for row in sorted(rows, key=lambda r: r.item.created_at):  # a parent in the same batch comes first
        parent = known.get(row.item.in_reply_to) if row.item.kind != ItemKind.MESSAGE else None
        if parent is not None:
            row.thread, row.post, row.item.kind = parent[0], parent[1] or row.post, ItemKind.REPLY
        if CONVERSATION_KIND[row.item.kind] == ItemKind.COMMENT:
            known.setdefault(row.item.external_id, (row.thread, row.post))


def _conversations(channel: Channel, rows: list[_Row]) -> dict[str, Conversation]:
    """The Conversation of every row's thread, created where missing (conflicts ignored)."""
    first: dict[str, _Row] = {}
    for row in sorted(rows, key=lambda r: r.item.created_at):
        first.setdefault(row.thread, row)
    Conversation.objects.bulk_create([_new_conversation(channel, key, row) for key, row in first.items()],
                                     ignore_conflicts=True)
    found = Conversation.objects.filter(channel=channel, external_id__in=list(first))
    return {conversation.external_id: conversation for conversation in found}


def _new_conversation(channel: Channel, key: str, row: _Row) -> Conversation:
    item = row.item
    author = {} if item.from_us else {"author_id": item.author_id, "author_name": item.author_name,
                                      "author_handle": item.author_handle, "author_avatar_url": item.author_avatar_url}
    # X threads replies by the root post's id: a comment thread's key is our post unless told otherwise.
    post = row.post or (key if item.kind in ("comment", "reply") and key != item.external_id else "")
    title = item.author_name if item.kind in ("message", "mention") and not item.from_us else ""
    return Conversation(workspace_id=channel.workspace_id, channel=channel, external_id=key,
                        kind=CONVERSATION_KIND[item.kind], post_external_id=post, title=title, **author)


def _refresh_conversations(channel: Channel, new: list[_Row]) -> None:
    """Counts from the rows; newest item, missing author and the Delivery link by conditional updates."""
    if not new:
        return
    ids = {row.item.conversation_id for row in new}
    count = (InboxItem.objects.filter(conversation=OuterRef("pk")).values("conversation")
             .annotate(n=Count("pk")).values("n"))
    Conversation.objects.filter(pk__in=ids).update(item_count=Subquery(count))
    newest: dict[int, InboxItem] = {}
    for item in (row.item for row in new):
        pk = item.conversation_id
        if pk not in newest or item.created_at > newest[pk].created_at:
            newest[pk] = item
    for pk, row in newest.items():
        # Only moves forward: an older item arriving late does not replace the snippet.
        Conversation.objects.filter(pk=pk).filter(Q(last_item_at__isnull=True) | Q(last_item_at__lt=row.created_at)) \
            .update(last_item_at=row.created_at, snippet=clean_field(row.text, 300))
    _fill_authors(new)
    _link_deliveries(channel, ids)


def _fill_authors(new: list[_Row]) -> None:
    """A thread first seen through our own reply learns who the other party is from a later item."""
    for row in new:
        item = row.item
        if not item.from_us and item.author_id:
            _name_conversation(item.conversation_id, item)
        if row.post:
            Conversation.objects.filter(pk=item.conversation_id, post_external_id="").update(post_external_id=row.post)


def _name_conversation(conversation_id: int, item: InboxItem) -> None:
    """Who the other party is, where the thread does not know yet (no one, or an id without a name)."""
    unnamed = Q(author_id="") | Q(author_id=item.author_id, author_name="")
    Conversation.objects.filter(unnamed, pk=conversation_id).update(
        author_id=item.author_id, author_name=item.author_name, author_handle=item.author_handle,
        author_avatar_url=item.author_avatar_url)
    if item.author_name and item.kind in ("message", "mention"):
        Conversation.objects.filter(pk=conversation_id, title="").update(title=item.author_name)


def _name_stored(channel: Channel, seen: list[_Row]) -> None:
    """Meta's messaging webhooks carry only the sender's id: the poll that brings the same item again
    names its author, on the item and on its thread."""
    named = {row.item.external_id: row.item for row in seen if row.item.author_name and not row.item.from_us}
    blank = InboxItem.objects.filter(channel=channel, external_id__in=list(named), author_name="")
    for pk, key, conversation_id, author_id in blank.values_list("pk", "external_id", "conversation_id",
                                                                "author_id"):
        item = named[key]
        if item.author_id != author_id:
            continue
        InboxItem.objects.filter(pk=pk, author_name="").update(
            author_name=item.author_name, author_handle=item.author_handle,
            author_avatar_url=item.author_avatar_url, author_url=item.author_url)
        _name_conversation(conversation_id, item)


def _link_deliveries(channel: Channel, conversation_ids: set[int]) -> None:
    unlinked = dict(Conversation.objects.filter(pk__in=conversation_ids, delivery__isnull=True)
                    .exclude(post_external_id="").values_list("pk", "post_external_id"))
    if not unlinked:
        return
    ours = dict(Delivery.objects.filter(channel=channel, external_id__in=set(unlinked.values()))
                .values_list("external_id", "pk"))
    for pk, post in unlinked.items():
        if post in ours:
            Conversation.objects.filter(pk=pk, delivery__isnull=True).update(delivery_id=ours[post])


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
    row and stores nothing; entries are idempotent anyway, so a crash mid-way is safe to redo."""
    event = WebhookEvent.objects.filter(pk=event_id).first()
    if event is None:
        return None
    done = ProcessedEvent.objects.filter(event=event).first()
    if done is not None:
        return done
    created, error = 0, ""
    try:
        items = get_adapter(event.platform).webhook_items(event.payload)
        created, error = _ingest_webhook_items(event.platform, items)
    except (PlatformError, UnknownPlatform) as exc:
        error = getattr(exc, "message", str(exc))
    except Exception as exc:  # noqa: BLE001 - a parser bug must not make the event retry forever
        logger.exception("Webhook event %s could not be read", event.pk)
        error = f"The event could not be read ({type(exc).__name__})."
    processed, _ = ProcessedEvent.objects.get_or_create(
        event=event, defaults={"processed_at": timezone.now(), "items": created, "error": error[:1000]})
    return processed


def _ingest_webhook_items(platform: str, items: list[WebhookItem]) -> tuple[int, str]:
    by_account: dict[str, list[InboxEntry]] = defaultdict(list)
    for item in items:
        by_account[str(item.account_id)].append(item.entry)
    created, unknown = 0, []
    for account, entries in by_account.items():
        # Every workspace that connected this account owns its comments: each channel gets them.
        channels = list(Channel.objects.filter(platform=platform, external_id=account))
        if not channels:
            unknown.append(account)
        for channel in channels:
            created += inbox_ingest(channel, entries, source="webhook").created
    error = f"No {platform} channel is connected for account(s) {', '.join(unknown)[:200]}." if unknown else ""
    return created, error
