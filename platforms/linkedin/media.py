"""LinkedIn media: images, PDF documents and videos through the Images, Documents and Videos APIs.

Each upload is `?action=initializeUpload` (owner = the post's author) then PUT of the bytes; a video is
PUT in the parts LinkedIn dictates, each answering an ETag, then `?action=finalizeUpload`. Documents and
videos are processed before a post may use them (`GET /rest/{documents|videos}/{urn}` -> `status`), so
publish() raises NotReady with the uploaded URNs and nothing is uploaded twice. Member tokens cannot read
image status, and images are ready within seconds, so images are used at once.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from platforms.errors import ContentRejected, NotReady, TransientError
from platforms.linkedin.client import Connection, encoded
from platforms.media_fetch import fetch_media
from platforms.types import MediaItem, PublishRequest

PDF = "application/pdf"
MIB = 1024 * 1024
MAX_IMAGES = 20  # content.multiImage takes 2 to 20 images
MAX_IMAGE_PIXELS = 36_152_320
MAX_BYTES = {"image": 100 * MIB, "document": 100 * MIB, "video": 500 * MIB}
MIN_VIDEO_S, MAX_VIDEO_S = 3, 30 * 60
MAX_ALT_TEXT = 4086
CHECK_AFTER_S = 10.0
ENDPOINTS = {"image": "/rest/images", "document": "/rest/documents", "video": "/rest/videos"}


def kind_of(item: MediaItem) -> str:
    """"image" (GIFs included), "document" (PDF) or "video"."""
    if item.mime_type == PDF:
        return "document"
    return "video" if item.kind == "video" else "image"


def problems(request: PublishRequest) -> list[str]:
    media, found = request.media, []
    kinds = [kind_of(item) for item in media]
    if len(media) > 1 and ("video" in kinds or "document" in kinds):
        found.append(_("LinkedIn takes one video or one PDF document on its own; this post has %(count)d "
                       "attachments.") % {"count": len(media)})
    if len(media) > MAX_IMAGES:
        found.append(_("LinkedIn allows at most %(limit)d images in a post; this post has %(count)d.")
                     % {"limit": MAX_IMAGES, "count": len(media)})
    if "document" in kinds and not str(request.options.get("document_title") or "").strip():
        found.append(_("LinkedIn shows a title on a PDF document post: fill in the document title."))
    for number, (item, kind) in enumerate(zip(media, kinds, strict=True), start=1):
        found += _item_problems(item, kind, number)
    return found


def _item_problems(item: MediaItem, kind: str, number: int) -> list[str]:
    found = []
    if item.size_bytes and item.size_bytes > MAX_BYTES[kind]:
        found.append(_("LinkedIn accepts a %(kind)s of at most %(mb)d MB; attachment %(number)d is larger.")
                     % {"kind": kind, "mb": MAX_BYTES[kind] // MIB, "number": number})
    if kind == "image" and item.width and item.height and item.width * item.height > MAX_IMAGE_PIXELS:
        found.append(_("LinkedIn accepts images of at most 36 megapixels; attachment %(number)d is larger.")
                     % {"number": number})
    if kind == "video" and item.duration_s and not MIN_VIDEO_S <= item.duration_s <= MAX_VIDEO_S:
        found.append(_("LinkedIn accepts videos from 3 seconds to 30 minutes long; attachment %(number)d is "
                       "%(seconds)d seconds.") % {"number": number, "seconds": int(item.duration_s)})
    if len(item.alt_text) > MAX_ALT_TEXT:
        found.append(_("LinkedIn allows %(limit)d characters of alt text; attachment %(number)d has more.")
                     % {"limit": MAX_ALT_TEXT, "number": number})
    return found


def prepare(conn: Connection, request: PublishRequest, owner: str) -> list[str]:
    """Media URNs ready to attach, uploading only what earlier calls did not; NotReady while any processes."""
    states: list[dict[str, Any]] = list((request.progress or {}).get("media") or [])
    if len(states) != len(request.media):
        states = [_upload(conn, item, owner) for item in request.media]
    else:
        states = [state if state.get("ready") else _checked(conn, state) for state in states]
    if not all(state["ready"] for state in states):
        raise NotReady("LinkedIn is still processing the media; SMO will check again shortly.",
                       progress={"media": states}, check_after_s=CHECK_AFTER_S)
    return [state["urn"] for state in states]


def _upload(conn: Connection, item: MediaItem, owner: str) -> dict[str, Any]:
    kind = kind_of(item)
    data = fetch(item, kind)
    if kind == "video":
        return _upload_video(conn, data, owner)
    answer = conn.json("POST", f"{ENDPOINTS[kind]}?action=initializeUpload",
                       json={"initializeUploadRequest": {"owner": owner}})
    value = answer.get("value") if isinstance(answer, dict) else None
    urn = str((value or {}).get(kind) or "")
    if not urn or not (value or {}).get("uploadUrl"):
        raise TransientError(f"LinkedIn did not give an upload address for the {kind}; it will be retried.",
                             platform_code="media-init")
    conn.call("PUT", str(value["uploadUrl"]), data=data, headers={"Content-Type": "application/octet-stream"})
    return {"urn": urn, "kind": kind, "ready": kind == "image"}


def _upload_video(conn: Connection, data: bytes, owner: str) -> dict[str, Any]:
    answer = conn.json("POST", "/rest/videos?action=initializeUpload", json={"initializeUploadRequest": {
        "owner": owner, "fileSizeBytes": len(data), "uploadCaptions": False, "uploadThumbnail": False}})
    value = answer.get("value") if isinstance(answer, dict) else {}
    urn, parts = str(value.get("video") or ""), value.get("uploadInstructions") or []
    if not urn or not parts:
        raise TransientError("LinkedIn did not give upload addresses for the video; it will be retried.",
                             platform_code="media-init")
    etags = []
    for part in parts:
        chunk = data[int(part["firstByte"]):int(part["lastByte"]) + 1]
        response = conn.call("PUT", str(part["uploadUrl"]), data=chunk,
                             headers={"Content-Type": "application/octet-stream"})
        etags.append(response.headers.get("ETag", "").strip('"'))
    conn.call("POST", "/rest/videos?action=finalizeUpload", json={"finalizeUploadRequest": {
        "video": urn, "uploadToken": str(value.get("uploadToken") or ""), "uploadedPartIds": etags}})
    return {"urn": urn, "kind": "video", "ready": False}


def _checked(conn: Connection, state: dict[str, Any]) -> dict[str, Any]:
    answer = conn.json("GET", f"{ENDPOINTS[state['kind']]}/{encoded(state['urn'])}")
    status = str((answer or {}).get("status") or "")
    if status in ("PROCESSING_FAILED", "FAILED"):
        raise ContentRejected(f"LinkedIn could not process the {state['kind']} ({status}); upload another file.",
                              platform_code="media-processing")
    return {**state, "ready": status == "AVAILABLE"}


def fetch(item: MediaItem, kind: str) -> bytes:
    """The file's bytes from its (signed SMO) URL, refusing anything over LinkedIn's size for its kind."""
    return fetch_media(item, "linkedin", "LinkedIn", MAX_BYTES[kind], kind=kind)
