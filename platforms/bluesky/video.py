"""Video for a Bluesky post through Bluesky's video service (video.bsky.app), reference §10.

The PDS issues a short service token (`getServiceAuth`, audience the PDS's did:web, method
`com.atproto.repo.uploadBlob`); the file goes to `app.bsky.video.uploadVideo` with it, which answers a
job; `getJobStatus` reports the transcoding until a blob appears, which the post embeds as
`app.bsky.embed.video`. The job id travels in NotReady's progress, so a check never uploads again;
and an upload repeated after a lost answer is recognised by the service (409 `already_exists`
naming the same job).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from django.utils.translation import gettext as _

from platforms.bluesky import media
from platforms.bluesky.client import Connection, XrpcError
from platforms.bluesky.text import grapheme_count
from platforms.errors import ContentRejected, NotReady, TransientError
from platforms.types import MediaItem

VIDEO_SERVICE = "https://video.bsky.app"
VIDEO_TYPES = ("video/mp4", "video/quicktime", "video/webm", "video/mpeg")
MAX_VIDEO_BYTES = 100_000_000  # the video service's upload limit
MAX_VIDEO_SECONDS = 180  # Bluesky accepts videos up to three minutes
MAX_VIDEO_ALT = 1000  # lexicon app.bsky.embed.video: alt maxGraphemes
CHECK_AFTER_S = 5.0
SERVICE_TOKEN_LIFETIME = timedelta(minutes=30)  # long enough for a 100 MB upload on a slow line
DONE, FAILED = "JOB_STATE_COMPLETED", "JOB_STATE_FAILED"


def problems(items: tuple[MediaItem, ...]) -> list[str]:
    videos = [item for item in items if item.kind == "video"]
    if not videos:
        return []
    found: list[str] = []
    if len(videos) > 1 or len(items) > len(videos):
        found.append(_("Bluesky allows one video per post, without images."))
    for item in videos:
        if item.mime_type not in VIDEO_TYPES:
            found.append(_("Bluesky accepts MP4, MOV, WebM or MPEG videos; this video is %(type)s.")
                         % {"type": item.mime_type})
        if item.size_bytes > MAX_VIDEO_BYTES:
            found.append(_("Bluesky accepts videos of at most 100 MB; this one is %(size).1f MB.")
                         % {"size": item.size_bytes / 1_000_000})
        if item.duration_s > MAX_VIDEO_SECONDS:
            found.append(_("Bluesky accepts videos of at most 3 minutes; this one lasts %(seconds)d seconds.")
                         % {"seconds": round(item.duration_s)})
        if grapheme_count(item.alt_text) > MAX_VIDEO_ALT:
            found.append(_("Bluesky allows alt text of at most %(limit)d characters for a video.")
                         % {"limit": MAX_VIDEO_ALT})
    return found


def blob_for(conn: Connection, item: MediaItem, progress: dict[str, Any]) -> dict[str, Any]:
    """The processed video's blob; NotReady (carrying the job id) until the service has finished."""
    job_id = str(progress.get("video_job") or "") or _upload(conn, item)
    status = _job_status(conn, job_id)
    state = str(status.get("state") or "")
    if state == FAILED:
        raise ContentRejected(f"Bluesky could not process the video: {status.get('error') or 'no reason given'}.",
                              platform_code="video-failed")
    blob = status.get("blob")
    if state == DONE and isinstance(blob, dict):
        return blob
    raise NotReady("Bluesky is still processing the video.", progress={"video_job": job_id},
                   check_after_s=CHECK_AFTER_S, platform_code=state or "video-processing")


def embed(item: MediaItem, blob: dict[str, Any]) -> dict[str, Any]:
    video: dict[str, Any] = {"$type": "app.bsky.embed.video", "video": blob}
    if item.alt_text:
        video["alt"] = item.alt_text
    if item.width and item.height:
        video["aspectRatio"] = {"width": item.width, "height": item.height}
    return video


def _upload(conn: Connection, item: MediaItem) -> str:
    host = urlsplit(conn.pds).hostname or ""
    expires = int((datetime.now(UTC) + SERVICE_TOKEN_LIFETIME).timestamp())
    grant = conn.call("GET", "com.atproto.server.getServiceAuth",
                      params={"aud": f"did:web:{host}", "lxm": "com.atproto.repo.uploadBlob", "exp": expires})
    token = str(grant.get("token") or "")
    if not token:
        raise TransientError("Bluesky did not issue a token for the video upload; it will be retried.",
                             platform_code="service-auth")
    name = urlsplit(item.url).path.rsplit("/", 1)[-1] or "video.mp4"
    data = media.fetch(item, MAX_VIDEO_BYTES)
    try:
        answer = _video_call(conn, "POST", "app.bsky.video.uploadVideo", token=token, data=data,
                             params={"did": conn.did, "name": name}, headers={"Content-Type": item.mime_type})
    except XrpcError as exc:
        job = _job_of(exc)
        if not job:
            raise
        return job
    job_id = str(answer.get("jobId") or (answer.get("jobStatus") or {}).get("jobId") or "")
    if not job_id:
        raise TransientError("Bluesky accepted the video but named no processing job; it will be retried.",
                             platform_code="video-job")
    return job_id


def _job_of(exc: XrpcError) -> str:
    """The job of a video uploaded before (409 already_exists), so a repeated upload carries on with it."""
    if exc.status != 409:
        return ""
    try:
        body = exc.response.json()
    except ValueError:
        return ""
    return str(body.get("jobId") or "") if isinstance(body, dict) else ""


def _job_status(conn: Connection, job_id: str) -> dict[str, Any]:
    answer = _video_call(conn, "GET", "app.bsky.video.getJobStatus", params={"jobId": job_id})
    status = answer.get("jobStatus")
    return status if isinstance(status, dict) else {}


def _video_call(conn: Connection, method: str, nsid: str, *, token: str = "", **kwargs: Any) -> dict[str, Any]:
    """An XRPC call to the video service instead of the PDS (job status needs no token)."""
    video = Connection(VIDEO_SERVICE, conn.did, token, conn.session, conn.secrets)
    if not token:
        kwargs["headers"] = {"Authorization": "", **kwargs.get("headers", {})}
    return video.call(method, nsid, **kwargs)
