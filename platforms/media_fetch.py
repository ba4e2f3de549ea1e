"""Reading one of our media files (its signed SMO URL) into memory before an adapter uploads it.

Every adapter that sends bytes rather than a URL needs the same care: the file is read in chunks and refused as
soon as it passes the platform's limit (a missing or lying Content-Length must not fill the worker's memory), an
unreadable file says whether trying again can help, and an empty one is refused. Errors are the adapters' own
classes, worded with the platform's name.
"""

from __future__ import annotations

import requests

from platforms.errors import ContentRejected, TransientError
from platforms.http import build_session
from platforms.types import MediaItem

CHUNK_BYTES = 256 * 1024


def readable_size(limit: int) -> str:
    """A byte limit as people read it: 16 MB, 2 GB (binary units, as the platforms mean them)."""
    gib = 1024 ** 3
    return f"{limit / gib:g} GB" if limit >= gib else f"{max(1, limit // 1024 ** 2)} MB"


def fetch_media(item: MediaItem, platform: str, name: str, limit: int, *, kind: str = "") -> bytes:
    """The file's bytes, refusing anything over `limit` bytes; `platform` picks the HTTP seam's session and
    `kind` names the file in messages when the MIME type does not (a LinkedIn document)."""
    kind = kind or item.kind
    session = build_session(platform)
    try:
        with session.get(item.url, stream=True) as response:
            if response.status_code >= 400:
                error = TransientError if response.status_code >= 500 else ContentRejected
                raise error(f"SMO could not read the media file to send to {name} (HTTP {response.status_code}).",
                            platform_code="media-fetch")
            declared = response.headers.get("Content-Length", "")
            if declared.isdigit() and int(declared) > limit:
                raise _too_big(kind, name, limit)
            data = _read_limited(response, kind, name, limit)
    except requests.RequestException:
        raise TransientError(f"SMO could not download the media file to send to {name}; it will be retried.",
                             platform_code="media-fetch") from None
    finally:
        session.close()
    if not data:
        raise ContentRejected(f"The media file is empty; {name} cannot show it.", platform_code="media-empty")
    return data


def _read_limited(response: requests.Response, kind: str, name: str, limit: int) -> bytes:
    chunks, total = [], 0
    for chunk in response.iter_content(CHUNK_BYTES):
        total += len(chunk)
        if total > limit:
            raise _too_big(kind, name, limit)
        chunks.append(chunk)
    return b"".join(chunks)


def _too_big(kind: str, name: str, limit: int) -> ContentRejected:
    article = "an" if kind[:1] in ("a", "e", "i", "o", "u") else "a"
    return ContentRejected(f"{name} accepts {article} {kind} of at most {readable_size(limit)}; this file is larger.",
                           platform_code="media-size")
