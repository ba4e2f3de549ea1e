"""Facebook video posts (reference §2.2): one create, then status reads until Meta has processed it.

`POST /{page-id}/videos` with `file_url` is itself the irreversible create: the post exists from that
moment and goes live when processing ends. So the upload happens exactly once; afterwards only
`GET /{video-id}?fields=status,...` is called, and while Meta is still processing, publish() raises
NotReady carrying the video id so the engine's next call checks again instead of uploading again.
Any failure of a status read after the upload is also NotReady: the video exists, and an error
that makes the engine start over would upload it a second time.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from platforms.errors import ContentRejected, NotReady, OutcomeUnknown, RateLimited, TransientError
from platforms.facebook import text
from platforms.graph import GraphCalls
from platforms.types import PublishRequest, PublishResult

VIDEO_FIELDS = "status,post_id,permalink_url"
CHECK_AFTER_S = 10.0  # Meta processes short clips in seconds to a minute
FAILED_STATUSES = frozenset({"error", "expired"})


def post_permalink(post_id: str) -> str:
    page_id, _, number = post_id.partition("_")
    return f"https://www.facebook.com/{page_id}/posts/{number}" if number else f"https://www.facebook.com/{post_id}"


def absolute_facebook_url(value: Any) -> str:
    """Graph gives video permalinks as a path ("/page/videos/1/"); anything off facebook.com is dropped."""
    url = str(value or "")
    if url.startswith("/") and not url.startswith("//"):
        return "https://www.facebook.com" + url
    return url if url.startswith(("https://www.facebook.com/", "https://facebook.com/")) else ""


class VideoPublishing(GraphCalls):
    def _publish_video(self, conn: Any, page_id: str, request: PublishRequest) -> PublishResult:
        video_id = str(request.progress.get("video_id") or "")
        if not video_id:
            video_id = self._upload(conn, page_id, request)
        node = self._status(conn, video_id)
        status = node.get("status") if isinstance(node.get("status"), dict) else {}
        state = str(status.get("video_status") or "")
        if state in FAILED_STATUSES:
            raise ContentRejected(f"Facebook could not process the video ({_reason(status, state)}); "
                                  "upload another file.", platform_code=f"video_{state}")
        if state != "ready":
            raise NotReady("Facebook is still processing the video; SMO checks again shortly.",
                           progress={"video_id": video_id}, check_after_s=CHECK_AFTER_S)
        post_id = str(node.get("post_id") or f"{page_id}_{video_id}")
        link = absolute_facebook_url(node.get("permalink_url")) or post_permalink(post_id)
        warning = self._first_comment(conn, post_id, request.first_comment.strip())
        return PublishResult(external_id=post_id, permalink=link, published_at=datetime.now(UTC), warning=warning)

    def _upload(self, conn: Any, page_id: str, request: PublishRequest) -> str:
        args = {"file_url": text.videos(request)[0].url}
        description = text.compose_message(request)
        if description:
            args["description"] = description
        answer = self._call(conn, True, conn.graph.put_object, page_id, "videos", **args)
        video_id = str(answer.get("id") or "") if isinstance(answer, dict) else ""
        if not video_id:  # a 2xx without an id: the video post may well exist
            raise OutcomeUnknown("Facebook accepted the video but returned no id; SMO will check the Page.")
        return video_id

    def _status(self, conn: Any, video_id: str) -> dict[str, Any]:
        progress = {"video_id": video_id}
        try:
            node = self._call(conn, False, conn.graph.get_object, video_id, fields=VIDEO_FIELDS)
        except RateLimited as exc:
            wait = (exc.retry_at - datetime.now(UTC)).total_seconds() if exc.retry_at else CHECK_AFTER_S
            raise NotReady(f"Facebook has the video but is limiting calls; SMO checks again later. ({exc.message})",
                           progress=progress, check_after_s=max(wait, CHECK_AFTER_S)) from exc
        except TransientError as exc:
            raise NotReady(f"Facebook has the video but could not report its processing yet. ({exc.message})",
                           progress=progress, check_after_s=CHECK_AFTER_S) from exc
        return node if isinstance(node, dict) else {}


def _reason(status: dict[str, Any], state: str) -> str:
    phase = status.get("processing_phase")
    errors = phase.get("errors") if isinstance(phase, dict) else None
    if isinstance(errors, list) and errors and isinstance(errors[0], dict) and errors[0].get("message"):
        return str(errors[0]["message"])[:300]
    return "the upload expired" if state == "expired" else "Facebook reported an error"
