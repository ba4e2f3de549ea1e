"""Publishing steps on Instagram's containers (reference §3.2, §15), without sleeping in a worker.

publish() runs as far as it can: create the container(s), read their status once, and when Meta
is still processing (videos always take a while) raise NotReady with the container ids. The engine
calls again a few seconds later with `request.progress`; that call only reads the status and goes
on, so no container is ever created twice for one delivery. A carousel's children must be
FINISHED before the parent is created, so a carousel with videos may pass through NotReady twice.
Containers are invisible until media_publish, so abandoning one costs nothing.
"""

from __future__ import annotations

from typing import Any

from platforms.errors import ContentRejected, NotReady, OutcomeUnknown, TransientError
from platforms.graph import GraphCalls
from platforms.instagram import text
from platforms.instagram.client import Connection
from platforms.instagram.translate import NOT_READY_SUBCODE
from platforms.types import MediaItem, PublishRequest

CHECK_AFTER_S = 5.0
STATUS_FIELDS = "status_code,status"
REJECTED_HINT = {"ERROR": "could not process the media", "EXPIRED": "let the media expire before publishing"}


def _ids(value: Any) -> list[str]:
    """Container ids from an earlier NotReady; anything malformed counts as nothing created yet."""
    if isinstance(value, str):
        return [value] if value.isdigit() else []
    if isinstance(value, list) and all(isinstance(v, str) and v.isdigit() for v in value):
        return list(value)
    return []


class ContainerSteps(GraphCalls):
    def _ready_container(self, conn: Connection, request: PublishRequest) -> str:
        """The parent container id once FINISHED; NotReady while Meta processes the media."""
        children, container = _ids(request.progress.get("children")), _ids(request.progress.get("container"))
        if len(request.media) > 1 and not container:
            if not children:
                children = [self._new_container(conn, **self._child_args(item)) for item in request.media]
            self._await(conn, children, {"children": children, "container": ""})
            container = [self._new_container(conn, media_type="CAROUSEL", children=",".join(children),
                                             caption=text.caption(request))]
        elif not container:
            container = [self._new_container(conn, **self._single_args(request))]
        self._await(conn, container, {"children": children, "container": container[0]})
        return container[0]

    @staticmethod
    def _single_args(request: PublishRequest) -> dict[str, str]:
        item, caption = request.media[0], text.caption(request)
        if item.kind == "video":
            return {"media_type": "REELS", "video_url": item.url, "caption": caption, "share_to_feed": "true"}
        args = {"image_url": item.url, "caption": caption}
        if item.alt_text:
            args["alt_text"] = item.alt_text
        return args

    @staticmethod
    def _child_args(item: MediaItem) -> dict[str, str]:
        if item.kind == "video":
            return {"media_type": "VIDEO", "video_url": item.url, "is_carousel_item": "true"}
        return {"image_url": item.url, "is_carousel_item": "true"}

    def _new_container(self, conn: Connection, **args: str) -> str:
        # Containers are invisible until media_publish, so creating one is not "the create": create=False.
        answer = self._call(conn, False, conn.graph.put_object, conn.ig_id, "media", **args)
        if not answer.get("id"):
            raise TransientError("Instagram accepted the media but returned no container id; it will be retried.")
        return str(answer["id"])

    def _await(self, conn: Connection, containers: list[str], progress: dict[str, Any]) -> None:
        """One status read per container: returns when all are FINISHED, else raises."""
        pending = False
        for container in containers:
            answer = self._call(conn, False, conn.graph.get_object, container, fields=STATUS_FIELDS)
            status = str(answer.get("status_code") or "")
            if status in REJECTED_HINT:
                reason = str(answer.get("status") or status.lower())[:300]
                raise ContentRejected(f"Instagram {REJECTED_HINT[status]} of this post ({reason}). Check that images "
                                      "are JPEGs and videos MP4 (H.264/AAC), with public URLs and accepted aspect "
                                      "ratios.", platform_code=f"container_{status.lower()}")
            if status == "PUBLISHED":
                # Only media_publish makes a container PUBLISHED: an earlier call did publish it.
                raise OutcomeUnknown("Instagram says this post's media was already published; SMO will check "
                                     "the account.", platform_code="container_published")
            if status not in ("FINISHED", "IN_PROGRESS"):
                raise TransientError(f"Instagram answered the media status check with {status or 'nothing'!r}; "
                                     "nothing was published, it will be retried.", platform_code="container_status")
            pending = pending or status == "IN_PROGRESS"
        if pending:
            raise self._not_ready(progress)

    @staticmethod
    def _not_ready(progress: dict[str, Any]) -> NotReady:
        return NotReady("Instagram is still processing the media; nothing is published yet. SMO checks again "
                        "in a few seconds.", progress=progress, check_after_s=CHECK_AFTER_S,
                        platform_code="container_in_progress")

    def _media_publish(self, conn: Connection, container: str) -> str:
        # The irreversible step, called once per container: a timeout here is OutcomeUnknown and the
        # reconciler (find_published), not a retry, decides. Meta refuses a second publish of a container.
        try:
            answer = self._call(conn, True, conn.graph.put_object, conn.ig_id, "media_publish", creation_id=container)
        except TransientError as exc:
            if exc.platform_code.endswith(f"/{NOT_READY_SUBCODE}"):  # FINISHED, yet Meta is not quite done
                raise self._not_ready({"children": [], "container": container}) from exc
            raise
        if not answer.get("id"):
            raise OutcomeUnknown("Instagram accepted the post but returned no id; SMO will check the account.")
        return str(answer["id"])
