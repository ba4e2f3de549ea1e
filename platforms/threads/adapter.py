"""The Threads adapter: sign-in, container -> status -> threads_publish, reply chains, the inbox.

A channel is one Threads profile: `external_id` is the Threads user id, the token its own 60-day
token (refreshed with th_refresh_token). Publishing (reference §8):
1. check `threads_publishing_limit` (250 posts per 24 h): a full quota waits, visibly;
2. create the container(s) and read their status once; still processing -> NotReady (containers.py);
3. on the next call, `threads_publish`, the one irreversible call;
4. the permalink; 5. thread parts as a reply chain (`reply_to_id`), whose failures are only warnings.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from platforms.errors import ContentRejected, NotSupported, PlatformError
from platforms.facebook.adapter import parse_time
from platforms.options import CHOICE, OptionField
from platforms.threads import oauth, text
from platforms.threads.client import Connection, connect
from platforms.threads.inbox import InboxCalls, dicts
from platforms.threads.translate import quota_exhausted
from platforms.types import (
    AccountInfo,
    AuthorizationStart,
    Capabilities,
    ChannelRef,
    PublishRequest,
    PublishResult,
    TokenGrant,
)

logger = logging.getLogger(__name__)

FIND_PAGES = 3
QUOTA_WINDOW = timedelta(hours=24)
POST_FIELDS = "id,text,permalink,timestamp"
PROFILE_FIELDS = "id,username,name,threads_profile_picture_url"
REPLY_CONTROLS = ("everyone", "accounts_you_follow", "mentioned_only", "parent_post_author_only", "followers_only")


class ThreadsAdapter(InboxCalls):
    platform: ClassVar[str] = "threads"
    display_name: ClassVar[str] = "Threads"
    capabilities: ClassVar[Capabilities] = Capabilities(
        text_limit=text.MAX_TEXT,
        length_rule="Threads counts each character once and each emoji as its UTF-8 bytes (500 at most, 5 links).",
        max_images=text.MAX_CAROUSEL,
        max_videos=text.MAX_CAROUSEL,
        supports_threads=True,
        inbox_kinds=("comment", "reply", "mention"),
    )
    option_fields: ClassVar[tuple[OptionField, ...]] = (
        OptionField(name="reply_control", label=_("Who can reply"), kind=CHOICE, default="everyone",
                    choices=(("everyone", _("Everyone")), ("accounts_you_follow", _("Profiles you follow")),
                             ("mentioned_only", _("Mentioned profiles only")),
                             ("parent_post_author_only", _("Only you")),
                             ("followers_only", _("Your followers")))),
    )

    def __init__(self) -> None:
        self.last_rate_limits: dict[str, str] = {}

    @staticmethod
    def composed_text(request: PublishRequest) -> str:
        return text.composed_text(request)

    @staticmethod
    def text_length(value: str) -> int:
        return text.text_length(value)

    # -- content ------------------------------------------------------------------------------

    def validate(self, request: PublishRequest) -> list[str]:
        found = text.problems(request)
        control = request.options.get("reply_control")
        if control and control not in REPLY_CONTROLS:
            found.append(gettext("Threads does not know the reply setting %(value)s.") % {"value": control})
        return found

    def fingerprint(self, request: PublishRequest) -> str:
        # The root is what reconciliation finds on the profile; thread parts follow from it.
        return text.fingerprint(request)

    # -- publishing ---------------------------------------------------------------------------

    def publish(self, request: PublishRequest) -> PublishResult:
        problems = self.validate(request)
        if problems:  # the engine validates first; this guards direct callers with the same sentences
            raise ContentRejected(" ".join(problems))
        conn = connect(request.channel)
        try:
            if not request.progress:
                self._check_quota(conn)  # before the first container: a full quota creates nothing
            container = self.ready_container(conn, request)
            if request.progress:
                self._check_quota(conn)  # time has passed since the first call
            media_id = self.publish_container(conn, container)
        finally:
            self.last_rate_limits = conn.last_rate_limits
        follow_ids, warning = self._publish_thread(conn, media_id, request.thread)
        return PublishResult(external_id=media_id, permalink=self._permalink(conn, media_id),
                             published_at=datetime.now(UTC), thread_ids=follow_ids, warning=warning)

    def _check_quota(self, conn: Connection) -> None:
        answer = conn.get(f"/{conn.user_id}/threads_publishing_limit", fields="quota_usage,config")
        entry = (answer.get("data") or [{}])[0]
        used, total = entry.get("quota_usage"), (entry.get("config") or {}).get("quota_total")
        if isinstance(used, int) and isinstance(total, int) and used >= total:
            raise quota_exhausted(total, self._quota_reset(conn))

    def _quota_reset(self, conn: Connection) -> datetime | None:
        """When the oldest post of the last 24 hours leaves the window; None when unknown."""
        since = datetime.now(UTC) - QUOTA_WINDOW
        try:
            posts = conn.get(f"/{conn.user_id}/threads", since=int(since.timestamp()), fields="timestamp", limit=100)
        except PlatformError:
            return None  # the wait falls back to a conservative default; the quota error still stands
        times = [t for t in (parse_time(p.get("timestamp")) for p in dicts(posts.get("data"))) if t and t > since]
        reset = min(times) + QUOTA_WINDOW if times else None
        return reset if reset and reset > datetime.now(UTC) else None

    def _publish_thread(self, conn: Connection, root_id: str, parts: tuple[str, ...]) -> tuple[tuple[str, ...], str]:
        """Post the parts as a reply chain. Never raises: the root exists, and raising would make the
        engine publish the whole delivery, root included, a second time."""
        ids = [root_id]
        for number, part in enumerate(parts, start=2):
            try:
                container = self.new_container(conn, media_type="TEXT", text=part.strip(), reply_to_id=ids[-1])
                self.await_finished(conn, [container], {})
                ids.append(self.publish_container(conn, container))
            except Exception as exc:  # deliberately broad, see the docstring
                reason = exc.message if isinstance(exc, PlatformError) else "an unexpected error in SMO"
                logger.warning("Threads thread part %s failed after root %s: %s", number, root_id, reason,
                               exc_info=not isinstance(exc, PlatformError))
                return tuple(ids[1:]), (f"Threads published {len(ids)} of {len(parts) + 1} thread parts; "
                                        f"part {number} failed and the rest were not sent: {reason}")
        return tuple(ids[1:]), ""

    def _permalink(self, conn: Connection, media_id: str) -> str:
        """Never raises: the post is live, and raising would make the engine publish it again."""
        try:
            link = str(conn.get(f"/{media_id}", fields="id,permalink").get("permalink") or "")
        except PlatformError as exc:
            logger.warning("Threads permalink of %s unavailable: %s", media_id, exc.message)
            return ""
        return link if link.startswith("https://") else ""

    # -- reconciliation -----------------------------------------------------------------------

    def find_published(self, channel: ChannelRef, fingerprint: str, since: datetime) -> PublishResult | None:
        conn = connect(channel)
        path, params = f"/{conn.user_id}/threads", {"fields": POST_FIELDS, "since": int(since.timestamp()),
                                                    "limit": 100}
        matches: list[dict[str, Any]] = []
        for _page in range(FIND_PAGES):
            answer = conn.get(path, **params)
            matches += [p for p in answer.get("data") or [] if isinstance(p, dict)
                        and text.fingerprint_text(str(p.get("text") or "")) == fingerprint]
            after = ((answer.get("paging") or {}).get("cursors") or {}).get("after")
            if not after or not answer.get("data"):
                break
            params = {**params, "after": after}
        if not matches:
            return None
        found = matches[-1]  # newest first: the oldest match is the one the lost create made
        return PublishResult(external_id=str(found["id"]), permalink=str(found.get("permalink") or ""),
                             published_at=parse_time(found.get("timestamp")))

    # -- connect ------------------------------------------------------------------------------

    def verify(self, channel: ChannelRef) -> AccountInfo:
        me = connect(channel).get("/me", fields=PROFILE_FIELDS)
        account_id = str(me.get("id") or "")
        if not account_id.isdigit():
            raise NotSupported("Threads did not say which profile this token belongs to; try connecting again.")
        handle = str(me.get("username") or account_id)
        avatar = str(me.get("threads_profile_picture_url") or "")
        return AccountInfo(external_id=account_id, display_name=str(me.get("name") or handle), handle=handle,
                           avatar_url=avatar if avatar.startswith("https://") else "")

    def authorization_url(self, redirect_uri: str) -> AuthorizationStart:
        return oauth.authorization_start(redirect_uri)

    def exchange_code(self, code: str, redirect_uri: str, code_verifier: str) -> TokenGrant:
        return oauth.exchange_code(code, redirect_uri)

    def refresh(self, channel: ChannelRef) -> TokenGrant:
        return oauth.refresh(channel.credentials.access_token)
