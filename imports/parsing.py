"""Reading an uploaded CSV or XLSX file into rows of named cells. No database access here.

CSV: UTF-8 (with or without BOM, the way Excel's "CSV UTF-8" writes it) or UTF-16 with BOM (Excel's
"Unicode text"); anything else is read as Windows-1252 with a warning, since that is what Excel on a
Western-European Windows saves as plain "CSV". The delimiter (comma, semicolon or tab) is taken from the
header line, which we know the words of, rather than guessed from the data. Blank lines are skipped but
still counted, so row numbers match what a spreadsheet shows (the header is row 1).
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any

from django.conf import settings
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from platforms.registry import platform_keys

DEFAULT_MAX_ROWS = 50_000  # the issue asks for no cap below 10,000; a dry run of this many takes seconds
DEFAULT_MAX_BYTES = 20 * 1024 * 1024
MAX_COLUMNS = 60
DELIMITERS = (",", ";", "\t")
TIME_COLUMNS = ("date", "time", "datetime")
COLUMNS = ("date", "time", "datetime", "channels", "text", "link", "media", "campaign")
OVERRIDE_PREFIX = "text_"
# Other words people put in a header for the same column (English and German spreadsheets).
ALIASES = {
    "channel": "channels", "kanal": "channels", "kanäle": "channels", "kanaele": "channels",
    "date_time": "datetime", "publish_at": "datetime", "when": "datetime", "zeitpunkt": "datetime",
    "datum": "date", "uhrzeit": "time", "zeit": "time",
    "url": "link", "message": "text", "content": "text", "kampagne": "campaign",
    "medien": "media", "media_ids": "media",
}
_QUOTED = re.compile(r'"[^"]*"')


class FileError(ValueError):
    """The file as a whole cannot be imported; `message` says why in words the user can act on."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Row:
    number: int  # as a spreadsheet numbers it: the header is row 1
    cells: dict[str, Any]  # canonical column -> str, or a date/time/datetime/number from an XLSX time cell
    overflow: bool = False  # non-empty values beyond the header's last column


@dataclass
class ParsedFile:
    format: str
    columns: list[str]
    rows: list[Row] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def max_rows() -> int:
    return int(getattr(settings, "IMPORT_MAX_ROWS", DEFAULT_MAX_ROWS))


def max_bytes() -> int:
    return int(getattr(settings, "IMPORT_MAX_BYTES", DEFAULT_MAX_BYTES))


def detect_format(filename: str, data: bytes) -> str:
    name = filename.lower()
    if data.startswith(b"PK\x03\x04") or name.endswith(".xlsx"):
        return "xlsx"
    if name.endswith(".xls") or data.startswith(b"\xd0\xcf\x11\xe0"):
        raise FileError(_("Old Excel files (.xls) cannot be read. Save the sheet as .xlsx or as CSV UTF-8."))
    return "csv"


def parse_upload(filename: str, data: bytes) -> ParsedFile:
    """The file's rows, or FileError when it is empty, too big, unreadable or lacks required columns."""
    if len(data) > max_bytes():
        raise FileError(_("The file is %(size)s MB; at most %(limit)s MB can be imported at once. Split it "
                          "into smaller files.") % {"size": megabytes(len(data)), "limit": megabytes(max_bytes())})
    if not data.strip():
        raise FileError(_("The file is empty."))
    if detect_format(filename, data) == "xlsx":
        return _rows_to_file("xlsx", _xlsx_records(data), [])
    text, warnings = decode(data)
    return _rows_to_file("csv", _csv_records(text), warnings)


def megabytes(size: int) -> str:
    """1.5 for 1.5 MB, 20 for 20 MB: a number for messages."""
    return f"{size / (1024 * 1024):.1f}".removesuffix(".0")


# -- CSV ------------------------------------------------------------------------------------------


def decode(data: bytes) -> tuple[str, list[str]]:
    if data.startswith(codecs.BOM_UTF8):
        return _strict(data[len(codecs.BOM_UTF8):], "utf-8"), []
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return _strict(data, "utf-16"), []
    try:
        return data.decode("utf-8"), []
    except UnicodeDecodeError:
        pass
    try:
        text = data.decode("cp1252")
    except UnicodeDecodeError:  # five byte values cp1252 leaves undefined; Latin-1 maps every byte
        text = data.decode("latin-1")
    return text, [_("The file is not UTF-8, so it was read as Windows-1252 (Western European). If letters "
                    "look wrong below, save it from your spreadsheet as “CSV UTF-8” and upload it again.")]


def _strict(data: bytes, encoding: str) -> str:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError:
        raise FileError(_("The file says it is %(encoding)s but contains bytes that are not; save it again "
                          "as “CSV UTF-8”.") % {"encoding": encoding.upper()}) from None


def sniff_delimiter(text: str) -> str:
    """The delimiter of the header line: whichever of , ; tab it holds most of (comma on a tie)."""
    header = next((line for line in text.splitlines() if line.strip()), "")
    bare = _QUOTED.sub("", header)
    counts = {delimiter: bare.count(delimiter) for delimiter in DELIMITERS}
    best = max(DELIMITERS, key=lambda d: (counts[d], d == ","))
    return best if counts[best] else ","


def _csv_records(text: str) -> Any:
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=sniff_delimiter(text))
    number = 0
    try:
        for number, record in enumerate(reader, start=1):  # noqa: B007 - number is reported on failure
            yield number, record
    except csv.Error as exc:
        raise FileError(_("Row %(row)d cannot be read as CSV (%(reason)s). Check its quotes.")
                        % {"row": number + 1, "reason": exc}) from None


# -- XLSX -----------------------------------------------------------------------------------------


def _xlsx_records(data: bytes) -> Any:
    from openpyxl import load_workbook  # imported here: only XLSX uploads need it
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError):
        raise FileError(_("The file is not a readable XLSX workbook. Save it again from your spreadsheet as "
                          ".xlsx or as CSV UTF-8.")) from None
    try:
        sheet = book.worksheets[0]
        for number, values in enumerate(sheet.iter_rows(values_only=True, max_col=MAX_COLUMNS), start=1):
            yield number, list(values)
    finally:
        book.close()


def cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # ids typed into a number cell come back as 12.0
    if isinstance(value, datetime | date | time):
        return value.isoformat(sep=" ") if isinstance(value, datetime) else value.isoformat()
    return str(value).strip()


# -- shared ---------------------------------------------------------------------------------------


def normalise_header(name: Any) -> str:
    key = cell_text(name).lstrip("\ufeff").strip().casefold()
    key = re.sub(r"[\s\-]+", "_", key)
    return ALIASES.get(key, key)


def _header(values: list[Any]) -> tuple[list[str], list[str]]:
    """(canonical column per position, "" for ignored ones; warnings)."""
    overrides = {OVERRIDE_PREFIX + key for key in platform_keys()}
    columns, ignored, seen = [], [], set()
    for value in values:
        key = normalise_header(value)
        if key in seen and key:
            raise FileError(_("The column “%(name)s” appears twice in the header.") % {"name": key})
        seen.add(key)
        known = key in COLUMNS or key in overrides
        columns.append(key if known else "")
        if key and not known:
            ignored.append(cell_text(value))
    warnings = [_("These columns are not used and were ignored: %(names)s.") % {"names": ", ".join(ignored)}
                ] if ignored else []
    return columns, warnings


def _check_columns(columns: list[str]) -> None:
    present = set(columns)
    missing = [name for name in ("channels",) if name not in present]
    if "datetime" not in present:
        missing += [name for name in ("date", "time") if name not in present]
    if not present & ({"text"} | {c for c in present if c.startswith(OVERRIDE_PREFIX)}):
        missing.append("text")
    if missing:
        raise FileError(ngettext(
            "The header row lacks the column %(names)s. Download the template to see the expected columns.",
            "The header row lacks the columns %(names)s. Download the template to see the expected columns.",
            len(missing)) % {"names": ", ".join(missing)})


def _blank(values: list[Any]) -> bool:
    return all(v is None or (isinstance(v, str) and not v.strip()) for v in values)


def _make_row(number: int, columns: list[str], values: list[Any]) -> Row:
    cells: dict[str, Any] = {}
    for column, value in zip(columns, values, strict=False):
        if not column:
            continue
        keep = column in TIME_COLUMNS and isinstance(value, datetime | date | time | int | float)
        cells[column] = value if keep and not isinstance(value, bool) else cell_text(value)
    overflow = len(values) > len(columns) and not _blank(values[len(columns):])
    return Row(number, cells, overflow)


def _rows_to_file(kind: str, records: Any, warnings: list[str]) -> ParsedFile:
    columns: list[str] | None = None
    parsed = ParsedFile(kind, [], warnings=list(warnings))
    limit = max_rows()
    for number, values in records:
        if _blank(values):
            continue
        if columns is None:
            columns, notes = _header(values)
            _check_columns(columns)
            parsed.columns, parsed.warnings = [c for c in columns if c], parsed.warnings + notes
            continue
        if len(parsed.rows) >= limit:
            raise FileError(_("The file has more than %(limit)s rows; at most %(limit)s can be imported at once. "
                              "Split it into smaller files.") % {"limit": number_format(limit, force_grouping=True)})
        parsed.rows.append(_make_row(number, columns, values))
    if columns is None:
        raise FileError(_("The file is empty."))
    if not parsed.rows:
        raise FileError(_("The file has a header row but no rows to import."))
    return parsed


def display_values(row: Row) -> dict[str, str]:
    return {key: cell_text(value) for key, value in row.cells.items()}


def known_columns(parsed: ParsedFile) -> list[str]:
    """The file's columns in the template's order, overrides last: the result table's headings."""
    return [c for c in COLUMNS if c in parsed.columns] + [c for c in parsed.columns if c not in COLUMNS]
