"""Reads for the workspace admin pages: the audit log (filtered, keyset-paged), members."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.db.models import Q, QuerySet

from workspaces.models import AuditEvent, Member, Role, Workspace

AUDIT_PAGE_SIZE = 50


@dataclass(frozen=True)
class AuditFilters:
    """What the audit log page and its exports are narrowed to; empty fields do not filter."""

    actor: str = ""  # the actor's label, which outlives a deleted user
    action: str = ""
    target_type: str = ""
    date_from: date | None = None  # days on the workspace's wall clock, both ends included
    date_to: date | None = None
    q: str = ""  # free text in the object's label

    def as_query(self) -> dict[str, str]:
        """The non-empty filters as query-string values, for paging and export links."""
        values = {"actor": self.actor, "action": self.action, "type": self.target_type, "q": self.q,
                  "from": self.date_from.isoformat() if self.date_from else "",
                  "to": self.date_to.isoformat() if self.date_to else ""}
        return {key: value for key, value in values.items() if value}


@dataclass(frozen=True)
class Cursor:
    """A position in the newest-first order: (created_at, pk) of a row."""

    created_at: datetime
    pk: int

    def encode(self) -> str:
        return f"{self.created_at.isoformat()}_{self.pk}"

    @classmethod
    def decode(cls, raw: str) -> Cursor | None:
        stamp, _sep, pk = (raw or "").rpartition("_")
        try:
            moment = datetime.fromisoformat(stamp)
            number = int(pk)
        except ValueError:
            return None
        if moment.tzinfo is None or not 0 < number < 2**63:
            return None
        return cls(moment, number)


@dataclass(frozen=True)
class AuditPage:
    events: list[AuditEvent]
    older: str  # cursor of the next (older) page, "" on the last page
    newer: str  # cursor of the previous (newer) page, "" on the first page


def _zone(workspace: Workspace) -> ZoneInfo:
    try:
        return ZoneInfo(workspace.time_zone)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def _day_start(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time.min, tzinfo=zone)


def audit_events(workspace: Workspace, filters: AuditFilters | None = None) -> QuerySet[AuditEvent]:
    """The workspace's audit events matching `filters`, newest first."""
    filters = filters or AuditFilters()
    rows = AuditEvent.objects.filter(workspace=workspace)
    if filters.actor:
        rows = rows.filter(actor_label=filters.actor)
    if filters.action:
        rows = rows.filter(action=filters.action)
    if filters.target_type:
        rows = rows.filter(target_type=filters.target_type)
    zone = _zone(workspace)
    if filters.date_from:
        rows = rows.filter(created_at__gte=_day_start(filters.date_from, zone))
    if filters.date_to:
        rows = rows.filter(created_at__lt=_day_start(filters.date_to + timedelta(days=1), zone))
    if filters.q:
        rows = rows.filter(target_label__icontains=filters.q)
    return rows.order_by("-created_at", "-pk")


def audit_page(workspace: Workspace, filters: AuditFilters, *, after: str = "", before: str = "",
               size: int = AUDIT_PAGE_SIZE) -> AuditPage:
    """One page by keyset: rows older than `after`, or newer than `before`, else the newest. One query."""
    rows = audit_events(workspace, filters)
    older_than, newer_than = Cursor.decode(after), Cursor.decode(before)
    if newer_than is not None:
        position = Q(created_at__gt=newer_than.created_at) | Q(created_at=newer_than.created_at, pk__gt=newer_than.pk)
        found = list(rows.filter(position).order_by("created_at", "pk")[: size + 1])
        more_newer = len(found) > size
        events = list(reversed(found[:size]))
        return AuditPage(events, older=_cursor(events[-1]) if events else "",
                         newer=_cursor(events[0]) if more_newer and events else "")
    if older_than is not None:
        rows = rows.filter(Q(created_at__lt=older_than.created_at)
                           | Q(created_at=older_than.created_at, pk__lt=older_than.pk))
    found = list(rows[: size + 1])
    events = found[:size]
    return AuditPage(events, older=_cursor(events[-1]) if len(found) > size else "",
                     newer=_cursor(events[0]) if older_than is not None and events else "")


def _cursor(event: AuditEvent) -> str:
    return Cursor(event.created_at, event.pk).encode()


def audit_filter_choices(workspace: Workspace) -> dict[str, list[str]]:
    """The actors, actions and object types that occur in the workspace's log (three queries)."""
    rows = AuditEvent.objects.filter(workspace=workspace).order_by()

    def distinct(field: str) -> list[str]:
        return sorted(value for value in rows.values_list(field, flat=True).distinct() if value)

    return {"actors": distinct("actor_label"), "actions": distinct("action"), "target_types": distinct("target_type")}


def members_for_workspace(workspace: Workspace) -> QuerySet[Member]:
    return (Member.objects.filter(workspace=workspace).select_related("user")
            .order_by("user__username", "pk"))


def member_for_workspace(workspace: Workspace, member_id: int) -> Member | None:
    if not 0 < member_id < 2**63:
        return None
    return members_for_workspace(workspace).filter(pk=member_id).first()


def admin_count(workspace: Workspace) -> int:
    return Member.objects.filter(workspace=workspace, role=Role.ADMIN).count()
