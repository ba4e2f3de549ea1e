"""Make stranger-written text storable: pure functions, no Django.

Platforms hand us whatever their users typed. PostgreSQL refuses NUL characters in text, UTF-8
cannot encode lone surrogates (a JSON "\\ud800" escape parses to one), and a 1 MB comment would bloat
every inbox page. Nothing here escapes HTML: text stays text, and templates escape it when shown.
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict
from datetime import datetime
from typing import Any

from platforms.types import InboxEntry

TEXT_MAX_CHARS = 20_000  # well above every platform's own comment/DM limit (Facebook: 8,000)
RAW_MAX_BYTES = 8 * 1024
TRUNCATION_MARKER = "… [truncated by SMO: {n} more characters]"
# C0 controls other than tab, newline and carriage return: invisible, and NUL breaks PostgreSQL.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def clean_text(value: Any, limit: int = TEXT_MAX_CHARS) -> str:
    """A storable string: lone surrogates become U+FFFD, control characters go, overlong text is cut
    with a marker saying how much was dropped."""
    if not isinstance(value, str):
        value = "" if value is None else str(value)
    # Round-trip through UTF-16 so a valid surrogate pair becomes one character and a lone one U+FFFD.
    value = value.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")
    value = _CONTROL.sub("", value)
    if len(value) <= limit:
        return value
    kept = max(limit - len(TRUNCATION_MARKER) - 12, 0)
    return value[:kept] + TRUNCATION_MARKER.format(n=len(value) - kept)


def clean_field(value: Any, limit: int) -> str:
    """A short one-line field (names, handles, ids): cleaned, newlines flattened, hard-cut."""
    return clean_text(value, limit * 4).replace("\r", " ").replace("\n", " ")[:limit]


def clean_url(value: Any, limit: int = 1000) -> str:
    """Only absolute http(s) URLs survive: a platform could hand us javascript: or data: links."""
    url = clean_field(value, limit * 2).strip()
    if not url.lower().startswith(("https://", "http://")) or len(url) > limit or any(c.isspace() for c in url):
        return ""
    return url


def raw_record(entry: InboxEntry, source: str) -> dict[str, Any]:
    """The entry as reported, for support staff; replaced by a note when it is too big to keep."""
    # The text itself is stored (cleaned) in its own column; keeping it twice would double the row.
    data = {k: (v.isoformat() if isinstance(v, datetime) else v) for k, v in asdict(entry).items() if k != "text"}
    data["source"] = source
    encoded = json.dumps(data, ensure_ascii=True, default=str)
    if len(encoded) > RAW_MAX_BYTES:
        data = {"source": source, "omitted": f"{len(encoded)} bytes, over {RAW_MAX_BYTES}"}
    # JSON with ASCII escapes may still carry lone surrogates back in: clean every string value.
    return {key: clean_text(value) if isinstance(value, str) else value for key, value in data.items()}
