"""Audit log exports: CSV and JSON lines, streamed row by row so a long log never sits in memory.

CSV cells that a spreadsheet would run as a formula (starting with = + - @, or a tab or carriage return that
some spreadsheets skip before looking) get a leading apostrophe: object labels and details come from users
and platforms, and must stay text when someone opens the export in Excel or LibreOffice.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from django.db.models import QuerySet

from workspaces.audit_display import action_label, detail_pairs, target_type_label
from workspaces.models import AuditEvent

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
CSV_HEADER = ("time", "actor", "action", "action_label", "object_type", "object_id", "object", "details")
CHUNK = 2000


def csv_safe(value: Any) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


class _Echo:
    """A file-like object whose write returns the line, so csv.writer can feed a streaming response."""

    def write(self, value: str) -> str:
        return value


def _local(moment: datetime, zone: ZoneInfo) -> str:
    return moment.astimezone(zone).isoformat(timespec="seconds")


def _rows(events: QuerySet[AuditEvent]) -> Iterator[AuditEvent]:
    return events.only("created_at", "actor_label", "action", "target_type", "target_id", "target_label",
                       "details").iterator(chunk_size=CHUNK)


def csv_lines(events: QuerySet[AuditEvent], zone: ZoneInfo) -> Iterable[str]:
    writer = csv.writer(_Echo())
    yield "\ufeff"  # a BOM, so spreadsheets read the file as UTF-8
    yield writer.writerow(CSV_HEADER)
    for event in _rows(events):
        details = "; ".join(f"{key}: {value}" if key else value for key, value in detail_pairs(event.details))
        cells = (_local(event.created_at, zone), event.actor_label, event.action, action_label(event.action),
                 target_type_label(event.target_type), event.target_id, event.target_label, details)
        yield writer.writerow([csv_safe(cell) for cell in cells])


def jsonl_lines(events: QuerySet[AuditEvent], zone: ZoneInfo) -> Iterable[str]:
    for event in _rows(events):
        record = {"time": _local(event.created_at, zone), "actor": event.actor_label, "action": event.action,
                  "object_type": event.target_type, "object_id": event.target_id, "object": event.target_label,
                  "details": event.details}
        yield json.dumps(record, ensure_ascii=False, default=str) + "\n"
