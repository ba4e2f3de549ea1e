"""The YouTube adapter: one video per post through the resumable upload, comments in the inbox.

Plain ``requests`` on the HTTP seam (no Google client library). The upload advances one chunk per
publish() call and reports its session URI through NotReady, so ``resumes_uploads`` tells the
reconciler that an interrupted send with stored progress may simply be resumed: the session can
never produce a second video.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar

from django.utils.translation import gettext

from platforms.errors import NotSupported
from platforms.options import OptionField
from platforms.types import (
    AccountInfo,
    AuthorizationStart,
    Capabilities,
    ChannelRef,
    InboxPage,
    PublishRequest,
    PublishResult,
    ReplyTarget,
    TokenGrant,
    WebhookItem,
)
from platforms.youtube import inbox, media, oauth, text, upload
from platforms.youtube.client import API, LIST_UNITS, UPLOAD_API, WRITE_UNITS, Connection, connect
from platforms.youtube.fields import OPTION_FIELDS
from platforms.youtube.inbox import parse_time

FIND_PAGES = 3
PAGE_SIZE = 50  # playlistItems.list maxResults ceiling


def watch_url(video_id: str) -> str:
    return f"https://www.youtube.com/watch?v={video_id}"


class YouTubeAdapter:
    platform: ClassVar[str] = "youtube"
    display_name: ClassVar[str] = "YouTube"
    daily_quota: ClassVar[int] = 10_000
    resumes_uploads: ClassVar[bool] = True
    option_fields: ClassVar[tuple[OptionField, ...]] = OPTION_FIELDS
    capabilities: ClassVar[Capabilities] = Capabilities(
        text_limit=text.DESCRIPTION_LIMIT,
        length_rule="YouTube limits the description to 5,000 bytes (an emoji uses 4) and the title to "
                    "100 characters; neither may contain < or >.",
        max_images=0,
        max_videos=1,
        inbox_kinds=("comment", "reply"),
    )

    composed_text = staticmethod(text.composed_text)
    text_length = staticmethod(text.text_length)

    # -- content ------------------------------------------------------------------------------

    def validate(self, request: PublishRequest) -> list[str]:
        found = text.problems(request) + media.problems(request.media)
        if request.thread or request.poll_options or request.quote_of:
            found.append(gettext("YouTube publishes a video, not threads, polls or quotes; remove them for "
                                 "this channel."))
        return found

    def fingerprint(self, request: PublishRequest) -> str:
        return text.fingerprint(request)

    # -- publishing ---------------------------------------------------------------------------

    def publish(self, request: PublishRequest) -> PublishResult:
        conn = connect(request.channel)
        video = upload.step(conn, request)
        warning = self._set_thumbnail(conn, request, str(video["id"]))
        return PublishResult(external_id=str(video["id"]), permalink=watch_url(str(video["id"])),
                             published_at=parse_time((video.get("snippet") or {}).get("publishedAt")),
                             warning=warning)

    def _set_thumbnail(self, conn: Connection, request: PublishRequest, video_id: str) -> str:
        """The video exists whatever happens here, so a failed thumbnail is a warning, never an error."""
        image = media.thumbnail(request)
        if image is None:
            return ""
        try:
            data = media.read_all(image, media.MAX_THUMBNAIL_BYTES)
            conn.call("POST", f"{UPLOAD_API}/thumbnails/set", units=WRITE_UNITS, params={"videoId": video_id},
                      data=data, headers={"Content-Type": image.mime_type})
        except Exception as exc:  # noqa: BLE001 - any failure leaves the published video as it is
            return f"The video is on YouTube, but its thumbnail could not be set ({getattr(exc, 'message', exc)})."
        return ""

    def find_published(self, channel: ChannelRef, fingerprint: str, since: datetime) -> PublishResult | None:
        conn = connect(channel)
        params: dict[str, Any] = {"part": "snippet", "playlistId": self._uploads_playlist(conn),
                                  "maxResults": PAGE_SIZE}
        for _ in range(FIND_PAGES):
            page = conn.json("GET", f"{API}/playlistItems", units=LIST_UNITS, params=params)
            items = page.get("items") or []
            for item in items:
                found = self._match(item.get("snippet") or {}, fingerprint, since)
                if found is not None:
                    return found
            if not page.get("nextPageToken") or not items:
                return None
            params = {**params, "pageToken": page["nextPageToken"]}
        return None

    def _uploads_playlist(self, conn: Connection) -> str:
        body = conn.json("GET", f"{API}/channels", units=LIST_UNITS, params={"part": "contentDetails", "mine": "true"})
        for item in body.get("items") or []:
            playlist = ((item.get("contentDetails") or {}).get("relatedPlaylists") or {}).get("uploads")
            if playlist:
                return str(playlist)
        raise NotSupported("YouTube shows no uploads list for this channel; reconnect it.", platform_code="uploads")

    def _match(self, snippet: dict[str, Any], fingerprint: str, since: datetime) -> PublishResult | None:
        added = parse_time(snippet.get("publishedAt"))
        if added is not None and added < since:
            return None
        shown = text.fingerprint_parts(str(snippet.get("title") or ""), str(snippet.get("description") or ""))
        if shown != fingerprint:
            return None
        video_id = str((snippet.get("resourceId") or {}).get("videoId") or "")
        return PublishResult(external_id=video_id, permalink=watch_url(video_id), published_at=added) if video_id \
            else None

    # -- inbox --------------------------------------------------------------------------------

    def fetch_inbox(self, channel: ChannelRef, cursor: str) -> InboxPage:
        return inbox.fetch_inbox(channel, cursor)

    def reply(self, channel: ChannelRef, target: ReplyTarget, text: str) -> PublishResult:
        return inbox.reply(channel, target, text)

    def set_hidden(self, channel: ChannelRef, external_id: str, hidden: bool) -> None:
        inbox.set_hidden(channel, external_id, hidden)

    def webhook_items(self, payload: dict) -> list[WebhookItem]:
        return []  # YouTube pushes uploads only (WebSub), never comments

    # -- connect ------------------------------------------------------------------------------

    def authorization_url(self, redirect_uri: str) -> AuthorizationStart:
        return oauth.authorization_start(redirect_uri)

    def exchange_code(self, code: str, redirect_uri: str, code_verifier: str) -> TokenGrant:
        return oauth.exchange_code(code, redirect_uri, code_verifier)

    def refresh(self, channel: ChannelRef) -> TokenGrant:
        return oauth.refresh(channel.credentials.refresh_token)

    def verify(self, channel: ChannelRef) -> AccountInfo:
        conn = connect(channel)
        body = conn.json("GET", f"{API}/channels", units=LIST_UNITS,
                         params={"part": "snippet,contentDetails,status", "mine": "true"})
        items = body.get("items") or []
        if not items or not items[0].get("id"):
            raise NotSupported(gettext("This Google account has no YouTube channel; create one on YouTube, then "
                                       "connect again."), platform_code="youtubeSignupRequired")
        item = items[0]
        snippet = item.get("snippet") or {}
        uploads = ((item.get("contentDetails") or {}).get("relatedPlaylists") or {}).get("uploads") or ""
        thumbnail = ((snippet.get("thumbnails") or {}).get("default") or {}).get("url") or ""
        return AccountInfo(
            external_id=str(item["id"]), display_name=str(snippet.get("title") or item["id"]),
            handle=str(snippet.get("customUrl") or item["id"]).lstrip("@"), avatar_url=str(thumbnail),
            info={"uploads_playlist": str(uploads),
                  "long_uploads": str((item.get("status") or {}).get("longUploadsStatus") or "")},
        )
