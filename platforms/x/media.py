"""X API v2 media upload: images in one request, GIFs and videos in chunks, then processing status.

An upload is not a create: nothing is shown to anyone until POST /2/tweets names the media, so its
failures are TransientError/ContentRejected (via translate(create=False)), never OutcomeUnknown.
X processes GIFs and videos asynchronously. publish() never waits for that: it raises NotReady with
the uploaded ids in `progress`, and the next publish() (request.progress set) only asks for the status.
"""

from __future__ import annotations

import logging
from typing import Any

import requests
import tweepy
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from platforms.errors import ContentRejected, NotReady, TransientError
from platforms.http import build_session
from platforms.types import MediaItem, PublishRequest
from platforms.x.client import Connection, call
from platforms.x.translate import translate

logger = logging.getLogger(__name__)

MIB = 1024 * 1024
MAX_BYTES = {"image": 5 * MIB, "gif": 15 * MIB, "video": 512 * MIB}
CATEGORIES = {"image": "tweet_image", "gif": "tweet_gif", "video": "tweet_video"}
MIME_TYPES = {"image": ("image/jpeg", "image/png", "image/webp"), "gif": ("image/gif",),
              "video": ("video/mp4", "video/quicktime")}
CHUNK_BYTES = MIB  # X allows larger APPEND segments; 1 MiB keeps each request short on slow links
ALT_TEXT_MAX = 1000
MAX_IMAGES = 4
PENDING = ("pending", "in_progress")
# One sentence per kind, so each language can word (and inflect) the kind itself.
TOO_BIG = {
    "image": gettext_lazy("X accepts an image of at most %(limit)d MB; file %(number)d is %(size)s MB."),
    "gif": gettext_lazy("X accepts a GIF of at most %(limit)d MB; file %(number)d is %(size)s MB."),
    "video": gettext_lazy("X accepts a video of at most %(limit)d MB; file %(number)d is %(size)s MB."),
}
DEFAULT_CHECK_AFTER_S = 5.0


def problems(media: tuple[MediaItem, ...]) -> list[str]:
    """Pre-flight checks of X's media rules, each a sentence naming X."""
    kinds = [item.kind for item in media]
    moving = [kind for kind in kinds if kind != "image"]
    found: list[str] = []
    if moving and len(kinds) > 1:
        found.append(_("X allows either up to 4 images or 1 video (or GIF) per post, not both.")
                     if "image" in kinds else
                     _("X allows 1 video or GIF per post; this post has %(count)d.") % {"count": len(moving)})
    elif len(kinds) > MAX_IMAGES:
        found.append(_("X allows at most %(limit)d images per post; this post has %(count)d.")
                     % {"limit": MAX_IMAGES, "count": len(kinds)})
    for number, item in enumerate(media, start=1):
        found += _item_problems(number, item)
    return found


def _item_problems(number: int, item: MediaItem) -> list[str]:
    found = []
    if item.mime_type not in MIME_TYPES[item.kind]:
        allowed = ", ".join(t for types in MIME_TYPES.values() for t in types)
        found.append(_("X cannot show file %(number)d (%(type)s); it accepts %(allowed)s.")
                     % {"number": number, "type": item.mime_type or _("unknown type"), "allowed": allowed})
    if item.size_bytes > MAX_BYTES[item.kind]:
        found.append(TOO_BIG[item.kind] % {"limit": MAX_BYTES[item.kind] // MIB, "number": number,
                                           "size": number_format(item.size_bytes / MIB, 1)})
    if len(item.alt_text) > ALT_TEXT_MAX:
        found.append(_("X allows alt text of at most %(limit)d characters; file %(number)d has %(count)d.")
                     % {"limit": ALT_TEXT_MAX, "number": number, "count": len(item.alt_text)})
    return found


def prepare(conn: Connection, request: PublishRequest) -> list[str]:
    """The media ids to attach, ready for POST /2/tweets. Raises NotReady while X still processes."""
    states = _resumed(request)
    if states is not None:
        states = [_checked(conn, state) if state["state"] in PENDING else state for state in states]
    else:
        states = [_upload(conn, item) for item in request.media]
    for state in states:
        if state["state"] == "failed":
            reason = state.get("error") or "no reason given"
            raise ContentRejected(f"X could not process the {state['kind']}: {reason}.", platform_code="media-failed")
    pending = [state for state in states if state["state"] in PENDING]
    if pending:
        wait = max(float(state.get("check_after_s") or DEFAULT_CHECK_AFTER_S) for state in pending)
        raise NotReady(f"X is still processing the {pending[0]['kind']}; SMO checks again in {wait:.0f} s.",
                       progress={"media": states}, check_after_s=wait)
    return [state["id"] for state in states]


def _resumed(request: PublishRequest) -> list[dict[str, Any]] | None:
    """The states an earlier NotReady handed back, if they fit this request; None means upload afresh."""
    states = request.progress.get("media") if request.progress else None
    if states is None:
        return None
    kinds = [item.kind for item in request.media]
    valid = isinstance(states, list) and len(states) == len(kinds) and all(
        isinstance(s, dict) and str(s.get("id", "")).isdigit() and s.get("kind") == kind
        and s.get("state") in (*PENDING, "succeeded", "failed") for s, kind in zip(states, kinds, strict=False))
    if not valid:
        # Re-uploading is safe (nothing is public until the post exists); a wrong id would not be.
        logger.warning("X publish progress does not match the request's media; uploading again.")
        return None
    return [dict(state) for state in states]


def _upload(conn: Connection, item: MediaItem) -> dict[str, Any]:
    data = fetch(item)
    try:
        if item.kind == "image":
            body = call(conn, "POST", "/2/media/upload", data={"media_category": CATEGORIES["image"],
                                                              "media_type": item.mime_type},
                        files={"media": ("media", data, item.mime_type)})
            media_id = _media_id(body)
            info: dict[str, Any] = {}
        else:
            media_id, info = _chunked(conn, item, data)
        if item.alt_text and item.kind in ("image", "gif"):
            # X documents alt text for images and GIFs only; shape checked against docs.x.com
            # "Create Media metadata" (POST /2/media/metadata {"id", "metadata": {"alt_text": {"text"}}}).
            call(conn, "POST", "/2/media/metadata",
                 json={"id": media_id, "metadata": {"alt_text": {"text": item.alt_text[:ALT_TEXT_MAX]}}})
    except (tweepy.TweepyException, requests.RequestException) as exc:
        raise translate(exc, create=False, secrets=conn.secrets) from exc
    return _state(media_id, item.kind, info)


def _chunked(conn: Connection, item: MediaItem, data: bytes) -> tuple[str, dict[str, Any]]:
    body = call(conn, "POST", "/2/media/upload/initialize", json={
        "media_type": item.mime_type, "total_bytes": len(data), "media_category": CATEGORIES[item.kind]})
    media_id = _media_id(body)
    for index, start in enumerate(range(0, len(data), CHUNK_BYTES)):
        call(conn, "POST", f"/2/media/upload/{media_id}/append", data={"segment_index": str(index)},
             files={"media": ("chunk", data[start:start + CHUNK_BYTES], "application/octet-stream")})
    finished = call(conn, "POST", f"/2/media/upload/{media_id}/finalize")
    return media_id, (finished.get("data") or {}).get("processing_info") or {}


def _checked(conn: Connection, state: dict[str, Any]) -> dict[str, Any]:
    try:
        body = call(conn, "GET", "/2/media/upload", params={"command": "STATUS", "media_id": state["id"]})
    except (tweepy.TweepyException, requests.RequestException) as exc:
        raise translate(exc, create=False, secrets=conn.secrets) from exc
    info = (body.get("data") or {}).get("processing_info")
    if not isinstance(info, dict):
        raise TransientError("X answered the media status check without a state; it will be checked again.",
                             platform_code="media-status")
    return _state(state["id"], state["kind"], info)


def _state(media_id: str, kind: str, info: dict[str, Any]) -> dict[str, Any]:
    """What progress keeps per file. No processing_info means X has nothing left to do."""
    state = str(info.get("state") or "succeeded")
    error = info.get("error") if isinstance(info.get("error"), dict) else {}
    record: dict[str, Any] = {"id": media_id, "kind": kind, "state": state}
    if state in PENDING:
        record["check_after_s"] = float(info.get("check_after_secs") or DEFAULT_CHECK_AFTER_S)
    if state == "failed":
        record["error"] = str(error.get("message") or error.get("name") or "")[:300]
    return record


def _media_id(body: dict[str, Any]) -> str:
    media_id = str((body.get("data") or {}).get("id") or "")
    if not media_id.isdigit():
        raise TransientError("X accepted the media upload but returned no media id; it will be retried.",
                             platform_code="media-id")
    return media_id


def fetch(item: MediaItem) -> bytes:
    """The file's bytes from its (signed SMO) URL, refusing anything over X's size limit for its kind."""
    limit = MAX_BYTES[item.kind]
    session = build_session("x")
    try:
        with session.get(item.url, stream=True) as response:
            if response.status_code >= 400:
                error = TransientError if response.status_code >= 500 else ContentRejected
                raise error(f"SMO could not read the media file to send to X (HTTP {response.status_code}).",
                            platform_code="media-fetch")
            declared = response.headers.get("Content-Length", "")
            if declared.isdigit() and int(declared) > limit:
                raise _too_big(item, int(declared))
            return _read_limited(item, response, limit)
    except requests.RequestException:
        raise TransientError("SMO could not download the media file to send to X; it will be retried.",
                             platform_code="media-fetch") from None
    finally:
        session.close()


def _read_limited(item: MediaItem, response: requests.Response, limit: int) -> bytes:
    chunks, total = [], 0
    for chunk in response.iter_content(64 * 1024):
        total += len(chunk)
        if total > limit:  # a missing or lying Content-Length must not make us hold 512 MB+
            raise _too_big(item, total)
        chunks.append(chunk)
    if not total:
        raise ContentRejected("The media file is empty; X cannot show it.", platform_code="media-empty")
    return b"".join(chunks)


def _too_big(item: MediaItem, size: int) -> ContentRejected:
    return ContentRejected(f"X accepts a {item.kind} of at most {MAX_BYTES[item.kind] // MIB} MB; "
                           f"this file is over that ({size / MIB:.1f} MB or more).", platform_code="media-size")
