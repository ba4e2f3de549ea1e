"""Mastodon media: `POST /api/v2/media` (file + alt text) answers 200 when processed or 202 with
`url: null` while it processes; `GET /api/v1/media/:id` answers 206 until ready, then 200.

Uploaded ids travel in NotReady.progress so a later publish() never uploads a file twice.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from platforms.errors import NotReady, TransientError
from platforms.mastodon.client import Connection
from platforms.media_fetch import fetch_media
from platforms.types import MediaItem, PublishRequest

MAX_ATTACHMENTS = 4
MIB = 1024 * 1024
# Mastodon 4.x defaults (instances may differ): images 16 MB, videos and GIFs 99 MB.
MAX_BYTES = {"image": 16 * MIB, "gif": 99 * MIB, "video": 99 * MIB}
MAX_ALT_TEXT = 1500
CHECK_AFTER_S = 5.0


def problems(media: tuple[MediaItem, ...]) -> list[str]:
    found = []
    if len(media) > MAX_ATTACHMENTS:
        found.append(_("Mastodon allows at most %(limit)d attachments; this post has %(count)d.")
                     % {"limit": MAX_ATTACHMENTS, "count": len(media)})
    if any(item.kind in ("video", "gif") for item in media) and len(media) > 1:
        found.append(_("Mastodon does not mix a video or GIF with other attachments; post it on its own."))
    for number, item in enumerate(media, start=1):
        if item.size_bytes and item.size_bytes > MAX_BYTES[item.kind]:
            found.append(_("Mastodon accepts a %(kind)s of at most %(mb)d MB; attachment %(number)d is larger.")
                         % {"kind": item.kind, "mb": MAX_BYTES[item.kind] // MIB, "number": number})
        if len(item.alt_text) > MAX_ALT_TEXT:
            found.append(_("Mastodon allows %(limit)d characters of alt text; attachment %(number)d has more.")
                         % {"limit": MAX_ALT_TEXT, "number": number})
    return found


def prepare(conn: Connection, request: PublishRequest) -> list[str]:
    """Media ids ready to attach, uploading what earlier calls did not; NotReady while any processes."""
    states: list[dict[str, Any]] = list((request.progress or {}).get("media") or [])
    if len(states) != len(request.media):
        states = [_upload(conn, item) for item in request.media]
    else:
        states = [state if state.get("ready") else _checked(conn, state) for state in states]
    if not all(state["ready"] for state in states):
        raise NotReady("Mastodon is still processing the media; SMO will check again shortly.",
                       progress={"media": states}, check_after_s=CHECK_AFTER_S)
    return [state["id"] for state in states]


def _upload(conn: Connection, item: MediaItem) -> dict[str, Any]:
    data = fetch(item)
    files = {"file": ("upload", data, item.mime_type or "application/octet-stream")}
    response = conn.call("POST", "/api/v2/media", files=files, data={"description": item.alt_text})
    body = response.json()
    media_id = str(body.get("id") or "")
    if not media_id:
        raise TransientError("Mastodon accepted the media but returned no id; it will be uploaded again.",
                             platform_code="media-id")
    # 202 with url null: still processing. Nothing is visible until a status uses it, so retrying is safe.
    return {"id": media_id, "ready": response.status_code == 200 and bool(body.get("url"))}


def _checked(conn: Connection, state: dict[str, Any]) -> dict[str, Any]:
    response = conn.call("GET", f"/api/v1/media/{state['id']}")
    return {"id": state["id"], "ready": response.status_code == 200}


def fetch(item: MediaItem) -> bytes:
    """The file's bytes from its (signed SMO) URL, refusing anything over Mastodon's size for its kind."""
    return fetch_media(item, "mastodon", "Mastodon", MAX_BYTES[item.kind])
