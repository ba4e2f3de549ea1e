"""Pinterest media sources for `POST /v5/pins`, and the video flow (reference §6):

`POST /v5/media {"media_type": "video"}` -> `{media_id, upload_url, upload_parameters}`; a multipart POST
of every upload parameter plus `file` to `upload_url` (an S3 bucket: no Pinterest token goes there);
`GET /v5/media/{id}` -> `registered | processing | succeeded | failed`. While Pinterest processes, publish()
raises NotReady carrying the media id, so the next call only reads the status and never uploads twice.
Nothing is visible on Pinterest until a Pin uses the media, so registering and uploading are not creates.
"""

from __future__ import annotations

from typing import Any

import requests

from platforms.errors import ContentRejected, NotReady, TransientError
from platforms.http import build_session
from platforms.media_fetch import fetch_media
from platforms.pinterest import text
from platforms.pinterest.client import Connection
from platforms.types import MediaItem, PublishRequest

CHECK_AFTER_S = 5.0
WAITING = ("registered", "processing")
CHUNK = 64 * 1024


def media_source(conn: Connection, request: PublishRequest) -> dict[str, Any]:
    """The `media_source` object for the Pin; NotReady while a video is still being processed."""
    videos, images = text.videos(request), text.images(request)
    if videos:
        source: dict[str, Any] = {"source_type": "video_id", "media_id": ready_video(conn, request, videos[0])}
        if images:
            source["cover_image_url"] = images[0].url
        else:
            source["cover_image_key_frame_time"] = 0  # the first frame, when no cover image was given
        return source
    if len(images) == 1:
        return {"source_type": "image_url", "url": images[0].url}
    return {"source_type": "multiple_image_urls", "items": [_carousel_item(request, item) for item in images]}


def _carousel_item(request: PublishRequest, item: MediaItem) -> dict[str, str]:
    entry = {"url": item.url, "title": text.title(request), "description": text.description(request)[:500]}
    if request.link.strip():
        entry["link"] = request.link.strip()
    return {key: value for key, value in entry.items() if value or key == "url"}


def ready_video(conn: Connection, request: PublishRequest, item: MediaItem) -> str:
    media_id = str((request.progress or {}).get("media_id") or "")
    if not media_id:
        media_id = _register_and_upload(conn, item)
    status, reason = _status(conn, media_id)
    if status == "succeeded":
        return media_id
    if status == "failed":
        raise ContentRejected(f"Pinterest could not process the video ({reason or 'no reason given'}). Check that "
                              "it is an MP4 or MOV of 4 seconds to 15 minutes.", platform_code="media_failed")
    if status in WAITING:
        raise NotReady("Pinterest is still processing the video; nothing is pinned yet. SMO checks again in a few "
                       "seconds.", progress={"media_id": media_id}, check_after_s=CHECK_AFTER_S,
                       platform_code="media_processing")
    raise TransientError(f"Pinterest answered the video status check with {status or 'nothing'!r}; nothing was "
                         "pinned, it will be retried.", platform_code="media_status")


def _register_and_upload(conn: Connection, item: MediaItem) -> str:
    registered = conn.json("POST", "/media", json={"media_type": "video"})
    media_id = str(registered.get("media_id") or "") if isinstance(registered, dict) else ""
    upload_url = str(registered.get("upload_url") or "") if isinstance(registered, dict) else ""
    if not media_id or not upload_url.startswith(("https://", "http://")):
        raise TransientError("Pinterest registered the video without an upload address; it will be retried.",
                             platform_code="media_register")
    fields = {str(k): str(v) for k, v in (registered.get("upload_parameters") or {}).items()}
    _upload(upload_url, fields, fetch(item), item.mime_type or "video/mp4")
    return media_id


def _upload(url: str, fields: dict[str, str], data: bytes, mime_type: str) -> None:
    session = build_session("pinterest")
    try:
        # The signed form fields must come before the file: S3 ignores everything after `file`.
        response = session.post(url, data=fields, files={"file": ("video", data, mime_type)})
    except requests.RequestException:
        raise TransientError("The video upload to Pinterest failed; nothing was pinned, it will be retried.",
                             platform_code="media_upload") from None
    finally:
        session.close()
    if response.status_code >= 400:
        raise TransientError(f"Pinterest's upload storage refused the video (HTTP {response.status_code}); "
                             "nothing was pinned, it will be retried.", platform_code="media_upload")


def _status(conn: Connection, media_id: str) -> tuple[str, str]:
    answer = conn.json("GET", f"/media/{media_id}")
    if not isinstance(answer, dict):
        return "", ""
    return str(answer.get("status") or "").lower(), str(answer.get("failure_reason") or "")[:300]


def fetch(item: MediaItem) -> bytes:
    """The video's bytes from its (signed SMO) URL, refusing anything over Pinterest's size limit."""
    return fetch_media(item, "pinterest", "Pinterest", text.MAX_VIDEO_BYTES)
