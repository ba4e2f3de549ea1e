"""The Facebook Pages adapter: publishing with a Page token through facebook-sdk on the seam's session.

A channel is one Page: `external_id` is the Page id, the access token is the Page token (from
/me/accounts at connect time; it does not expire when minted from a long-lived user token).
Publishing is one create (`/feed`, `/photos` for a single photo, `/videos` for a video, see
video.py). Multi-photo posts first upload each photo with `published=false` - invisible, so safe to
repeat - then create the post with `attached_media`. A first comment follows the create and can
only ever add a warning. The inbox side (comments, Messenger, hiding) is in engagement.py.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from itertools import islice
from typing import Any, ClassVar

from platforms.errors import ContentRejected, NotSupported, OutcomeUnknown, PlatformError
from platforms.facebook import oauth, text, webhooks
from platforms.facebook.engagement import Connection, Engagement, connect
from platforms.facebook.inbox import parse_time
from platforms.facebook.translate import translate
from platforms.facebook.video import VideoPublishing
from platforms.facebook.video import post_permalink as permalink
from platforms.types import (
    AccountInfo,
    AuthorizationStart,
    Capabilities,
    ChannelRef,
    PublishRequest,
    PublishResult,
    TokenGrant,
    WebhookItem,
)

logger = logging.getLogger(__name__)

FIND_LIMIT = 300  # reconciliation looks at the Page's 300 newest posts since the attempt
POST_FIELDS = "id,message,link,created_time,permalink_url"


__all__ = ["FacebookAdapter", "connect", "parse_time", "permalink"]


class FacebookAdapter(VideoPublishing, Engagement):
    platform: ClassVar[str] = "facebook"
    display_name: ClassVar[str] = "Facebook"
    translate_error = staticmethod(translate)
    capabilities: ClassVar[Capabilities] = Capabilities(
        text_limit=text.MAX_MESSAGE,
        length_rule="Facebook counts every character once, links included (63,206 at most).",
        max_images=text.MAX_PHOTOS,
        max_videos=1,
        supports_first_comment=True,
        inbox_kinds=("comment", "reply", "message"),
        webhooks=True,
    )

    def __init__(self) -> None:
        self.last_rate_limits: dict[str, str] = {}  # usage headers of the last call, for pacing

    # -- content ------------------------------------------------------------------------------

    def validate(self, request: PublishRequest) -> list[str]:
        return text.problems(request)

    def fingerprint(self, request: PublishRequest) -> str:
        return text.fingerprint(request)

    # -- publishing ---------------------------------------------------------------------------

    def publish(self, request: PublishRequest) -> PublishResult:
        problems = text.problems(request)
        if problems:  # the engine validates first; this guards direct callers
            raise ContentRejected(" ".join(problems))
        conn = connect(request.channel)
        page_id = request.channel.external_id
        if text.videos(request):
            return self._publish_video(conn, page_id, request)
        post_id = self._create_post(conn, page_id, request)
        warning = self._first_comment(conn, post_id, request.first_comment.strip())
        return PublishResult(external_id=post_id, permalink=permalink(post_id),
                             published_at=datetime.now(UTC), warning=warning)

    def _create_post(self, conn: Connection, page_id: str, request: PublishRequest) -> str:
        message, photos = text.compose_message(request), text.photos(request)
        if len(photos) == 1:
            answer = self._call(conn, True, conn.graph.put_object, page_id, "photos", url=photos[0].url,
                                message=message)
            return self._id(answer, "post_id", "id")
        args: dict[str, str] = {"message": message} if message else {}
        if not photos and request.link.strip():
            args["link"] = request.link.strip()
        if photos:
            ids = [self._upload_unpublished(conn, page_id, photo.url) for photo in photos]
            args["attached_media"] = json.dumps([{"media_fbid": photo_id} for photo_id in ids])
        return self._id(self._call(conn, True, conn.graph.put_object, page_id, "feed", **args), "id")

    def _upload_unpublished(self, conn: Connection, page_id: str, url: str) -> str:
        # Unpublished photos never show on the Page, so an upload is not "the create": create=False.
        answer = self._call(conn, False, conn.graph.put_object, page_id, "photos", url=url, published="false")
        photo_id = str(answer.get("id") or "")
        if not photo_id:
            raise PlatformError("Facebook accepted a photo but returned no id.")
        return photo_id

    def _id(self, answer: dict[str, Any], *keys: str) -> str:
        for key in keys:
            if answer.get(key):
                return str(answer[key])
        # A 2xx without an id: the post may well exist.
        raise OutcomeUnknown("Facebook accepted the post but returned no id; SMO will check the Page.")

    # -- reconciliation -----------------------------------------------------------------------

    def find_published(self, channel: ChannelRef, fingerprint: str, since: datetime) -> PublishResult | None:
        conn = connect(channel)
        posts = self._call(conn, False, lambda: list(islice(conn.graph.get_all_connections(
            channel.external_id, "posts", since=int(since.timestamp()), fields=POST_FIELDS, limit=100), FIND_LIMIT)))
        matches = [p for p in posts if text.fingerprint_parts(p.get("message", ""), p.get("link", "")) == fingerprint]
        if not matches:
            return None
        post = matches[-1]  # newest first: the oldest match is the one the lost create made
        return PublishResult(external_id=str(post["id"]), permalink=str(post.get("permalink_url") or
                                                                       permalink(str(post["id"]))),
                             published_at=parse_time(post.get("created_time")))

    def verify(self, channel: ChannelRef) -> AccountInfo:
        conn = connect(channel)
        page = self._call(conn, False, conn.graph.get_object, channel.external_id, fields="id,name,username")
        if not page.get("id"):
            raise NotSupported("Facebook did not say which Page this token belongs to; try connecting again.")
        name = str(page.get("name") or page["id"])
        return AccountInfo(external_id=str(page["id"]), display_name=name, handle=str(page.get("username") or name),
                           avatar_url=f"https://graph.facebook.com/{page['id']}/picture")

    def webhook_items(self, payload: dict) -> list[WebhookItem]:
        return webhooks.webhook_items(payload)

    # -- connect (Facebook Login, then the admin picks Pages) --------------------------------

    picks_pages: ClassVar[bool] = True  # the connect flow lists Pages instead of verifying one account

    def authorization_url(self, redirect_uri: str) -> AuthorizationStart:
        return oauth.authorization_start(redirect_uri)

    def exchange_code(self, code: str, redirect_uri: str, code_verifier: str) -> TokenGrant:
        """A long-lived *user* token: it only serves to list Pages (`list_pages`)."""
        return oauth.exchange_code(code, redirect_uri)

    def list_pages(self, user_token: str) -> list[oauth.PageGrant]:
        return oauth.list_pages(user_token)

    def refresh(self, channel: ChannelRef) -> TokenGrant:
        # Page tokens from a long-lived user token do not expire; a dead one needs a reconnect.
        raise NotSupported("Facebook Page tokens are not refreshed; reconnect the channel instead.")

