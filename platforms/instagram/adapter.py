"""The Instagram adapter (Instagram API with Facebook Login): container -> status -> media_publish.

A channel is one Instagram professional account: `external_id` is the IG user id, the access
token a Page token of the linked Page (or a token of the IG user itself). Publishing (reference §3.2):
1. check `content_publishing_limit` (50 posts per moving 24 h): a full quota waits, visibly;
2. create the container(s) - carousel children first, in the post's order, then the parent;
3. check the container status briefly (at most ~3 s: a worker never sleeps long);
4. `media_publish`, the one irreversible call; 5. the permalink; 6. the optional first comment.
Only step 4 publishes anything: containers are invisible until published, which is why every
failure before it can be retried by creating new containers (reference §15).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from itertools import islice
from typing import ClassVar

from platforms.errors import ContentRejected, NotSupported, OutcomeUnknown, PlatformError, TransientError
from platforms.facebook.adapter import parse_time
from platforms.graph import GraphCalls, facebook, graph_client
from platforms.instagram import text
from platforms.instagram.translate import quota_exhausted, translate
from platforms.types import (
    AccountInfo,
    AuthorizationStart,
    Capabilities,
    ChannelRef,
    InboxPage,
    PublishRequest,
    PublishResult,
    TokenGrant,
)

logger = logging.getLogger(__name__)

# Pauses before each status check: 2.8 s in all. Longer processing becomes a TransientError and a
# later attempt, rather than a worker thread asleep (reference §15: poll, never sleep).
STATUS_WAITS = (0.0, 0.4, 0.8, 1.6)
QUOTA_WINDOW = timedelta(hours=24)
FIND_LIMIT = 200
MEDIA_FIELDS = "id,caption,permalink,timestamp"
CONNECT_HINT = ("Instagram accounts are connected with \"Connect Facebook\": pick the Page linked to the "
                "Instagram professional account and tick \"Also connect its Instagram account\".")


@dataclass
class Connection:
    graph: facebook.GraphAPI
    ig_id: str
    secrets: tuple[str, ...]


def connect(channel: ChannelRef) -> Connection:
    token = channel.credentials.access_token
    return Connection(graph_client(token, "instagram"), channel.external_id, (token,) if token else ())


class InstagramAdapter(GraphCalls):
    platform: ClassVar[str] = "instagram"
    display_name: ClassVar[str] = "Instagram"
    translate_error = staticmethod(translate)
    capabilities: ClassVar[Capabilities] = Capabilities(
        text_limit=text.MAX_CAPTION,
        length_rule="Instagram counts every character of the caption once (2,200 at most, 30 hashtags).",
        max_images=text.MAX_CAROUSEL,
        max_videos=0,
        supports_first_comment=True,
    )
    sleep: ClassVar[Callable[[float], None]] = staticmethod(time.sleep)  # tests replace it

    def __init__(self) -> None:
        self.last_rate_limits: dict[str, str] = {}  # usage headers of the last call, for pacing

    # -- content ------------------------------------------------------------------------------

    def validate(self, request: PublishRequest) -> list[str]:
        return text.problems(request)

    def fingerprint(self, request: PublishRequest) -> str:
        return text.fingerprint(request)

    # -- publishing ---------------------------------------------------------------------------

    def publish(self, request: PublishRequest) -> PublishResult:
        self._guard(request)
        conn = connect(request.channel)
        self._check_quota(conn)
        container = self._create_containers(conn, request)
        self._wait_until_finished(conn, container)
        media_id = self._media_publish(conn, container)
        link = self._permalink(conn, media_id)
        warning = self._first_comment(conn, media_id, request.first_comment.strip())
        return PublishResult(external_id=media_id, permalink=link, published_at=datetime.now(UTC), warning=warning)

    def _guard(self, request: PublishRequest) -> None:
        """The engine validates first; this guards direct callers with the same sentences."""
        if request.media and len(text.images(request)) != len(request.media):
            raise NotSupported(text.media_problems(request)[0])
        problems = text.problems(request)
        if problems:
            raise ContentRejected(" ".join(problems))

    def _check_quota(self, conn: Connection) -> None:
        answer = self._call(conn, False, conn.graph.get_connections, conn.ig_id, "content_publishing_limit",
                            fields="quota_usage,config")
        entry = (answer.get("data") or [{}])[0]
        used, total = entry.get("quota_usage"), (entry.get("config") or {}).get("quota_total")
        if isinstance(used, int) and isinstance(total, int) and used >= total:
            raise quota_exhausted(total, self._quota_reset(conn))

    def _quota_reset(self, conn: Connection) -> datetime | None:
        """When the oldest post of the last 24 hours leaves the window; None when unknown."""
        since = datetime.now(UTC) - QUOTA_WINDOW
        try:
            media = self._call(conn, False, conn.graph.get_connections, conn.ig_id, "media",
                               since=int(since.timestamp()), fields="timestamp", limit=100)
        except PlatformError:
            return None  # the wait falls back to a conservative default; the quota error still stands
        times = [t for t in (parse_time(m.get("timestamp")) for m in media.get("data") or []) if t and t > since]
        reset = min(times) + QUOTA_WINDOW if times else None
        return reset if reset and reset > datetime.now(UTC) else None

    def _create_containers(self, conn: Connection, request: PublishRequest) -> str:
        # Containers are invisible until media_publish, so creating them is not "the create": create=False.
        caption, images = text.caption(request), text.images(request)
        if len(images) == 1:
            args = {"image_url": images[0].url, "caption": caption}
            if images[0].alt_text:
                args["alt_text"] = images[0].alt_text
            return self._new_container(conn, **args)
        children = [self._new_container(conn, image_url=image.url, is_carousel_item="true") for image in images]
        return self._new_container(conn, media_type="CAROUSEL", children=",".join(children), caption=caption)

    def _new_container(self, conn: Connection, **args: str) -> str:
        answer = self._call(conn, False, conn.graph.put_object, conn.ig_id, "media", **args)
        if not answer.get("id"):
            raise TransientError("Instagram accepted the media but returned no container id; it will be retried.")
        return str(answer["id"])

    def _wait_until_finished(self, conn: Connection, container: str) -> None:
        for pause in STATUS_WAITS:
            if pause:
                self.sleep(pause)
            answer = self._call(conn, False, conn.graph.get_object, container, fields="status_code,status")
            status = str(answer.get("status_code") or "")
            if status == "FINISHED":
                return
            if status in ("ERROR", "EXPIRED"):
                reason = answer.get("status") or status.lower()
                raise ContentRejected(f"Instagram could not process the media of this post ({reason}). Check that "
                                      "the images are JPEGs with a public URL and an aspect ratio from 4:5 to 1.91:1.",
                                      platform_code=f"container_{status.lower()}")
        # Safe to retry: an unpublished container is invisible and expires on its own, so the next
        # attempt simply creates a new one; nothing has been published.
        raise TransientError("Instagram is still processing the media; nothing was published yet, SMO will try "
                             "again shortly.", platform_code="container_in_progress")

    def _media_publish(self, conn: Connection, container: str) -> str:
        # The irreversible step, called once per container: a timeout here is OutcomeUnknown and the
        # reconciler (find_published), not a retry, decides. Meta refuses a second publish of a container.
        answer = self._call(conn, True, conn.graph.put_object, conn.ig_id, "media_publish", creation_id=container)
        if not answer.get("id"):
            raise OutcomeUnknown("Instagram accepted the post but returned no id; SMO will check the account.")
        return str(answer["id"])

    def _permalink(self, conn: Connection, media_id: str) -> str:
        """Never raises: the post is live, and raising would make the engine publish it again."""
        try:
            answer = self._call(conn, False, conn.graph.get_object, media_id, fields="permalink")
        except PlatformError as exc:
            logger.warning("Instagram permalink of %s unavailable: %s", media_id, exc.message)
            return ""
        link = str(answer.get("permalink") or "")
        return link if link.startswith("https://") else ""

    # -- reconciliation -----------------------------------------------------------------------

    def find_published(self, channel: ChannelRef, fingerprint: str, since: datetime) -> PublishResult | None:
        conn = connect(channel)
        media = self._call(conn, False, lambda: list(islice(conn.graph.get_all_connections(
            conn.ig_id, "media", since=int(since.timestamp()), fields=MEDIA_FIELDS, limit=100), FIND_LIMIT)))
        matches = [m for m in media if text.fingerprint_caption(m.get("caption") or "") == fingerprint]
        if not matches:
            return None
        found = matches[-1]  # newest first: the oldest match is the one the lost create made
        return PublishResult(external_id=str(found["id"]), permalink=str(found.get("permalink") or ""),
                             published_at=parse_time(found.get("timestamp")))

    def verify(self, channel: ChannelRef) -> AccountInfo:
        conn = connect(channel)
        account = self._call(conn, False, conn.graph.get_object, conn.ig_id, fields="id,username,name")
        if not account.get("id"):
            raise NotSupported("Instagram did not say which account this token belongs to; try connecting again.")
        handle = str(account.get("username") or account["id"])
        return AccountInfo(external_id=str(account["id"]), display_name=str(account.get("name") or handle),
                           handle=handle)

    # -- not in this slice ------------------------------------------------------------------

    def fetch_inbox(self, channel: ChannelRef, cursor: str) -> InboxPage:
        raise NotSupported("SMO does not collect Instagram comments and messages yet.")

    def reply(self, channel: ChannelRef, in_reply_to: str, text: str) -> PublishResult:
        raise NotSupported("SMO cannot answer on Instagram yet.")

    # -- connect: through Facebook's Page picker (the Page's linked account, with the Page token) --

    connected_through: ClassVar[str] = "facebook"  # the channel list offers no Instagram button of its own

    def authorization_url(self, redirect_uri: str) -> AuthorizationStart:
        raise NotSupported(CONNECT_HINT)

    def exchange_code(self, code: str, redirect_uri: str, code_verifier: str) -> TokenGrant:
        raise NotSupported(CONNECT_HINT)

    def refresh(self, channel: ChannelRef) -> TokenGrant:
        # The token is a Page token from a long-lived user token: it does not expire; reconnect if it dies.
        raise NotSupported("Instagram tokens from Facebook Login are not refreshed; reconnect the channel instead.")
