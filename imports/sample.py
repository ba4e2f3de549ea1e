"""The downloadable template: the header row and two example rows, as CSV or XLSX.

The examples name the workspace's own channels and campaign when it has them, so a user who fills in the
template and uploads it right away sees a clean dry run rather than "unknown channel".
"""

from __future__ import annotations

import csv
import io
from datetime import time, timedelta
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from imports.parsing import OVERRIDE_PREFIX
from imports.selectors import import_campaigns, import_channels
from platforms.models import Channel
from workspaces.models import Workspace

BASE_COLUMNS = ["date", "time", "channels", "text", "link", "media", "campaign"]
CSV_TYPE = "text/csv; charset=utf-8"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def channel_reference(channel: Channel) -> str:
    """How a row names a channel unambiguously: platform:name."""
    return f"{channel.platform}:{channel.display_name}"


def sample_table(workspace: Workspace, today: Any = None) -> tuple[list[str], list[list[Any]]]:
    channels = list(import_channels(workspace)[:2])
    # Archived campaigns are refused by the check, so the example never names one.
    campaign = next((c for c in import_campaigns(workspace) if not getattr(c, "archived_at", None)), None)
    platforms = sorted({channel.platform for channel in channels}) or ["x"]
    header = BASE_COLUMNS + [OVERRIDE_PREFIX + platform for platform in platforms]
    today = today or timezone.localdate(timezone=_zone(workspace))
    first = channel_reference(channels[0]) if channels else "x:Acme"
    both = ", ".join(channel_reference(c) for c in channels) if channels else "x:Acme, facebook:Acme Page"
    # xgettext:no-python-format
    overrides = {OVERRIDE_PREFIX + platforms[0]: _("Spring sale: 20% off everything until Sunday 🌷 #spring")}
    rows = [
        # xgettext:no-python-format
        [today + timedelta(days=7), time(9, 30), first, _("Our spring sale starts today: 20% off everything!"),
         "https://example.com/spring", "", campaign.name if campaign else "", *(overrides.get(c, "") for c in
                                                                                header[len(BASE_COLUMNS):])],
        [today + timedelta(days=8), time(14, 0), both, _("Last chance: the spring sale ends on Sunday."),
         "", "", "", *("" for _c in header[len(BASE_COLUMNS):])],
    ]
    return header, rows


def _zone(workspace: Workspace) -> Any:
    from scheduler.views_pages import workspace_zone

    return workspace_zone(workspace)


def _text(value: Any) -> str:
    if isinstance(value, time):
        return value.strftime("%H:%M")
    return value.isoformat() if hasattr(value, "isoformat") else str(value)


def sample_csv(workspace: Workspace) -> bytes:
    """UTF-8 with a BOM: without it, Excel opens the file as Windows-1252 and garbles the emoji."""
    header, rows = sample_table(workspace)
    out = io.StringIO(newline="")
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows([[_text(value) for value in row] for row in rows])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def sample_xlsx(workspace: Workspace) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    header, rows = sample_table(workspace)
    book = Workbook()
    sheet = book.active
    sheet.title = _("Posts")[:31]
    sheet.append(header)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append(row)  # real date and time cells, as a spreadsheet user would type them
    for cell in sheet["A"][1:]:
        cell.number_format = "yyyy-mm-dd"
    for cell in sheet["B"][1:]:
        cell.number_format = "hh:mm"
    sheet.column_dimensions["C"].width = 36
    sheet.column_dimensions["D"].width = 60
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
