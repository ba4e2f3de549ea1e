"""Storing what channels report back: one InboxItem per (channel, external_id), threaded into Conversations.

Ingestion is idempotent and race-safe on PostgreSQL and SQLite alike: the (channel, external_id)
unique constraints decide, inserts ignore conflicts, and everything derived (counts, newest item,
the link to our Delivery) is recomputed from the rows or set by conditional UPDATEs, so the same
entries arriving twice, out of order or from two workers at once leave one row each.

Cost: a constant number of queries per call plus one UPDATE per conversation that got new items
(and one per thread newly flagged for attention), whatever the number of items — a sync page of
1,000 items or a batch of webhook events is one call.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from django.db import connection, transaction
from django.db.models import Case, Count, Exists, F, OuterRef, Q, Subquery, Value, When
from django.utils import timezone

from inbox import threads_sql
from inbox.attention import attention_after_ingest, sentiment_apply
from inbox.cleaning import clean_field, clean_text, clean_url, raw_record
from inbox.models import Conversation, InboxItem, ItemKind
from inbox.threads_sql import ThreadNews
from inbox.triage import conversations_reopen
from platforms.models import Channel
from platforms.types import InboxEntry
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


@dataclass(frozen=True)
class IngestResult:
    counts: IngestCounts
    # entry_key() of the items this call stored (the same upper bound as IngestCounts.created).
    created_keys: frozenset[str] = field(default_factory=frozenset)


@dataclass
class _Row:
    item: InboxItem  # unsaved
    thread: str  # the conversation's external id
    post: str  # our post's external id, when known


def entry_key(entry: InboxEntry) -> str:
    """The external id an entry is stored under (what the unique constraint compares)."""
    return clean_field(entry.external_id, ID_MAX * 2).strip()


def _row(channel: Channel, entry: InboxEntry, source: str) -> _Row | None:
    """An unsaved InboxItem from one entry, or None when the entry cannot be stored at all."""
    external_id = entry_key(entry)
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
    return ingest_entries(channel, entries, source=source).counts


def ingest_entries(channel: Channel, entries: Iterable[InboxEntry], *, source: str = "poll") -> IngestResult:
    """inbox_ingest, also saying which items were new (webhook batches credit them to their events)."""
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
        return IngestResult(IngestCounts(received=len(entries), rejected=rejected))
    with transaction.atomic():
        _join_parent_threads(channel, list(rows.values()))
        threads = _conversations(channel, list(rows.values()))
        stored = set(InboxItem.objects.filter(channel=channel, external_id__in=list(rows)).order_by()
                     .values_list("external_id", flat=True))
        new = [row for key, row in rows.items() if key not in stored]
        for row in new:
            row.item.conversation = threads[row.thread]
        sentiment_apply([row.item for row in new])  # new items only: a stored item keeps its score
        # In key order, like the threads below: two workers inserting overlapping batches wait for each
        # other on the unique index in the same order instead of deadlocking.
        InboxItem.objects.bulk_create(sorted((row.item for row in new), key=lambda item: item.external_id),
                                      ignore_conflicts=True, batch_size=500)
        _refresh_conversations(channel, new)
        # After the Delivery link is known; alerts for newly flagged threads go out after commit.
        attention_after_ingest(channel.workspace_id, [row.item for row in new])
        _name_stored(channel, [row for key, row in rows.items() if key in stored])
    counts = IngestCounts(received=len(entries), created=len(new), duplicates=len(entries) - rejected - len(new),
                          rejected=rejected)
    return IngestResult(counts, frozenset(row.item.external_id for row in new))


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
    ).order_by().values_list("external_id", "conversation__external_id", "conversation__post_external_id")}
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
    Conversation.objects.bulk_create([_new_conversation(channel, key, first[key]) for key in sorted(first)],
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
    """Counts from the rows, and what each thread learns (newest item, other party, title, post): one
    UPDATE for all threads (inbox.threads_sql), then the Delivery link and reopening."""
    if not new:
        return
    by_thread: dict[int, list[_Row]] = defaultdict(list)
    for row in new:
        by_thread[row.item.conversation_id].append(row)
    if connection.vendor == "postgresql":
        # The threads' row locks in one order (pk) before the UPDATEs below, which lock rows in whatever
        # order the plan visits them: workers whose batches share threads queue instead of deadlocking.
        # NO KEY UPDATE, so the items' foreign-key checks (KEY SHARE) do not wait for it.
        list(Conversation.objects.filter(pk__in=list(by_thread)).order_by("pk").select_for_update(no_key=True)
             .values_list("pk", flat=True))
    if threads_sql.supported():
        threads_sql.threads_update({pk: _thread_news(rows) for pk, rows in by_thread.items()})
    else:  # no UPDATE … FROM (SQLite before 3.33): the same rules, one ORM UPDATE per thread
        count = (InboxItem.objects.filter(conversation=OuterRef("pk")).values("conversation")
                 .annotate(n=Count("pk")).values("n"))
        Conversation.objects.filter(pk__in=list(by_thread)).update(item_count=Subquery(count))
        for pk, rows in by_thread.items():
            Conversation.objects.filter(pk=pk).update(**_thread_changes(_thread_news(rows)))
    _link_deliveries(channel, set(by_thread))
    # Someone writing again reopens a thread marked done or snoozed (the rule lives in inbox.triage).
    conversations_reopen({row.item.conversation_id for row in new if not row.item.from_us})


def _thread_news(rows: list[_Row]) -> ThreadNews:
    """What one thread learns from its new items (applied by conditional UPDATEs, see ThreadNews)."""
    newest = max((row.item for row in rows), key=lambda item: item.created_at)  # the first of equals wins
    # A thread first seen through our own reply learns who the other party is from a later item: the
    # first other party in this batch, with a name from one of their items when the first had none.
    others = [row.item for row in rows if not row.item.from_us and row.item.author_id]
    party = next((item for item in others if item.author_id == others[0].author_id and item.author_name),
                 others[0]) if others else None
    titled = next((item for item in others if item.author_name and item.kind in ("message", "mention")), None)
    return ThreadNews(
        last_item_at=newest.created_at, snippet=clean_field(newest.text, 300),
        author_id=party.author_id if party else "", author_name=party.author_name if party else "",
        author_handle=party.author_handle if party else "", author_avatar_url=party.author_avatar_url if party else "",
        title=titled.author_name if titled else "", post_external_id=next((row.post for row in rows if row.post), ""))


def _when(condition: Q, value: Any, column: str) -> Case:
    return Case(When(condition, then=Value(value)), default=F(column))


def _thread_changes(news: ThreadNews) -> dict[str, Case]:
    """ThreadNews as the SET list of one ORM UPDATE (the fallback of threads_sql.threads_update)."""
    newer = Q(last_item_at__isnull=True) | Q(last_item_at__lt=news.last_item_at)
    changes = {"last_item_at": _when(newer, news.last_item_at, "last_item_at"),
               "snippet": _when(newer, news.snippet, "snippet")}
    if news.author_id:
        unnamed = Q(author_id="") | Q(author_id=news.author_id, author_name="")
        for column in ("author_id", "author_name", "author_handle", "author_avatar_url"):
            changes[column] = _when(unnamed, getattr(news, column), column)
    if news.title:
        changes["title"] = _when(Q(title=""), news.title, "title")
    if news.post_external_id:
        changes["post_external_id"] = _when(Q(post_external_id=""), news.post_external_id, "post_external_id")
    return changes


def _name_stored(channel: Channel, seen: list[_Row]) -> None:
    """Meta's messaging webhooks carry only the sender's id: the poll that brings the same item again
    names its author, on the item and on its thread."""
    named = {row.item.external_id: row.item for row in seen if row.item.author_name and not row.item.from_us}
    if not named:
        return
    blank = InboxItem.objects.filter(channel=channel, external_id__in=list(named), author_name="").order_by()
    for pk, key, conversation_id, author_id in blank.values_list("pk", "external_id", "conversation_id",
                                                                "author_id"):
        item = named[key]
        if item.author_id != author_id:
            continue
        InboxItem.objects.filter(pk=pk, author_name="").update(
            author_name=item.author_name, author_handle=item.author_handle,
            author_avatar_url=item.author_avatar_url, author_url=item.author_url)
        _name_conversation(conversation_id, item)


def _name_conversation(conversation_id: int, item: InboxItem) -> None:
    """Who the other party is, where the thread does not know yet (no one, or an id without a name)."""
    unnamed = Q(author_id="") | Q(author_id=item.author_id, author_name="")
    Conversation.objects.filter(unnamed, pk=conversation_id).update(
        author_id=item.author_id, author_name=item.author_name, author_handle=item.author_handle,
        author_avatar_url=item.author_avatar_url)
    if item.author_name and item.kind in ("message", "mention"):
        Conversation.objects.filter(pk=conversation_id, title="").update(title=item.author_name)


def _link_deliveries(channel: Channel, conversation_ids: set[int]) -> None:
    """Threads on a post of ours point at its Delivery: one UPDATE, touching only threads that match."""
    ours = Delivery.objects.filter(channel=channel, external_id=OuterRef("post_external_id")).order_by("pk")
    (Conversation.objects.filter(pk__in=conversation_ids, delivery__isnull=True).exclude(post_external_id="")
     .filter(Exists(ours)).update(delivery_id=Subquery(ours.values("pk")[:1])))
