"""The resumable upload (reference §5.2), one step per publish() call, so a crash loses at most one chunk.

1. No session yet: open one (POST, ``Location`` = session URI) and raise NotReady at once, so the engine
   stores the session URI in ``Delivery.progress`` before a single byte is sent.
2. Every later call first asks the session how much it holds (``Content-Range: bytes */<total>``):
   308 with ``Range`` -> resume after it; 200/201 -> the video exists (the previous call's answer was lost);
   404/410 -> the session expired without a video, so a new one is opened.
3. Then it sends the next chunk and raises NotReady with the new offset, until the last chunk's 200/201.

Whatever happens, one session URI can make at most one video: that is why a crashed upload may resume.
"""

from __future__ import annotations

import re
from typing import Any

from django.conf import settings

from platforms.errors import NotReady, OutcomeUnknown, TransientError
from platforms.types import PublishRequest
from platforms.youtube import media
from platforms.youtube.client import INSERT_VIDEO_UNITS, UPLOAD_API, Connection
from platforms.youtube.text import metadata

QUANTUM = 256 * 1024  # every chunk but the last is a multiple of this
DEFAULT_CHUNK_BYTES = 8 * 1024 * 1024
SESSION_GONE = (404, 410)
_RANGE = re.compile(r"^bytes=0-(\d+)$")


def chunk_bytes() -> int:
    wanted = int(getattr(settings, "YOUTUBE_UPLOAD_CHUNK_BYTES", DEFAULT_CHUNK_BYTES) or DEFAULT_CHUNK_BYTES)
    return max(QUANTUM, wanted - wanted % QUANTUM)


def step(conn: Connection, request: PublishRequest) -> dict[str, Any]:
    """Advance the upload by one step; returns the video resource once YouTube has the whole file."""
    progress = dict(request.progress)
    if not progress.get("upload_url"):
        _open_and_wait(conn, request)
    total = int(progress["total"])
    done, offset = _probe(conn, progress["upload_url"], total)
    if done is not None:
        return done
    if offset is None:  # the session expired before the file was complete: nothing exists, start over
        _open_and_wait(conn, request, note="YouTube's upload session expired; SMO started a new one.")
    data = media.read_range(media.video(request), offset, min(chunk_bytes(), total - offset))
    if not data:
        raise TransientError("The video file is shorter than when the upload started; it will be retried.",
                             platform_code="media-fetch")
    done, received = _send_chunk(conn, progress, offset, data, total)
    if done is not None:
        return done
    raise NotReady(f"YouTube has {received} of {total} bytes; SMO sends the next part.",
                   progress={**progress, "offset": received}, check_after_s=1.0, platform_code="uploading")


def _open_and_wait(conn: Connection, request: PublishRequest, note: str = "") -> None:
    item = media.video(request)
    total = media.size_of(item)
    response = conn.call(
        "POST", f"{UPLOAD_API}/videos", units=INSERT_VIDEO_UNITS,
        params={"uploadType": "resumable", "part": "snippet,status"}, json=metadata(request),
        headers={"X-Upload-Content-Length": str(total), "X-Upload-Content-Type": item.mime_type},
    )
    location = response.headers.get("Location", "")
    if not location:
        raise TransientError("YouTube opened no upload session (no Location); it will be retried.",
                             platform_code="no_session")
    progress = {"upload_url": location, "total": total, "offset": 0, "mime": item.mime_type}
    raise NotReady(note or "YouTube upload session opened; SMO starts sending the video.", progress=progress,
                   check_after_s=1.0, platform_code="upload_session")


def _probe(conn: Connection, url: str, total: int) -> tuple[dict[str, Any] | None, int | None]:
    """(video, None) when complete, (None, offset) to resume, (None, None) when the session is gone."""
    response = conn.call("PUT", url, units=0, ok=(308, *SESSION_GONE),
                         headers={"Content-Range": f"bytes */{total}", "Content-Length": "0"})
    if response.status_code in SESSION_GONE:
        return None, None
    if response.status_code == 308:
        return None, _received(response.headers.get("Range", ""))
    return _video(response), None


def _send_chunk(conn: Connection, progress: dict[str, Any], offset: int, data: bytes,
                total: int) -> tuple[dict[str, Any] | None, int]:
    last = offset + len(data) - 1
    final = last + 1 >= total
    headers = {"Content-Range": f"bytes {offset}-{last}/{total}", "Content-Type": str(progress.get("mime") or "")}
    try:
        response = conn.call("PUT", progress["upload_url"], units=0, create=final, ok=(308,), data=data,
                             headers=headers)
    except OutcomeUnknown as exc:
        exc.message = ("The connection to YouTube was cut while the last part of the video was sent; the video "
                       "may or may not exist. SMO will check the channel's uploads, or resume the upload.")
        exc.args = (exc.message,)
        raise
    except TransientError as exc:
        if not final:  # a missing middle part is found by the next call's probe and sent again
            exc.message = f"{exc.message} The upload resumes where YouTube stopped."
            exc.args = (exc.message,)
        raise
    if response.status_code == 308:
        return None, _received(response.headers.get("Range", ""))
    return _video(response), total


def _received(range_header: str) -> int:
    """How many bytes the session holds: ``Range: bytes=0-N`` means N+1; no header means none."""
    match = _RANGE.match(range_header.strip())
    return int(match[1]) + 1 if match else 0


def _video(response: Any) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        body = None
    if not isinstance(body, dict) or not body.get("id"):
        raise OutcomeUnknown("YouTube finished the upload but returned no video id; SMO will check the channel's "
                             "uploads.", platform_code="no_id")
    return body
