"""The Content Posting API steps: creator info, init, chunked upload, status polls (reference §7).

publish() goes as far as it can and raises NotReady with the publish_id while TikTok processes; the
engine calls again with `request.progress`, which only uploads what is missing and polls, so a delivery
never inits twice. After init, failures of reads and uploads keep the publish_id (NotReady) instead of
letting the engine start over; TikTok's status says how many bytes it already has.
"""

from __future__ import annotations

from typing import Any

import requests
from django.conf import settings

from platforms.errors import (
    AuthExpired,
    ContentRejected,
    NotReady,
    OutcomeUnknown,
    PlatformError,
    RateLimited,
    TransientError,
)
from platforms.http import build_session
from platforms.tiktok.client import Connection
from platforms.tiktok.text import compose
from platforms.tiktok.translate import failed_post
from platforms.types import MediaItem, PublishRequest

MIB = 1024 * 1024
SMALL_UPLOAD = 5 * MIB  # below this TikTok takes the file in one piece
CHUNK_BYTES = 10 * MIB  # inside TikTok's 5-64 MB per chunk; the last chunk takes the remainder (up to 128 MB)
MAX_VIDEO_BYTES = 4 * 1024 * MIB
CHECK_AFTER_S = 5.0
PROCESSING = ("PROCESSING_UPLOAD", "PROCESSING_DOWNLOAD", "SEND_TO_USER_INBOX")


def video_source() -> str:
    """FILE_UPLOAD (default: SMO sends the bytes) or PULL_FROM_URL (TikTok fetches SMO's media URL,
    which must be on a domain verified in TikTok's developer portal)."""
    chosen = str(getattr(settings, "TIKTOK_VIDEO_SOURCE", "FILE_UPLOAD") or "FILE_UPLOAD").upper()
    return chosen if chosen in ("FILE_UPLOAD", "PULL_FROM_URL") else "FILE_UPLOAD"


def chunk_plan(size: int) -> tuple[int, int]:
    """(chunk_size, total_chunk_count) by TikTok's media transfer rules: count = floor(size / chunk)."""
    if size < SMALL_UPLOAD or size <= CHUNK_BYTES:
        return size, 1
    return CHUNK_BYTES, size // CHUNK_BYTES


def chunk_bounds(size: int, chunk_size: int, count: int, index: int) -> tuple[int, int]:
    first = index * chunk_size
    return first, size if index == count - 1 else first + chunk_size


def creator_info(conn: Connection) -> dict[str, Any]:
    return conn.call("POST", "/v2/post/publish/creator_info/query/", json={})


def post_info(request: PublishRequest, info: dict[str, Any]) -> dict[str, Any]:
    opts = request.options
    body: dict[str, Any] = {
        "privacy_level": str(opts.get("privacy_level") or ""),
        # A creator who turned comments off on TikTok cannot have them on through SMO.
        "disable_comment": bool(opts.get("disable_comment")) or bool(info.get("comment_disabled")),
        "brand_content_toggle": bool(opts.get("brand_content_toggle")),
        "brand_organic_toggle": bool(opts.get("brand_organic_toggle")),
    }
    if request.media and request.media[0].kind == "video":
        body.update(title=compose(request), disable_duet=bool(opts.get("disable_duet")) or bool(
            info.get("duet_disabled")), disable_stitch=bool(opts.get("disable_stitch")) or bool(
            info.get("stitch_disabled")))
    else:
        body.update(title=str(opts.get("title") or ""), description=compose(request), auto_add_music=True)
    return body


def init(conn: Connection, request: PublishRequest, info: dict[str, Any], size: int) -> dict[str, Any]:
    """The create: returns the progress to keep (publish_id, and the upload plan for FILE_UPLOAD)."""
    if request.media[0].kind != "video":
        body = {"post_info": post_info(request, info), "media_type": "PHOTO", "post_mode": "DIRECT_POST",
                "source_info": {"source": "PULL_FROM_URL", "photo_cover_index": 0,
                                "photo_images": [item.url for item in request.media]}}
        data = conn.call("POST", "/v2/post/publish/content/init/", create=True, json=body)
        return {"publish_id": _publish_id(data), "upload_url": "", "uploaded": True}
    if video_source() == "PULL_FROM_URL":
        source = {"source": "PULL_FROM_URL", "video_url": request.media[0].url}
    else:
        chunk_size, count = chunk_plan(size)
        source = {"source": "FILE_UPLOAD", "video_size": size, "chunk_size": chunk_size, "total_chunk_count": count}
    data = conn.call("POST", "/v2/post/publish/video/init/", create=True,
                     json={"post_info": post_info(request, info), "source_info": source})
    progress = {"publish_id": _publish_id(data), "upload_url": str(data.get("upload_url") or ""),
                "uploaded": source["source"] == "PULL_FROM_URL"}
    if not progress["uploaded"]:
        progress.update(video_size=size, chunk_size=source["chunk_size"], chunks=source["total_chunk_count"])
    return progress


def _publish_id(data: dict[str, Any]) -> str:
    if not data.get("publish_id"):
        raise OutcomeUnknown("TikTok accepted the post but returned no publish id; SMO will check the account.",
                             platform_code="publish_id")
    return str(data["publish_id"])


def upload(conn: Connection, progress: dict[str, Any], data: bytes, mime_type: str, start_byte: int) -> None:
    """PUT the chunks from the one holding `start_byte` on, in order."""
    size, chunk_size, count = int(progress["video_size"]), int(progress["chunk_size"]), int(progress["chunks"])
    if len(data) != size:
        raise ContentRejected("The video file changed after TikTok was told its size; schedule the post again.",
                              platform_code="size_changed")
    for index in range(min(start_byte // max(chunk_size, 1), count - 1), count):
        first, end = chunk_bounds(size, chunk_size, count, index)
        try:
            conn.put_chunk(progress["upload_url"], data[first:end], first, size, mime_type or "video/mp4")
        except (TransientError, RateLimited) as exc:
            raise waiting(progress, "TikTok's upload was interrupted; SMO continues it shortly.") from exc
    progress["uploaded"] = True


def status(conn: Connection, progress: dict[str, Any]) -> dict[str, Any]:
    """One status read. Problems reading it keep the publish_id: the post exists or is being made."""
    try:
        return conn.call("POST", "/v2/post/publish/status/fetch/", json={"publish_id": progress["publish_id"]})
    except (TransientError, RateLimited) as exc:
        raise waiting(progress, "TikTok did not answer the status check; SMO asks again shortly.") from exc
    except AuthExpired as exc:
        raise OutcomeUnknown("TikTok took the post, then stopped accepting the account's token before SMO could "
                             "confirm it; SMO will check the account once it is reconnected.",
                             platform_code=exc.platform_code) from exc


def settle(answer: dict[str, Any], progress: dict[str, Any]) -> list[str]:
    """The public post ids once PUBLISH_COMPLETE; raises while processing or when TikTok failed it."""
    state = str(answer.get("status") or "")
    if state == "FAILED":
        raise failed_post(str(answer.get("fail_reason") or ""))
    if state in PROCESSING:
        raise waiting(progress, "TikTok is still processing the post; nothing is visible yet. SMO checks again "
                                "shortly.")
    if state != "PUBLISH_COMPLETE":
        raise waiting(progress, f"TikTok answered the status check with {state or 'nothing'!r}; SMO asks again.")
    ids = answer.get("publicaly_available_post_id") or []  # sic: TikTok's spelling
    return [str(i) for i in ids] if isinstance(ids, list) else [str(ids)]


def waiting(progress: dict[str, Any], message: str) -> NotReady:
    return NotReady(message, progress=dict(progress), check_after_s=CHECK_AFTER_S, platform_code="tiktok_processing")


def fetch(item: MediaItem) -> bytes:
    """The video's bytes from its (signed SMO) URL, refusing anything over TikTok's 4 GB."""
    session = build_session("tiktok")
    try:
        with session.get(item.url, stream=True) as response:
            if response.status_code >= 400:
                error: type[PlatformError] = TransientError if response.status_code >= 500 else ContentRejected
                raise error(f"SMO could not read the video to send to TikTok (HTTP {response.status_code}).",
                            platform_code="media-fetch")
            chunks, total = [], 0
            for chunk in response.iter_content(1024 * 1024):
                total += len(chunk)
                if total > MAX_VIDEO_BYTES:
                    raise ContentRejected("TikTok accepts videos of at most 4 GB; this file is larger.",
                                          platform_code="media-size")
                chunks.append(chunk)
            if not total:
                raise ContentRejected("The video file is empty; TikTok cannot show it.", platform_code="media-empty")
            return b"".join(chunks)
    except requests.RequestException:
        raise TransientError("SMO could not download the video to send to TikTok; it will be retried.",
                             platform_code="media-fetch") from None
    finally:
        session.close()
