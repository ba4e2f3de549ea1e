"""X API v2 media upload (reference §1.2): one-shot images, chunked uploads, status and alt text.

Both forms X has documented are served: the current paths (``/2/media/upload/initialize``,
``/{id}/append``, ``/{id}/finalize``) and the older ``command=INIT|APPEND|FINALIZE|STATUS`` on
``/2/media/upload``. GIFs and videos are processed "asynchronously": FINALIZE answers ``pending``,
then the first ``x_media_status_polls`` STATUS calls answer ``in_progress`` and the next one
``succeeded`` (or ``failed`` with the message in the ``x_media_fail`` switch, when set).
Limits are X's: images 5 MB, GIFs 15 MB, videos 512 MB, APPEND segments at most 5 MB.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from aiohttp import web

from .dialect import Handler, json_response
from .x_common import Reply, endpoint, invalid_request, problem

if TYPE_CHECKING:
    from .state import Account
    from .x import XDialect

MEDIA_SCOPES = ("media.write",)
MIB = 1024 * 1024
MAX_SEGMENT = 5 * MIB
EXPIRES_AFTER_S = 86400
CATEGORY_TYPES = {
    "tweet_image": ("image/jpeg", "image/png", "image/webp", "image/gif"),
    "tweet_gif": ("image/gif",), "tweet_video": ("video/mp4", "video/quicktime"),
}
CATEGORY_LIMITS = {"tweet_image": 5 * MIB, "tweet_gif": 15 * MIB, "tweet_video": 512 * MIB}
ASYNC_CATEGORIES = ("tweet_gif", "tweet_video")
MAGIC = ((b"\x89PNG\r\n\x1a\n", "image/png"), (b"\xff\xd8\xff", "image/jpeg"), (b"GIF8", "image/gif"))


@dataclass
class Upload:
    id: str
    account_id: str
    media_type: str
    category: str
    total_bytes: int
    segments: dict[int, int] = field(default_factory=dict)
    state: str = ""  # "" until FINALIZE; then pending / in_progress / succeeded / failed
    polls_left: int = 0
    error: str = ""
    alt_text: str = ""

    @property
    def kind(self) -> str:
        return {"tweet_gif": "gif", "tweet_video": "video"}.get(self.category, "image")


class XMedia:
    def __init__(self, dialect: XDialect) -> None:
        self.x = dialect
        self.uploads: dict[str, Upload] = {}

    def reset(self) -> None:
        self.uploads = {}

    def routes(self) -> list[tuple[str, str, Handler]]:
        return [
            ("POST", "/2/media/upload", self.upload),
            ("GET", "/2/media/upload", self.status),
            ("POST", "/2/media/upload/initialize", self.initialize),
            ("POST", "/2/media/upload/{id}/append", self.append),
            ("POST", "/2/media/upload/{id}/finalize", self.finalize),
            ("POST", "/2/media/metadata", self.metadata),
            ("POST", "/2/media/metadata/create", self.metadata),
        ]

    def ready(self, account: Account, media_ids: tuple[str, ...]) -> list[Upload]:
        """The uploads a new post may attach, or a 400 as X answers for unusable ids."""
        uploads = [self.uploads.get(media_id) for media_id in media_ids]
        if any(u is None or u.account_id != account.id or u.state != "succeeded" for u in uploads):
            raise invalid_request("Your media IDs are invalid.", {"media.media_ids": list(media_ids)})
        kinds = [u.kind for u in uploads if u]
        if len(kinds) > 1 and any(kind != "image" for kind in kinds):
            raise invalid_request("You can attach up to 4 images, or 1 GIF or video, to a post.",
                                  {"media.media_ids": list(media_ids)})
        return [u for u in uploads if u]

    # -- handlers ---------------------------------------------------------------------------

    @endpoint
    async def upload(self, request: web.Request) -> web.Response:
        account = self.x.caller(request, MEDIA_SCOPES)
        form = await request.post()
        command = str(request.query.get("command") or form.get("command") or "")
        params = {**{k: str(v) for k, v in form.items() if isinstance(v, str)}, **request.query}
        if command == "INIT":
            return self._initialize(account, params)
        if command in ("APPEND", "FINALIZE"):
            upload = self._own(account, params.get("media_id", ""))
            return self._append(upload, params, form) if command == "APPEND" else self._finalize(upload)
        if command:
            raise invalid_request(f"The `command` value [{command}] is not one of [INIT,APPEND,FINALIZE,STATUS]")
        return self._single(account, params, form)

    @endpoint
    async def initialize(self, request: web.Request) -> web.Response:
        account = self.x.caller(request, MEDIA_SCOPES)
        return self._initialize(account, await _json_body(request))

    @endpoint
    async def append(self, request: web.Request) -> web.Response:
        account = self.x.caller(request, MEDIA_SCOPES)
        upload = self._own(account, request.match_info["id"])
        form = await request.post()
        return self._append(upload, {k: str(v) for k, v in form.items() if isinstance(v, str)}, form)

    @endpoint
    async def finalize(self, request: web.Request) -> web.Response:
        account = self.x.caller(request, MEDIA_SCOPES)
        return self._finalize(self._own(account, request.match_info["id"]))

    @endpoint
    async def status(self, request: web.Request) -> web.Response:
        account = self.x.caller(request, MEDIA_SCOPES)
        if request.query.get("command") != "STATUS":
            raise invalid_request("GET /2/media/upload needs command=STATUS")
        upload = self._own(account, request.query.get("media_id", ""))
        if not upload.state:
            raise invalid_request("The media has not been finalized.", {"media_id": [upload.id]})
        if upload.state in ("pending", "in_progress"):
            self._advance(upload)
        return json_response({"data": self._describe(upload)})

    @endpoint
    async def metadata(self, request: web.Request) -> web.Response:
        account = self.x.caller(request, MEDIA_SCOPES)
        body = await _json_body(request)
        if "metadata" in body:  # POST /2/media/metadata {"id", "metadata": {"alt_text": {"text"}}}
            media_id, meta = str(body.get("id", "")), body.get("metadata")
        else:  # the older /2/media/metadata/create {"media_id", "alt_text": {"text"}}
            media_id, meta = str(body.get("media_id", "")), body
        alt = meta.get("alt_text") if isinstance(meta, dict) else None
        text = alt.get("text") if isinstance(alt, dict) else None
        if not isinstance(text, str) or len(text) > 1000:
            raise invalid_request("`alt_text.text` must be a string of at most 1000 characters", {"alt_text": []})
        upload = self._own(account, media_id)
        upload.alt_text = text
        return json_response({"data": {"id": upload.id, "associated_metadata": {"alt_text": {"text": text}}}})

    # -- the steps --------------------------------------------------------------------------

    def _initialize(self, account: Account, params: dict[str, Any]) -> web.Response:
        media_type = str(params.get("media_type") or "")
        category = str(params.get("media_category") or _category_for(media_type))
        total = params.get("total_bytes")
        total = int(total) if isinstance(total, int) or (isinstance(total, str) and total.isdigit()) else -1
        self._check(category, media_type, total)
        upload = Upload(self.x.store.ids.next(), account.id, media_type, category, total)
        self.uploads[upload.id] = upload
        return json_response({"data": {"id": upload.id, "media_key": _key(upload),
                                       "expires_after_secs": EXPIRES_AFTER_S}})

    def _append(self, upload: Upload, params: dict[str, str], form: Any) -> web.Response:
        index, chunk = params.get("segment_index", ""), form.get("media")
        data = chunk.file.read() if isinstance(chunk, web.FileField) else None
        if not index.isdigit() or int(index) > 999 or data is None:
            raise invalid_request("APPEND needs `segment_index` 0-999 and a `media` file part",
                                  {"segment_index": [index]})
        if upload.state:
            raise invalid_request("The media has already been finalized.", {"media_id": [upload.id]})
        if len(data) > MAX_SEGMENT:
            raise invalid_request("A segment must be at most 5 MB", {"media": [str(len(data))]})
        upload.segments[int(index)] = len(data)
        if sum(upload.segments.values()) > upload.total_bytes:
            raise invalid_request("The uploaded segments are larger than total_bytes", {"media": [upload.id]})
        return json_response({"data": {"expires_at": int(time.time()) + EXPIRES_AFTER_S}})

    def _finalize(self, upload: Upload) -> web.Response:
        received = sum(upload.segments.values())
        if upload.state:
            raise invalid_request("The media has already been finalized.", {"media_id": [upload.id]})
        if received != upload.total_bytes or sorted(upload.segments) != list(range(len(upload.segments))):
            raise invalid_request(f"File size mismatch: received {received} of {upload.total_bytes} bytes",
                                  {"media_id": [upload.id]})
        if upload.category in ASYNC_CATEGORIES:
            upload.state = "pending"
            upload.polls_left = int(self.x.faults.switch("x_media_status_polls") or 0)
        else:
            upload.state = "succeeded"
        return json_response({"data": self._describe(upload)})

    def _single(self, account: Account, params: dict[str, str], form: Any) -> web.Response:
        part = form.get("media")
        data = part.file.read() if isinstance(part, web.FileField) else None
        if data is None:
            raise invalid_request("The `media` field must be a file part", {"media": []})
        sniffed = _sniff(data)
        category = params.get("media_category") or "tweet_image"
        if category not in ("tweet_image", "dm_image") or sniffed is None:
            raise invalid_request("One-shot upload takes a JPEG, PNG, WEBP or GIF image; use the chunked "
                                  "upload for GIFs and videos", {"media_category": [category]})
        self._check("tweet_image", sniffed, len(data))
        upload = Upload(self.x.store.ids.next(), account.id, sniffed, "tweet_image", len(data), {0: len(data)},
                        state="succeeded")
        self.uploads[upload.id] = upload
        return json_response({"data": self._describe(upload)})

    def _check(self, category: str, media_type: str, total: int) -> None:
        if category not in CATEGORY_TYPES:
            raise invalid_request(f"The `media_category` value [{category}] is not supported",
                                  {"media_category": [category]})
        if media_type not in CATEGORY_TYPES[category]:
            raise invalid_request(f"The media type [{media_type}] cannot be used as {category}",
                                  {"media_type": [media_type]})
        if not 0 < total <= CATEGORY_LIMITS[category]:
            raise invalid_request(f"total_bytes must be 1 to {CATEGORY_LIMITS[category]} for {category}",
                                  {"total_bytes": [str(total)]})

    def _advance(self, upload: Upload) -> None:
        if upload.polls_left > 0:
            upload.polls_left -= 1
            upload.state = "in_progress"
            return
        failure = self.x.faults.switch("x_media_fail")
        upload.state, upload.error = ("failed", str(failure)) if failure else ("succeeded", "")

    def _own(self, account: Account, media_id: str) -> Upload:
        upload = self.uploads.get(str(media_id))
        if upload is None or upload.account_id != account.id:
            raise Reply(problem(404, f"Could not find media with id: [{media_id}].", title="Not Found Error",
                                type_="https://api.twitter.com/2/problems/resource-not-found"))
        return upload

    def _describe(self, upload: Upload) -> dict[str, Any]:
        data: dict[str, Any] = {"id": upload.id, "media_key": _key(upload), "size": upload.total_bytes,
                                "expires_after_secs": EXPIRES_AFTER_S}
        if upload.category in ASYNC_CATEGORIES:
            info: dict[str, Any] = {"state": upload.state}
            if upload.state in ("pending", "in_progress"):
                info.update(check_after_secs=1, progress_percent=0 if upload.state == "pending" else 50)
            elif upload.state == "failed":
                info["error"] = {"code": 1, "name": "InvalidMedia", "message": upload.error}
            else:
                info["progress_percent"] = 100
            data["processing_info"] = info
        return data


def _key(upload: Upload) -> str:
    return ("7_" if upload.kind == "video" else "16_" if upload.kind == "gif" else "3_") + upload.id


def _category_for(media_type: str) -> str:
    return "tweet_video" if media_type.startswith("video/") else "tweet_gif" if media_type == "image/gif" \
        else "tweet_image"


def _sniff(data: bytes) -> str | None:
    for magic, media_type in MAGIC:
        if data.startswith(magic):
            return media_type
    return "image/webp" if data[:4] == b"RIFF" and data[8:12] == b"WEBP" else None


async def _json_body(request: web.Request) -> dict[str, Any]:
    try:
        body = json.loads(await request.read() or b"null")
    except ValueError:
        raise invalid_request("The request body is not valid JSON") from None
    if not isinstance(body, dict):
        raise invalid_request("The request body must be a JSON object")
    return body
