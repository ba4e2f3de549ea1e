"""YouTube's resumable upload and thumbnails.set (reference §5.2), with Google's real semantics:

- ``POST /upload/youtube/v3/videos?uploadType=resumable`` checks the metadata and opens a session
  (``Location``: the session URI on www.googleapis.com; no video exists yet);
- ``PUT <session>`` with ``Content-Range: bytes */N`` asks how much arrived: 308 with ``Range: bytes=0-M``
  (no Range when nothing did), or 200 with the video once complete; unknown sessions answer 404;
- ``PUT`` with ``bytes a-b/N`` stores a chunk: a start past what arrived is a 400, bytes already held are
  skipped, a non-final chunk keeps only whole 256 KiB blocks; the last byte creates the video (200).

``GET /youtube/_uploads`` (a sandbox page, never faulted) lists each session's probes and chunks, so
tests can prove a resumed upload never sent byte 0 twice.
"""

from __future__ import annotations

import asyncio
import re
import secrets
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from aiohttp import web

from .dialect import Handler, json_response
from .youtube_common import API_ORIGIN, UPLOAD_QUANTUM, google_error

if TYPE_CHECKING:
    from .youtube import YouTubeDialect

UPLOAD_PATH = "/upload/youtube/v3/videos"
CONTENT_RANGE = re.compile(r"^bytes (?:\*|(\d+)-(\d+))/(\d+)$")
PRIVACY = ("public", "unlisted", "private")
CATEGORIES = {"1", "2", "10", "15", "17", "19", "20", "22", "23", "24", "25", "26", "27", "28", "29"}
MAX_THUMBNAIL = 2 * 1024 * 1024


@dataclass
class Session:
    id: str
    account_id: str
    total: int
    mime: str
    meta: dict[str, Any]
    data: bytearray = field(default_factory=bytearray)
    video: dict[str, Any] | None = None
    events: list[dict[str, Any]] = field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        return {"id": self.id, "account_id": self.account_id, "total": self.total, "received": len(self.data),
                "video_id": (self.video or {}).get("id"), "events": self.events}


class YouTubeUploads:
    def __init__(self, dialect: YouTubeDialect) -> None:
        self.yt = dialect
        self.reset()

    def reset(self) -> None:
        self.sessions: dict[str, Session] = {}

    def routes(self) -> list[tuple[str, str, Handler]]:
        return [("POST", UPLOAD_PATH, self.open_session), ("PUT", UPLOAD_PATH, self.put),
                ("POST", "/upload/youtube/v3/thumbnails/set", self.set_thumbnail)]

    async def log(self, request: web.Request) -> web.Response:
        return json_response({"sessions": [s.summary() for s in self.sessions.values()]})

    async def open_session(self, request: web.Request) -> web.Response:
        account, failed = self.yt.caller(request, "insert_video")
        if failed:
            return failed
        if request.query.get("uploadType") != "resumable":
            return google_error(400, "mediaBodyRequired", "The sandbox takes uploadType=resumable uploads only.")
        try:
            meta = await request.json()
        except ValueError:
            return google_error(400, "parseError", "Parse Error")
        problem = metadata_problem(meta if isinstance(meta, dict) else {})
        if problem:
            return google_error(400, *problem)
        total = request.headers.get("X-Upload-Content-Length", "")
        if not total.isdigit() or int(total) <= 0:
            return google_error(400, "invalidValue", "X-Upload-Content-Length must be the video's size in bytes.")
        session = Session(id="ADPycd" + secrets.token_urlsafe(30), account_id=account.id, total=int(total),
                          mime=request.headers.get("X-Upload-Content-Type", "video/*"), meta=meta)
        self.sessions[session.id] = session
        location = (f"{API_ORIGIN}{UPLOAD_PATH}?uploadType=resumable&part={request.query.get('part', 'snippet')}"
                    f"&upload_id={session.id}")
        return web.Response(status=200, headers={"Location": location, "X-GUploader-UploadID": session.id})

    async def put(self, request: web.Request) -> web.Response:
        session = self.sessions.get(request.query.get("upload_id", ""))
        body = await request.read()
        if session is None:
            return google_error(404, "notFound", "The upload session does not exist or has expired.")
        match = CONTENT_RANGE.match(request.headers.get("Content-Range", "").strip())
        if match is None or int(match[3]) != session.total:
            return google_error(400, "badContent", "Failed to parse Content-Range header.")
        if match[1] is None:
            session.events.append({"kind": "probe", "received": len(session.data)})
            return self._state(session)
        start, end = int(match[1]), int(match[2])
        session.events.append({"kind": "chunk", "start": start, "end": end, "received": len(session.data)})
        if session.video is not None:
            return json_response(session.video)
        if end - start + 1 != len(body) or end >= session.total:
            return google_error(400, "badContent", "The Content-Range does not match the request body.")
        if start > len(session.data):
            return google_error(400, "badContent", f"Invalid request. According to the Content-Range header, the "
                                f"upload offset is {start} byte(s), which exceeds already uploaded size of "
                                f"{len(session.data)} byte(s).")
        self._store(session, body[len(session.data) - start:])
        if len(session.data) < session.total:
            return self._state(session)
        account = self.yt.store.accounts[self.yt.name][session.account_id]
        session.video = self.yt.add_video(account, session.meta, request["request_id"], session.total)
        hang = float(self.yt.faults.switch("youtube_drop_final_answer_s") or 0)
        if hang > 0:  # the video exists, the answer never arrives
            await asyncio.sleep(hang)
            if request.transport is not None:
                request.transport.close()
        return json_response(session.video)

    def _store(self, session: Session, fresh: bytes) -> None:
        """Append new bytes; short of the end only whole 256 KiB blocks count, as Google keeps them."""
        keep = len(session.data) + len(fresh)
        if keep < session.total:
            keep -= keep % UPLOAD_QUANTUM
        session.data.extend(fresh[: max(0, keep - len(session.data))])

    def _state(self, session: Session) -> web.Response:
        if session.video is not None:
            return json_response(session.video)
        headers = {"X-GUploader-UploadID": session.id}
        if session.data:
            headers["Range"] = f"bytes=0-{len(session.data) - 1}"
        return web.Response(status=308, headers=headers)

    async def set_thumbnail(self, request: web.Request) -> web.Response:
        account, failed = self.yt.caller(request, "write")
        if failed:
            return failed
        body = await request.read()
        post = self.yt.store.get_post(self.yt.name, request.query.get("videoId", ""))
        if post is None:
            return google_error(404, "videoNotFound", "The video that you are trying to update cannot be found.")
        if post.account_id != account.id:
            return google_error(403, "forbidden", "The thumbnail can't be set for the specified video.")
        if request.content_type not in ("image/jpeg", "image/png", "application/octet-stream") or not body:
            return google_error(400, "invalidImage", "The provided image content is invalid.")
        if len(body) > MAX_THUMBNAIL:
            return google_error(413, "mediaBodyTooLarge", "The thumbnail image is larger than 2 MB.")
        url = f"https://i.ytimg.com/vi/{post.id}/default.jpg?sandbox={secrets.token_hex(4)}"
        self.yt.videos[post.id]["thumbnail"] = url
        return json_response({"kind": "youtube#thumbnailSetResponse",
                              "items": [{"default": {"url": url, "width": 120, "height": 90}}]})


def metadata_problem(meta: dict[str, Any]) -> tuple[str, str] | None:
    """(reason, message) for metadata YouTube refuses at videos.insert, or None."""
    snippet, status = meta.get("snippet") or {}, meta.get("status") or {}
    title, description = str(snippet.get("title") or ""), str(snippet.get("description") or "")
    tags = [str(t) for t in snippet.get("tags") or []]
    if not title.strip() or len(title) > 100 or re.search("[<>]", title):
        return "invalidTitle", "The request metadata specifies an invalid or empty video title."
    if len(description.encode()) > 5000 or re.search("[<>]", description):
        return "invalidDescription", "The request metadata specifies an invalid video description."
    if sum(len(t) + (2 if " " in t else 0) for t in tags) + max(0, len(tags) - 1) > 500:
        return "invalidTags", "The request metadata specifies invalid video keywords."
    if str(snippet.get("categoryId") or "22") not in CATEGORIES:
        return "invalidCategoryId", "The <code>snippet.categoryId</code> property specifies an invalid category ID."
    if status.get("privacyStatus", "public") not in PRIVACY:
        return "invalidVideoMetadata", "The request metadata is invalid."
    if status.get("publishAt") and status.get("privacyStatus") != "private":
        return "invalidPublishAt", "The request metadata specifies an invalid scheduled publishing time."
    return None
