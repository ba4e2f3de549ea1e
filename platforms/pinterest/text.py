"""What Pinterest will show for a Pin: description, title, alt text, link, board; validation and fingerprint.

The post's text is the Pin's description (Pinterest does not make links in it clickable); the post's
link is the Pin's destination (`link`). The board, title and alt text are per-channel options. One
normaliser serves `fingerprint()` before publishing and `find_published()` on listed Pins afterwards.
"""

from __future__ import annotations

import hashlib
from typing import Any

from django.utils.formats import number_format
from django.utils.translation import gettext as _

from platforms.facebook.text import normalise
from platforms.types import MediaItem, PublishRequest

MAX_DESCRIPTION = 500  # Postiz's cap; a newer schema allows 800 (reference §6), 500 is safe for both
MAX_TITLE = 100
MAX_ALT_TEXT = 500
MAX_LINK = 2048
MIN_CAROUSEL, MAX_CAROUSEL = 2, 5
MB = 1_000_000
MAX_IMAGE_BYTES = 20 * MB
MAX_VIDEO_BYTES = 2000 * MB
VIDEO_SECONDS = (4.0, 15 * 60.0)


def description(request: PublishRequest) -> str:
    return request.text.strip()


def option(request: PublishRequest, name: str) -> str:
    return str(request.options.get(name) or "").strip()


def board(request: PublishRequest) -> str:
    return option(request, "board")


def title(request: PublishRequest) -> str:
    return option(request, "title")


def alt_text(request: PublishRequest) -> str:
    """The option, else the first image's own alt text (what the marketer typed when uploading)."""
    return option(request, "alt_text") or next((m.alt_text.strip() for m in images(request) if m.alt_text), "")


def images(request: PublishRequest) -> list[MediaItem]:
    return [m for m in request.media if m.kind != "video"]


def videos(request: PublishRequest) -> list[MediaItem]:
    return [m for m in request.media if m.kind == "video"]


def _n(number: int) -> str:
    return number_format(number, force_grouping=True)


def problems(request: PublishRequest) -> list[str]:
    found: list[str] = []
    if not board(request):
        found.append(_("Pinterest needs a board for every Pin: pick one of the account's boards."))
    limits = ((description(request), MAX_DESCRIPTION, _("Pinterest allows at most %(limit)s characters in a Pin "
                                                          "description; this one has %(count)s.")),
              (title(request), MAX_TITLE, _("Pinterest allows at most %(limit)s characters in a Pin title; this "
                                            "one has %(count)s.")),
              (alt_text(request), MAX_ALT_TEXT, _("Pinterest allows at most %(limit)s characters of alt text; "
                                                  "this Pin has %(count)s.")),
              (request.link.strip(), MAX_LINK, _("Pinterest allows links of at most %(limit)s characters; this "
                                                 "one has %(count)s.")))
    found += [message % {"limit": _n(limit), "count": _n(len(value))}
              for value, limit, message in limits if len(value) > limit]
    if request.thread or request.poll_options or request.quote_of:
        found.append(_("Pinterest has no threads, polls or quotes; remove them for this channel."))
    if request.first_comment.strip():
        found.append(_("Pinterest cannot add a first comment to a Pin; remove it for this channel."))
    return found + media_problems(request)


def media_problems(request: PublishRequest) -> list[str]:
    video_count, image_count = len(videos(request)), len(images(request))
    if not request.media:
        return [_("Pinterest needs an image or a video for every Pin: add one image, 2 to 5 for a carousel, "
                  "or a video.")]
    if video_count > 1:
        return [_("Pinterest takes one video per Pin; this post has %(count)d.") % {"count": video_count}]
    if video_count and image_count > 1:
        return [_("Pinterest takes a video with at most one image, used as its cover; this post has %(count)d "
                  "images.") % {"count": image_count}]
    if image_count > MAX_CAROUSEL:
        return [_("Pinterest allows at most %(limit)d images in a carousel Pin; this post has %(count)d.")
                % {"limit": MAX_CAROUSEL, "count": image_count}]
    return [problem for item in request.media if (problem := _item_problem(item))]


def _item_problem(item: MediaItem) -> str:
    if item.kind != "video":
        if item.size_bytes > MAX_IMAGE_BYTES:
            return _("Pinterest accepts images of at most 20 MB; one image of this post is larger.")
        return ""
    low, high = VIDEO_SECONDS
    if item.size_bytes > MAX_VIDEO_BYTES:
        return _("Pinterest accepts videos of at most 2 GB; the video of this post is larger.")
    if item.duration_s and not low <= item.duration_s <= high:
        return _("Pinterest videos must last from %(low)d seconds to %(high)d minutes.") % {
            "low": low, "high": high / 60}
    return ""


def fingerprint(request: PublishRequest) -> str:
    return fingerprint_fields(board(request), title(request), description(request), request.link.strip())


def fingerprint_pin(pin: dict[str, Any]) -> str:
    """The fingerprint of a Pin as the API lists it (the same fields a request is fingerprinted on)."""
    return fingerprint_fields(str(pin.get("board_id") or ""), str(pin.get("title") or ""),
                              str(pin.get("description") or ""), str(pin.get("link") or ""))


def fingerprint_fields(board_id: str, pin_title: str, text: str, link: str) -> str:
    # Pins with neither title, description nor link on one board cannot be told apart: they share one.
    basis = "\n".join((board_id.strip(), normalise(pin_title), normalise(text), link.strip()))
    return hashlib.sha256(basis.encode("utf-8")).hexdigest()
