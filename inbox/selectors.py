"""Inbox reads. Workspace-scoped for people; the sync machinery's own reads are marked as such."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, fields
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from django.db.models import (
    Case,
    CharField,
    Count,
    Exists,
    F,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Value,
    When,
)
from django.utils import timezone

from inbox.models import Conversation, ConversationRead, InboxItem, ItemKind, Note, SavedReply, SyncState, Tag
from platforms.models import Channel, Health, WebhookEvent
from platforms.registry import UnknownPlatform, adapter_class, platform_keys
from workspaces.models import Member, Role, Workspace


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


def channels_without_inbox(workspace: Workspace) -> list[Channel]:
    """The workspace's channels whose platform has no API for comments or messages (Pinterest, TikTok, …):
    the inbox says plainly that nothing from them arrives here."""
    with_inbox, known = set(platforms_with_inbox()), set(platform_keys())
    found = [channel for channel in Channel.objects.filter(workspace=workspace).order_by("platform", "display_name")
             if channel.platform not in with_inbox and channel.platform in known]
    for channel in found:
        channel.platform_name = adapter_class(channel.platform).display_name
    return found


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


# -- the inbox list and a conversation (triage) ---------------------------------------------------------

STATUS_TABS = ("open", "snoozed", "done", "all")
PAGE_SIZE = 50
SEARCH_MAX = 200
_PLATFORM_KEY = re.compile(r"^[a-z0-9_]{1,30}$")
_CURSOR = re.compile(r"^(n|\d{1,20})_(\d{1,19})$")
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class InboxFilters:
    """The list's filters, as read from the URL's query string (so a bookmark is a saved view)."""

    status: str = "open"
    unread: bool = False
    assigned: str = ""  # "me", "none" or a user id
    platform: str = ""
    channel: int | None = None
    kind: str = ""
    sentiment: str = ""
    attention: bool = False
    tag: str = ""
    q: str = ""

    def params(self, **overrides: Any) -> dict[str, str]:
        """The non-default filters as query parameters, with `overrides` applied."""
        values = {**{f.name: getattr(self, f.name) for f in fields(self)}, **overrides}
        out = {}
        for name, value in values.items():
            if name == "status" and value == "open" or value in ("", None, False):
                continue
            out[name] = "1" if value is True else str(value)
        return out

    def query(self, **overrides: Any) -> str:
        return urlencode(self.params(**overrides))

    @property
    def active(self) -> bool:
        """Anything narrowing the list apart from the status tab."""
        return bool(self.params(status="open"))


def has_conversation_field(name: str) -> bool:
    """Whether Conversation has `name` (the sentiment fields come from another part of the inbox)."""
    return any(f.name == name for f in Conversation._meta.get_fields())


def parse_filters(params: Mapping[str, Any]) -> InboxFilters:
    """Filters from untrusted query parameters: unusable values are dropped, never an error."""
    def text(name: str, limit: int) -> str:
        value = params.get(name, "")
        return str(value).strip()[:limit] if isinstance(value, str) else ""

    status = text("status", 10)
    assigned = text("assigned", 20)
    channel = text("channel", 19)
    platform = text("platform", 30).lower()
    kind = text("kind", 16)
    sentiment = text("sentiment", 10)
    return InboxFilters(
        status=status if status in STATUS_TABS else "open",
        unread=text("unread", 5) in ("1", "true", "on", "yes"),
        assigned=assigned if assigned in ("me", "none") or (assigned.isdigit() and int(assigned) < 2**63) else "",
        platform=platform if _PLATFORM_KEY.match(platform) else "",
        channel=int(channel) if channel.isdigit() and int(channel) < 2**63 else None,
        kind=kind if kind in ItemKind.values else "",
        sentiment=sentiment if sentiment in ("negative", "neutral", "positive") else "",
        attention=text("attention", 5) in ("1", "true", "on", "yes"),
        tag=" ".join(text("tag", 100).lower().split())[:50],
        q=text("q", SEARCH_MAX),
    )


def _read_since_newest(user: Any) -> Exists:
    """`user` read the thread at or after its newest item (the opposite of unread)."""
    return Exists(ConversationRead.objects.filter(conversation=OuterRef("pk"), user_id=getattr(user, "pk", None),
                                                  read_at__gte=OuterRef("last_item_at")))


def _threads(workspace: Workspace) -> QuerySet[Conversation]:
    # A thread always has its newest item's time (ingest sets it with the first item): keeps the order indexable.
    return Conversation.objects.filter(workspace=workspace, last_item_at__isnull=False)


def _with_state(rows: QuerySet[Conversation], user: Any, now: datetime) -> QuerySet[Conversation]:
    """Rows with `is_unread` (for `user`) and `effective_status` (a snooze that has run out reads as open,
    so nothing has to wake it up), for showing; filters use the plain conditions below."""
    return rows.annotate(is_unread=~_read_since_newest(user),
                         effective_status=Case(When(status="snoozed", snoozed_until__lte=now, then=Value("open")),
                                               default=F("status"), output_field=CharField()))


def _status_q(status: str, now: datetime) -> Q:
    """The status tab as plain column conditions (not the CASE above), so the status index serves it."""
    if status == "open":
        return Q(status="open") | Q(status="snoozed", snoozed_until__lte=now)
    if status == "snoozed":
        return Q(status="snoozed", snoozed_until__gt=now)
    return Q(status="done") if status == "done" else Q()


def _narrowed(rows: QuerySet[Conversation], filters: InboxFilters, user: Any) -> QuerySet[Conversation]:
    if filters.unread:
        rows = rows.filter(~_read_since_newest(user))
    if filters.assigned == "me":
        rows = rows.filter(assignee_id=getattr(user, "pk", None))
    elif filters.assigned == "none":
        rows = rows.filter(assignee__isnull=True)
    elif filters.assigned:
        rows = rows.filter(assignee_id=int(filters.assigned))
    if filters.platform:
        rows = rows.filter(channel__platform=filters.platform)
    if filters.channel is not None:
        rows = rows.filter(channel_id=filters.channel)
    if filters.kind:
        # A comment thread holds comments and replies: "reply" finds threads with a reply in them.
        rows = rows.filter(Exists(InboxItem.objects.filter(conversation=OuterRef("pk"), kind=filters.kind))
                           if filters.kind == "reply" else Q(kind=filters.kind))
    if filters.sentiment and has_conversation_field("sentiment_label"):
        rows = rows.filter(sentiment_label=filters.sentiment)
    if filters.attention and has_conversation_field("needs_attention"):
        rows = rows.filter(needs_attention=True)
    if filters.tag:
        tagged = Conversation.tags.through.objects.filter(conversation_id=OuterRef("pk"), tag__name=filters.tag)
        rows = rows.filter(Exists(tagged))
    if filters.q:
        q = filters.q
        in_items = InboxItem.objects.filter(conversation=OuterRef("pk"), text__icontains=q)
        rows = rows.filter(Q(author_name__icontains=q) | Q(author_handle__icontains=q) | Q(snippet__icontains=q)
                           | Q(title__icontains=q) | Exists(in_items))
    return rows


def conversations_filtered(workspace: Workspace, user: Any, filters: InboxFilters,
                           now: datetime | None = None) -> QuerySet[Conversation]:
    """The list, newest first, with everything a row shows loaded (a constant number of queries)."""
    now = now or timezone.now()
    rows = _with_state(_narrowed(_threads(workspace), filters, user), user, now)
    return (rows.filter(_status_q(filters.status, now))
            .select_related("channel", "assignee", "delivery")
            .prefetch_related(Prefetch("tags", Tag.objects.order_by("name")))
            .order_by("-last_item_at", "-pk"))


def status_counts(workspace: Workspace, user: Any, filters: InboxFilters, now: datetime | None = None
                  ) -> dict[str, int]:
    """Per status tab, under the other filters, plus the unread open ones (the tab title's count)."""
    now = now or timezone.now()
    rows = _narrowed(_threads(workspace), filters, user)
    if filters.active:  # narrowed (a search may test every row): one pass over the matching threads
        open_ = _status_q("open", now)
        return rows.aggregate(
            open=Count("pk", filter=open_), snoozed=Count("pk", filter=_status_q("snoozed", now)),
            done=Count("pk", filter=_status_q("done", now)), all=Count("pk"),
            unread=Count("pk", filter=open_ & ~_read_since_newest(user)))
    # The whole inbox: index-only counts and a join over this person's reads, not a read check per thread.
    by_status = dict(rows.order_by().values_list("status").annotate(n=Count("pk")))
    woke = rows.filter(status="snoozed", snoozed_until__lte=now).count()
    counts = {"open": by_status.get("open", 0) + woke, "snoozed": by_status.get("snoozed", 0) - woke,
              "done": by_status.get("done", 0)}
    counts["all"] = sum(counts.values())
    read = ConversationRead.objects.filter(
        Q(conversation__status="open") | Q(conversation__status="snoozed", conversation__snoozed_until__lte=now),
        user_id=getattr(user, "pk", None), read_at__gte=F("conversation__last_item_at"),
        conversation__workspace=workspace).count() if counts["open"] else 0
    return {**counts, "unread": counts["open"] - read}


def cursor_of(conversation: Conversation) -> str:
    at = conversation.last_item_at
    stamp = "n" if at is None else str((at - _EPOCH) // timedelta(microseconds=1))
    return f"{stamp}_{conversation.pk}"


def _after_cursor(rows: QuerySet[Conversation], cursor: str) -> QuerySet[Conversation]:
    """Rows after `cursor` in the list's order (keyset: stable while new threads arrive on top)."""
    match = _CURSOR.match(cursor or "")
    if match is None:
        return rows
    stamp, pk = match.group(1), int(match.group(2))
    if stamp == "n":
        return rows.filter(last_item_at__isnull=True, pk__lt=pk)
    at = _EPOCH + timedelta(microseconds=int(stamp))
    return rows.filter(Q(last_item_at__lt=at) | Q(last_item_at=at, pk__lt=pk) | Q(last_item_at__isnull=True))


@dataclass
class ConversationPage:
    rows: list[Conversation]
    next_cursor: str  # "" on the last page
    counts: dict[str, int]


def conversation_page(workspace: Workspace, user: Any, filters: InboxFilters, before: str = "",
                      limit: int = PAGE_SIZE, now: datetime | None = None) -> ConversationPage:
    now = now or timezone.now()
    rows = list(_after_cursor(conversations_filtered(workspace, user, filters, now), before)[: limit + 1])
    more = len(rows) > limit
    rows = rows[:limit]
    return ConversationPage(rows, cursor_of(rows[-1]) if more else "", status_counts(workspace, user, filters, now))


def conversation_for_workspace(workspace: Workspace, conversation_id: int, user: Any = None,
                               now: datetime | None = None) -> Conversation | None:
    if conversation_id >= 2**63:
        return None
    return (conversations_filtered(workspace, user, InboxFilters(status="all"), now)
            .select_related("delivery__post").filter(pk=conversation_id).first())


@dataclass(frozen=True)
class ThreadEntry:
    kind: str  # "item" or "note"
    at: datetime
    obj: Any


def conversation_timeline(conversation: Conversation) -> list[ThreadEntry]:
    """The thread's items and internal notes interleaved by time (two queries)."""
    items = InboxItem.objects.filter(conversation=conversation, workspace_id=conversation.workspace_id)
    notes = Note.objects.filter(conversation=conversation).select_related("author")
    entries = [ThreadEntry("item", item.created_at, item) for item in items.order_by("created_at", "pk")]
    entries += [ThreadEntry("note", note.created_at, note) for note in notes]
    return sorted(entries, key=lambda entry: (entry.at, entry.kind == "note"))


def assignable_members(workspace: Workspace) -> list[Member]:
    return list(Member.objects.filter(workspace=workspace, role__in=(Role.ADMIN, Role.COMMUNITY_MANAGER))
                .select_related("user").order_by("user__username"))


def tags_for_workspace(workspace: Workspace) -> list[str]:
    return list(Tag.objects.filter(workspace=workspace).order_by("name").values_list("name", flat=True))


def saved_replies_for_workspace(workspace: Workspace) -> QuerySet[SavedReply]:
    return SavedReply.objects.filter(workspace=workspace).order_by("title", "pk")


def saved_reply_for_workspace(workspace: Workspace, saved_reply_id: int) -> SavedReply | None:
    return saved_replies_for_workspace(workspace).filter(pk=saved_reply_id).first() if saved_reply_id < 2**63 else None
