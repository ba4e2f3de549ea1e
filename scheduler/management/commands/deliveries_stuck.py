"""`manage.py deliveries_stuck`: what the publishing engine could not settle on its own."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

from django.core.management.base import BaseCommand
from django.utils import timezone

from scheduler.models import Delivery
from scheduler.selectors import stuck_deliveries

COLUMNS = ("id", "workspace", "channel", "state", "due", "age", "error")


def _age(delta: timedelta) -> str:
    seconds = int(delta.total_seconds())
    if seconds < 3600:
        return f"{seconds // 60}m{seconds % 60:02d}s"
    if seconds < 86400:
        return f"{seconds // 3600}h{seconds % 3600 // 60:02d}m"
    return f"{seconds // 86400}d{seconds % 86400 // 3600:02d}h"


def _row(delivery: Delivery, now: datetime) -> dict[str, Any]:
    return {
        "id": delivery.pk,
        "workspace": delivery.workspace.slug,
        "channel": str(delivery.channel),
        "state": delivery.state,
        "due": delivery.due_at.isoformat() if delivery.due_at else "",
        "age": _age(now - delivery.updated_at),
        "age_seconds": int((now - delivery.updated_at).total_seconds()),
        "error": delivery.error_message,
    }


class Command(BaseCommand):
    help = "List deliveries that are stuck, unknown or need a check, oldest due first."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--json", action="store_true", help="print a JSON list instead of a table")
        parser.add_argument("--limit", type=int, default=200, help="at most this many rows (default 200)")

    def handle(self, *args, **options) -> None:
        now = timezone.now()
        rows = [_row(d, now) for d in stuck_deliveries(now)[: options["limit"]]]
        if options["json"]:
            self.stdout.write(json.dumps(rows, indent=2))
            return
        if not rows:
            self.stdout.write("No stuck deliveries.")
            return
        self._table(rows)

    def _table(self, rows: list[dict[str, Any]]) -> None:
        cells = [[str(row[c]) if c != "error" else str(row[c])[:80] for c in COLUMNS] for row in rows]
        widths = [max(len(c), *(len(r[i]) for r in cells)) for i, c in enumerate(COLUMNS)]
        line = "  ".join(c.upper().ljust(w) for c, w in zip(COLUMNS, widths, strict=True))
        self.stdout.write(line.rstrip())
        for r in cells:
            self.stdout.write("  ".join(v.ljust(w) for v, w in zip(r, widths, strict=True)).rstrip())
        self.stdout.write(f"{len(rows)} deliveries need attention.")
