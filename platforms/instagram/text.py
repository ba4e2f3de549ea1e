"""What Instagram will show for a post: the caption, the media, validation and the fingerprint.

Instagram does not make links in captions clickable, but a link the marketer added still belongs
in the text, so it is appended as Facebook does with photo posts. The same normaliser serves
`fingerprint()` before publishing and `find_published()` on the account's media afterwards.
One video alone is published as a reel (Meta publishes every single feed video as a reel since
2023); a carousel mixes images and videos.
"""

from __future__ import annotations

import re

from django.utils.formats import number_format
from django.utils.translation import gettext as _

from platforms.facebook.text import fingerprint_parts, normalise
from platforms.types import MediaItem, PublishRequest

MAX_CAPTION = 2200  # reference §3.2
MAX_HASHTAGS = 30
MAX_COMMENT = 2200
MIN_CAROUSEL, MAX_CAROUSEL = 2, 10
REEL_SECONDS = (3.0, 900.0)  # Reels published through the API: 3 s to 15 min
CAROUSEL_VIDEO_SECONDS = 60.0
MAX_IMAGE_BYTES = 8 * 1024 * 1024
_HASHTAG = re.compile(r"(?<!\w)#\w+")


def images(request: PublishRequest) -> list[MediaItem]:
    return [m for m in request.media if m.kind == "image"]


def is_reel(request: PublishRequest) -> bool:
    return len(request.media) == 1 and request.media[0].kind == "video"


def caption(request: PublishRequest) -> str:
    text, link = request.text.strip(), request.link.strip()
    if link and link not in text:
        return f"{text}\n\n{link}" if text else link
    return text


def _n(number: int) -> str:
    return number_format(number, force_grouping=True)


def problems(request: PublishRequest) -> list[str]:
    found: list[str] = []
    text = caption(request)
    if len(text) > MAX_CAPTION:
        found.append(_("Instagram allows at most %(limit)s characters in a caption; this one has %(count)s.")
                     % {"limit": _n(MAX_CAPTION), "count": _n(len(text))})
    hashtags = len(_HASHTAG.findall(text))
    if hashtags > MAX_HASHTAGS:
        found.append(_("Instagram allows at most %(limit)d hashtags in a caption; this one has %(count)d.")
                     % {"limit": MAX_HASHTAGS, "count": hashtags})
    if len(request.first_comment) > MAX_COMMENT:
        found.append(_("Instagram allows at most %(limit)s characters in a comment; the first comment has %(count)s.")
                     % {"limit": _n(MAX_COMMENT), "count": _n(len(request.first_comment))})
    found += media_problems(request)
    return found


def media_problems(request: PublishRequest) -> list[str]:
    if not request.media:
        return [_("Instagram needs an image or a video for every post: add one, or 2 to 10 for a carousel.")]
    if any(m.kind == "gif" for m in request.media):
        return [_("Instagram does not accept GIFs: convert the GIF to a video (MP4) or use a still image.")]
    if len(request.media) > MAX_CAROUSEL:
        return [_("Instagram allows at most %(limit)d images or videos in a carousel; this post has %(count)d.")
                % {"limit": MAX_CAROUSEL, "count": len(request.media)}]
    return [problem for item in request.media if (problem := _item_problem(item, carousel=len(request.media) > 1))]


def _item_problem(item: MediaItem, *, carousel: bool) -> str:
    if item.kind == "image":
        if item.size_bytes > MAX_IMAGE_BYTES:
            return _("Instagram accepts images of at most 8 MB; one image of this post is larger.")
        return ""
    low, high = REEL_SECONDS
    if carousel and item.duration_s > CAROUSEL_VIDEO_SECONDS:
        return _("Instagram allows videos of at most %(seconds)d seconds in a carousel.") % {
            "seconds": CAROUSEL_VIDEO_SECONDS}
    if not carousel and item.duration_s and not low <= item.duration_s <= high:
        return _("Instagram reels must last from %(low)d seconds to %(high)d minutes.") % {
            "low": low, "high": high / 60}
    return ""


def fingerprint(request: PublishRequest) -> str:
    return fingerprint_caption(caption(request))


def fingerprint_caption(text: str) -> str:
    # Media without a caption cannot be told apart by text: they all share one fingerprint.
    return fingerprint_parts(normalise(text), "instagram:no-caption")
