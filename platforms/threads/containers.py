"""Publishing on Threads' containers (reference §8, §15), without sleeping in a worker.

Like Instagram: create the container(s), read their status once, and while Meta is still fetching
and processing media raise NotReady with the container ids. The engine calls again a few seconds
later with `request.progress`; that call only reads the status and goes on, so no container is
created twice for one delivery. A carousel's items must be FINISHED before the CAROUSEL container
is created. Containers stay invisible until `threads_publish`, the one irreversible call.
"""

from __future__ import annotations

from typing import Any

from platforms.errors import ContentRejected, NotReady, OutcomeUnknown, TransientError
from platforms.threads import text
from platforms.threads.client import Connection
from platforms.threads.translate import NOT_READY_SUBCODE
from platforms.types import MediaItem, PublishRequest

CHECK_AFTER_S = 5.0
STATUS_FIELDS = "status,error_message"
REJECTED_HINT = {"ERROR": "could not process", "EXPIRED": "let expire before publishing"}


def _ids(value: Any) -> list[str]:
    """Container ids from an earlier NotReady; anything malformed counts as nothing created yet."""
    if isinstance(value, str):
        return [value] if value.isdigit() else []
    if isinstance(value, list) and all(isinstance(v, str) and v.isdigit() for v in value):
        return list(value)
    return []


def _media_args(item: MediaItem) -> dict[str, str]:
    if item.kind == "video":
        args = {"media_type": "VIDEO", "video_url": item.url}
    else:
        args = {"media_type": "IMAGE", "image_url": item.url}
    if item.alt_text:
        args["alt_text"] = item.alt_text
    return args


def _post_args(request: PublishRequest) -> dict[str, str]:
    """What the post's own container carries besides its media: the text and who may reply."""
    args = {"text": text.composed_text(request)}
    reply_control = str(request.options.get("reply_control") or "")
    if reply_control:
        args["reply_control"] = reply_control
    return args


def root_args(request: PublishRequest) -> dict[str, str]:
    """The single (non-carousel) container of the post."""
    return {**(_media_args(request.media[0]) if request.media else {"media_type": "TEXT"}), **_post_args(request)}


class ContainerSteps:
    def ready_container(self, conn: Connection, request: PublishRequest) -> str:
        """The post's container id once FINISHED; NotReady while Meta processes the media."""
        children, container = _ids(request.progress.get("children")), _ids(request.progress.get("container"))
        if len(request.media) > 1 and not container:
            if not children:
                children = [self.new_container(conn, **_media_args(item), is_carousel_item="true")
                            for item in request.media]
            self.await_finished(conn, children, {"children": children, "container": ""})
            args = {"media_type": "CAROUSEL", "children": ",".join(children), **_post_args(request)}
            container = [self.new_container(conn, **args)]
        elif not container:
            container = [self.new_container(conn, **root_args(request))]
        self.await_finished(conn, container, {"children": children, "container": container[0]})
        return container[0]

    def new_container(self, conn: Connection, **args: str) -> str:
        # Containers are invisible until threads_publish, so creating one is not "the create".
        answer = conn.post(f"/{conn.user_id}/threads", create=False, **args)
        if not answer.get("id"):
            raise TransientError("Threads created no media container; nothing was published, it will be retried.")
        return str(answer["id"])

    def await_finished(self, conn: Connection, containers: list[str], progress: dict[str, Any]) -> None:
        """One status read per container: returns when all are FINISHED, else raises."""
        pending = False
        for container in containers:
            answer = conn.get(f"/{container}", fields=STATUS_FIELDS)
            status = str(answer.get("status") or "")
            if status in REJECTED_HINT:
                reason = str(answer.get("error_message") or status.lower())[:300]
                raise ContentRejected(f"Threads {REJECTED_HINT[status]} the media of this post ({reason}). Check "
                                      "that images are JPEG or PNG and videos MP4 or MOV, with public URLs.",
                                      platform_code=f"container_{status.lower()}")
            if status == "PUBLISHED":
                # Only threads_publish makes a container PUBLISHED: an earlier call did publish it.
                raise OutcomeUnknown("Threads says this post was already published; SMO will check the account.",
                                     platform_code="container_published")
            if status not in ("FINISHED", "IN_PROGRESS"):
                raise TransientError(f"Threads answered the media status check with {status or 'nothing'!r}; "
                                     "nothing was published, it will be retried.", platform_code="container_status")
            pending = pending or status == "IN_PROGRESS"
        if pending:
            raise not_ready(progress)

    def publish_container(self, conn: Connection, container: str) -> str:
        """The irreversible step, once per container: a lost answer is OutcomeUnknown and the reconciler
        (find_published), not a retry, decides."""
        try:
            answer = conn.post(f"/{conn.user_id}/threads_publish", create=True, creation_id=container)
        except TransientError as exc:
            if exc.platform_code.endswith(f"/{NOT_READY_SUBCODE}"):  # FINISHED, yet Meta is not quite done
                raise not_ready({"children": [], "container": container}) from exc
            raise
        if not answer.get("id"):
            raise OutcomeUnknown("Threads accepted the post but returned no id; SMO will check the account.")
        return str(answer["id"])


def not_ready(progress: dict[str, Any]) -> NotReady:
    return NotReady("Threads is still processing the media; nothing is published yet. SMO checks again in a few "
                    "seconds.", progress=progress, check_after_s=CHECK_AFTER_S, platform_code="container_in_progress")
