"""The video (and optional thumbnail) of a YouTube upload: pre-flight rules and reading the bytes.

A post for YouTube carries exactly one video; a second media item that is a JPEG or PNG image becomes
the video's custom thumbnail (thumbnails.set after the upload). The video is read a chunk at a time
from SMO's media URL, so a large file never sits in a worker's memory.
"""

from __future__ import annotations

import requests
from django.utils.translation import gettext as _

from platforms.errors import ContentRejected, TransientError
from platforms.http import build_session
from platforms.types import MediaItem, PublishRequest

GIB = 1024 ** 3
MAX_VIDEO_BYTES = 256 * GIB  # YouTube's upload limit
MAX_VIDEO_SECONDS = 12 * 3600  # 12 hours; unverified channels are held to 15 minutes by YouTube itself
VIDEO_TYPES = frozenset({
    "video/mp4", "video/quicktime", "video/x-msvideo", "video/x-ms-wmv", "video/x-flv", "video/webm",
    "video/3gpp", "video/mpeg", "video/x-matroska", "video/mp2t",
})
THUMBNAIL_TYPES = frozenset({"image/jpeg", "image/png"})
MAX_THUMBNAIL_BYTES = 2 * 1024 * 1024
READ_BLOCK = 256 * 1024


def video(request: PublishRequest) -> MediaItem:
    return request.media[0]


def thumbnail(request: PublishRequest) -> MediaItem | None:
    return request.media[1] if len(request.media) > 1 else None


def problems(media: tuple[MediaItem, ...]) -> list[str]:
    if not media or media[0].kind != "video":
        return [_("YouTube needs exactly one video per post, as the first media item.")]
    found = _video_problems(media[0])
    if len(media) > 2 or any(item.kind == "video" for item in media[1:]):
        found.append(_("YouTube takes one video and at most one thumbnail image per post."))
    elif len(media) == 2:
        found += _thumbnail_problems(media[1])
    return found


def _video_problems(item: MediaItem) -> list[str]:
    found = []
    if item.mime_type not in VIDEO_TYPES:
        found.append(_("YouTube does not take %(type)s videos; use MP4, MOV, WebM, AVI, WMV, FLV, MPEG, MKV or "
                       "3GPP.") % {"type": item.mime_type})
    if item.size_bytes > MAX_VIDEO_BYTES:
        found.append(_("A YouTube video is at most 256 GB; this one is larger."))
    if item.duration_s > MAX_VIDEO_SECONDS:
        found.append(_("A YouTube video is at most 12 hours long; this one is longer."))
    return found


def _thumbnail_problems(item: MediaItem) -> list[str]:
    found = []
    if item.mime_type not in THUMBNAIL_TYPES:
        found.append(_("A YouTube thumbnail (the second media item) must be a JPEG or PNG image."))
    if item.size_bytes > MAX_THUMBNAIL_BYTES:
        found.append(_("A YouTube thumbnail is at most 2 MB; this image is larger."))
    return found


def _fail(status: int) -> Exception:
    error = TransientError if status >= 500 else ContentRejected
    return error(f"SMO could not read the media file to send to YouTube (HTTP {status}).", platform_code="media-fetch")


def read_range(item: MediaItem, start: int, length: int) -> bytes:
    """Bytes [start, start+length) of the file. Asks for a Range; a server that ignores it is read through."""
    session = build_session("youtube")
    try:
        headers = {"Range": f"bytes={start}-{start + length - 1}"}
        with session.get(item.url, stream=True, headers=headers) as response:
            if response.status_code >= 400:
                raise _fail(response.status_code)
            skip = 0 if response.status_code == 206 else start
            return _collect(response, skip, length)
    except requests.RequestException:
        raise TransientError("SMO could not download the video to send to YouTube; it will be retried.",
                             platform_code="media-fetch") from None
    finally:
        session.close()


def _collect(response: requests.Response, skip: int, length: int) -> bytes:
    chunks, kept = [], 0
    for block in response.iter_content(READ_BLOCK):
        if skip >= len(block):
            skip -= len(block)
            continue
        block, skip = block[skip:], 0
        chunks.append(block[: length - kept])
        kept += len(chunks[-1])
        if kept >= length:
            break
    return b"".join(chunks)


def size_of(item: MediaItem) -> int:
    """The file's length in bytes: known from the media row, else counted by reading it once."""
    if item.size_bytes > 0:
        return item.size_bytes
    session = build_session("youtube")
    try:
        with session.get(item.url, stream=True) as response:
            if response.status_code >= 400:
                raise _fail(response.status_code)
            total = sum(len(block) for block in response.iter_content(READ_BLOCK))
    except requests.RequestException:
        raise TransientError("SMO could not download the video to send to YouTube; it will be retried.",
                             platform_code="media-fetch") from None
    finally:
        session.close()
    if not total:
        raise ContentRejected("The video file is empty; YouTube cannot show it.", platform_code="media-empty")
    return total


def read_all(item: MediaItem, limit: int) -> bytes:
    data = read_range(item, 0, limit + 1)
    if len(data) > limit:
        raise ContentRejected("The YouTube thumbnail is larger than 2 MB.", platform_code="thumbnail-size")
    return data
