"""Page videos (reference §2.2): ``POST /{page-id}/videos`` and the ``status`` progression of the node.

The upload is the create: the post is stored (and counted) at once, but stays off the Graph feed
while "processing". Each read of ``/{video-id}?fields=status`` uses up one of the
``facebook_video_processing_reads`` switch's reads (default 1); after that the video answers
``facebook_video_final`` ("ready", or "error" to exercise failures) and a ready video is on the feed.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from aiohttp import web

from .dialect import json_response
from .facebook_common import fb_time, invalid_param, params
from .state import Account

if TYPE_CHECKING:
    from .facebook_api import FacebookApi

VIDEO_FIELDS = {"id", "status", "post_id", "permalink_url", "description", "title", "created_time", "source"}
PROCESSING_ERROR = {"code": 1363008, "message": "The video could not be processed: the file is corrupt or in an "
                                                "unsupported format."}


def _phases(state: str) -> dict[str, Any]:
    if state == "ready":
        return {"uploading_phase": {"status": "complete"}, "processing_phase": {"status": "complete"},
                "publishing_phase": {"status": "complete", "publish_status": "published"}}
    if state == "error":
        return {"uploading_phase": {"status": "complete"},
                "processing_phase": {"status": "error", "errors": [PROCESSING_ERROR]},
                "publishing_phase": {"status": "not_started"}}
    return {"uploading_phase": {"status": "complete"}, "processing_phase": {"status": "in_progress"},
            "publishing_phase": {"status": "not_started"}}


class FacebookVideos:
    def __init__(self, api: FacebookApi) -> None:
        self.api = api
        self.fb = api.fb

    def create(self, request: web.Request, page: Account) -> web.Response:
        p = params(request)
        url = p.get("file_url", "")
        if not url and "source" not in request.get("fb_files", {}):
            raise invalid_param("A video file (source) or file_url is required")
        if url and not url.lower().startswith(("http://", "https://")):
            raise invalid_param("file_url should represent a valid URL")
        video_id = self.fb.store.ids.next()
        post = self.api.store_post(request, page, p.get("description", ""), (video_id,))
        self.fb.unpublished.add(post.id)  # on the Graph feed once processed
        self.fb.videos[video_id] = {
            "page": page.id, "post_id": post.id, "title": p.get("title", ""),
            "url": url or f"https://sandbox.invalid/videos/{video_id}.mp4", "state": "processing",
            "reads_left": self._int_switch("facebook_video_processing_reads", 1),
            "final": str(self.fb.faults.switch("facebook_video_final") or "ready"),
            "created_time": fb_time(datetime.now(UTC)),
        }
        return json_response({"id": video_id})

    def node(self, request: web.Request, video_id: str, video: dict[str, Any]) -> web.Response:
        raw = params(request).get("fields", "")
        fields = [f.split("{", 1)[0].strip() for f in raw.split(",") if f.strip()] or ["id", "description"]
        for name in fields:
            if name not in VIDEO_FIELDS:
                raise invalid_param(f"Tried accessing nonexisting field ({name}) on node type (Video)")
        if "status" in fields:
            self._read_status(video)
        post = self.fb.store.posts[self.fb.name].get(video["post_id"])
        values: dict[str, Any] = {
            "id": video_id, "status": {"video_status": video["state"], **_phases(video["state"])},
            "post_id": video["post_id"], "permalink_url": f"/{video['page']}/videos/{video_id}/",
            "description": post.text if post and post.text else None, "title": video["title"] or None,
            "created_time": video["created_time"], "source": video["url"],
        }
        return json_response({name: values[name] for name in fields if values.get(name) is not None})

    def _read_status(self, video: dict[str, Any]) -> None:
        if video["state"] != "processing":
            return
        if video["reads_left"] > 0:
            video["reads_left"] -= 1
            return
        video["state"] = "ready" if video["final"] == "ready" else "error"
        if video["state"] == "ready":
            self.fb.unpublished.discard(video["post_id"])

    def _int_switch(self, name: str, default: int) -> int:
        try:
            return max(0, int(self.fb.faults.switch(name)))
        except (TypeError, ValueError):
            return default  # a malformed switch must not crash the sandbox
