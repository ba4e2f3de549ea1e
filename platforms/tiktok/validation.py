"""TikTok's rules for a post, checked before anything is sent (pre-flight) and again against the creator
info TikTok returns right before the post (privacy levels offered, longest video allowed)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from platforms.tiktok.text import length_problems
from platforms.types import PublishRequest

PRIVACY_LEVELS = ("PUBLIC_TO_EVERYONE", "MUTUAL_FOLLOW_FRIENDS", "FOLLOWER_OF_CREATOR", "SELF_ONLY")
MAX_PHOTOS = 35
VIDEO_TYPES = ("video/mp4", "video/quicktime", "video/webm")
PHOTO_TYPES = ("image/jpeg", "image/webp")
MIN_VIDEO_SECONDS = 3


def problems(request: PublishRequest) -> list[str]:
    found = _media_problems(request) + length_problems(request) + _option_problems(request)
    if request.thread or request.poll_options or request.quote_of or request.first_comment:
        found.append(_("TikTok posts have no threads, polls, quotes or first comments; remove them for this "
                       "channel."))
    return found


def _media_problems(request: PublishRequest) -> list[str]:
    media = request.media
    if not media:
        return [_("TikTok needs one video or 1 to %(limit)d photos; this post has no media.") % {"limit": MAX_PHOTOS}]
    videos = [item for item in media if item.kind == "video"]
    if videos and len(media) > 1:
        return [_("TikTok takes one video on its own, or photos only; this post mixes them or has several videos.")]
    if any(item.kind == "gif" for item in media):
        return [_("TikTok does not take GIFs; convert it to a video or a JPEG.")]
    if len(media) > MAX_PHOTOS:
        return [_("TikTok allows at most %(limit)d photos in a post; this one has %(count)d.")
                % {"limit": MAX_PHOTOS, "count": len(media)}]
    found = []
    for number, item in enumerate(media, start=1):
        allowed = VIDEO_TYPES if item.kind == "video" else PHOTO_TYPES
        if item.mime_type not in allowed:
            found.append(_("TikTok takes %(types)s for this kind of file; file %(number)d is %(type)s.")
                         % {"types": ", ".join(allowed), "number": number, "type": item.mime_type or "unknown"})
        if item.kind == "video" and 0 < item.duration_s < MIN_VIDEO_SECONDS:
            found.append(_("TikTok videos must last at least %(seconds)d seconds.") % {"seconds": MIN_VIDEO_SECONDS})
    return found


def _option_problems(request: PublishRequest) -> list[str]:
    opts = request.options
    privacy = str(opts.get("privacy_level") or "")
    found = []
    if not privacy:
        found.append(_("TikTok asks the creator to choose who can view every post; choose a privacy level."))
    elif privacy not in PRIVACY_LEVELS:
        found.append(_("TikTok does not know the privacy level %(value)s.") % {"value": privacy})
    if opts.get("brand_content_toggle") and privacy == "SELF_ONLY":
        found.append(_("TikTok does not allow branded content (paid partnership) to be private ('Only me')."))
    return found


def publish_problems(request: PublishRequest, info: dict[str, Any]) -> list[str]:
    """Checks against the creator info queried just before the post."""
    found = []
    offered = [str(level) for level in info.get("privacy_level_options") or []]
    privacy = str(request.options.get("privacy_level") or "")
    if privacy not in offered:
        found.append(_("TikTok no longer offers the privacy level %(value)s for this account (it offers "
                       "%(offered)s); choose another.") % {"value": privacy, "offered": ", ".join(offered) or "none"})
    longest = int(info.get("max_video_post_duration_sec") or 0)
    video = request.media[0] if request.media and request.media[0].kind == "video" else None
    if video is not None and longest and video.duration_s > longest:
        found.append(_("TikTok lets this account post videos of at most %(max)d seconds; this one lasts %(length)d.")
                     % {"max": longest, "length": round(video.duration_s)})
    return found
