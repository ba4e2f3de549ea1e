"""The TikTok adapter: direct video and photo posts through the Content Posting API (reference §7).

TikTok requires the creator info to be queried before every post: verify() stores it on the channel (the
composer offers its privacy levels) and publish() asks again, refusing a privacy or video length the
account no longer allows. There is no inbox in this API and no webhook SMO reads.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, ClassVar

from django.utils.translation import gettext_lazy

from platforms.errors import ContentRejected, NotSupported
from platforms.options import BOOLEAN, CHOICE, TEXT, OptionField
from platforms.publish_only import PublishOnly
from platforms.tiktok import oauth, posting
from platforms.tiktok.client import connect
from platforms.tiktok.text import CAPTION_LIMIT, PHOTO_TITLE_LIMIT, compose, fingerprint_text, utf16_length
from platforms.tiktok.validation import problems, publish_problems
from platforms.types import (
    AccountInfo,
    AuthorizationStart,
    Capabilities,
    ChannelRef,
    PublishRequest,
    PublishResult,
    TokenGrant,
)

VIDEO_FIELDS = "id,title,video_description,create_time,share_url"
FIND_PAGES = 3  # 60 newest videos: plenty for the minutes since a lost answer
PRIVACY_LABELS = {"PUBLIC_TO_EVERYONE": gettext_lazy("Everyone"),
                  "MUTUAL_FOLLOW_FRIENDS": gettext_lazy("Friends (followers you follow back)"),
                  "FOLLOWER_OF_CREATOR": gettext_lazy("Followers"), "SELF_ONLY": gettext_lazy("Only me")}


class TikTokAdapter(PublishOnly):
    no_inbox_message: ClassVar[str] = ("TikTok's posting API gives no access to comments or messages, so SMO "
                                       "cannot read, answer or hide them.")
    platform: ClassVar[str] = "tiktok"
    display_name: ClassVar[str] = "TikTok"
    capabilities: ClassVar[Capabilities] = Capabilities(
        text_limit=CAPTION_LIMIT,
        length_rule="TikTok counts UTF-16 units: most characters are one, many emoji two. Photo posts allow a "
                    "4,000-character description.",
        max_images=35,
        max_videos=1,
    )
    # TikTok's UX rules: the creator picks the privacy every time (no default), interactions are opt-outs.
    option_fields: ClassVar[tuple[OptionField, ...]] = (
        OptionField("privacy_level", gettext_lazy("Who can view"), kind=CHOICE, required=True,
                    choices_from="privacy_levels"),
        OptionField("disable_comment", gettext_lazy("Turn off comments"), kind=BOOLEAN, default=False),
        OptionField("disable_duet", gettext_lazy("Turn off Duet (videos)"), kind=BOOLEAN, default=False),
        OptionField("disable_stitch", gettext_lazy("Turn off Stitch (videos)"), kind=BOOLEAN, default=False),
        OptionField("brand_organic_toggle", gettext_lazy("Promotes your own brand"), kind=BOOLEAN, default=False),
        OptionField("brand_content_toggle", gettext_lazy("Paid partnership (promotes a third party)"),
                    kind=BOOLEAN, default=False,
                    help_text=gettext_lazy("Branded content cannot be private ('Only me').")),
        OptionField("title", gettext_lazy("Title (photo posts)"), kind=TEXT, max_length=PHOTO_TITLE_LIMIT),
    )

    @staticmethod
    def composed_text(request: PublishRequest) -> str:
        return compose(request)

    @staticmethod
    def text_length(text: str) -> int:
        return utf16_length(text)

    def validate(self, request: PublishRequest) -> list[str]:
        return problems(request)

    def fingerprint(self, request: PublishRequest) -> str:
        return fingerprint_text(compose(request))

    # -- publishing ---------------------------------------------------------------------------

    def publish(self, request: PublishRequest) -> PublishResult:
        conn = connect(request.channel)
        progress: dict[str, Any] = dict(request.progress or {})
        data, start = b"", 0
        if not progress.get("publish_id"):
            info = posting.creator_info(conn)  # TikTok requires it right before each post
            found = publish_problems(request, info)
            if found:
                raise ContentRejected(" ".join(found), platform_code="creator_info")
            video = request.media[0] if request.media[0].kind == "video" else None
            if video is not None and posting.video_source() == "FILE_UPLOAD":
                data = posting.fetch(video)
            progress = posting.init(conn, request, info, len(data))
        if not progress.get("uploaded"):
            if not data:
                start = int(posting.status(conn, progress).get("uploaded_bytes") or 0)
                data = posting.fetch(request.media[0])
            posting.upload(conn, progress, data, request.media[0].mime_type, start)
        ids = posting.settle(posting.status(conn, progress), progress)
        return self._result(request, progress, ids)

    @staticmethod
    def _result(request: PublishRequest, progress: dict[str, Any], ids: list[str]) -> PublishResult:
        now = datetime.now(UTC)
        if not ids:
            # Private posts, and public ones still in moderation, have no public id yet.
            return PublishResult(external_id=str(progress["publish_id"]), published_at=now,
                                 warning="TikTok published the post; its public link appears once TikTok's "
                                         "moderation has passed it.")
        kind = "video" if request.media[0].kind == "video" else "photo"
        link = f"https://www.tiktok.com/@{request.channel.handle}/{kind}/{ids[0]}" if request.channel.handle else ""
        return PublishResult(external_id=ids[0], permalink=link, published_at=now)

    def find_published(self, channel: ChannelRef, fingerprint: str, since: datetime) -> PublishResult | None:
        """The Display API's video list (scope video.list), matched on the caption. TikTok lists a post there
        only once moderation has passed it, and may not list photo posts: those stay for a person to check."""
        conn = connect(channel)
        body: dict[str, Any] = {"max_count": 20}
        match: dict[str, Any] | None = None
        for _ in range(FIND_PAGES):
            data = conn.call("POST", "/v2/video/list/", json=body, params={"fields": VIDEO_FIELDS})
            videos = data.get("videos") or []
            for video in videos:
                created = datetime.fromtimestamp(int(video.get("create_time") or 0), tz=UTC)
                text = str(video.get("video_description") or video.get("title") or "")
                if created >= since and fingerprint_text(text) == fingerprint:
                    match = video  # newest first: keep the oldest match, the one the lost answer made
            if not data.get("has_more") or not videos:
                break
            body = {"max_count": 20, "cursor": data.get("cursor")}
        if match is None:
            return None
        return PublishResult(external_id=str(match["id"]), permalink=str(match.get("share_url") or ""),
                             published_at=datetime.fromtimestamp(int(match.get("create_time") or 0), tz=UTC))

    # -- connect ------------------------------------------------------------------------------

    def authorization_url(self, redirect_uri: str) -> AuthorizationStart:
        return oauth.authorization_start(redirect_uri)

    def exchange_code(self, code: str, redirect_uri: str, code_verifier: str) -> TokenGrant:
        return oauth.exchange_code(code, redirect_uri)

    def refresh(self, channel: ChannelRef) -> TokenGrant:
        return oauth.refresh(channel.credentials.refresh_token)

    def verify(self, channel: ChannelRef) -> AccountInfo:
        conn = connect(channel)
        user = conn.call("GET", "/v2/user/info/", params={"fields": "open_id,union_id,avatar_url,display_name"})
        user = user.get("user") or {}
        if not user.get("open_id"):
            raise NotSupported("TikTok did not say which account this token belongs to; try connecting again.")
        info = posting.creator_info(conn)
        handle = str(info.get("creator_username") or user.get("display_name") or "")
        return AccountInfo(
            external_id=str(user["open_id"]), handle=handle,
            display_name=str(info.get("creator_nickname") or user.get("display_name") or handle),
            avatar_url=str(info.get("creator_avatar_url") or user.get("avatar_url") or ""),
            info=platform_info(info),
        )


def platform_info(info: dict[str, Any]) -> dict[str, Any]:
    """The creator info the composer needs, in Channel.platform_info's shape (choices as value/label)."""
    levels = [str(level) for level in info.get("privacy_level_options") or []]
    return {
        "privacy_levels": [{"value": level, "label": str(PRIVACY_LABELS.get(level, level))} for level in levels],
        "max_video_post_duration_sec": int(info.get("max_video_post_duration_sec") or 0),
        "comment_disabled": bool(info.get("comment_disabled")),
        "duet_disabled": bool(info.get("duet_disabled")),
        "stitch_disabled": bool(info.get("stitch_disabled")),
        "nickname": str(info.get("creator_nickname") or ""),
        "avatar_url": str(info.get("creator_avatar_url") or ""),
    }
