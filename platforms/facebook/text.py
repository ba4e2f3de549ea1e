"""What Facebook will show for a post: the composed message, its validation and the fingerprint.

The same normaliser serves `fingerprint()` before publishing and `find_published()` on the Page's
posts afterwards, so both sides agree or are wrong in the same way.
"""

from __future__ import annotations

import hashlib
import html
import re
import unicodedata

from django.utils.formats import number_format
from django.utils.translation import gettext as _

from platforms.types import MediaItem, PublishRequest

MAX_MESSAGE = 63206  # the limit Postiz and Meta's composer use (reference §2.2)
MAX_COMMENT = 8000
MAX_PHOTOS = 10
MAX_MESSENGER_TEXT = 2000  # the Send API's limit for message.text
_WHITESPACE = re.compile(r"\s+")


def photos(request: PublishRequest) -> list[MediaItem]:
    return [m for m in request.media if m.kind != "video"]


def videos(request: PublishRequest) -> list[MediaItem]:
    return [m for m in request.media if m.kind == "video"]


def compose_message(request: PublishRequest) -> str:
    """The message Facebook receives. With photos there is no `link` parameter, so the link goes
    into the text (when it is not already there); without photos it is sent as `link` instead."""
    text, link = request.text.strip(), request.link.strip()
    if request.media and link and link not in text:
        return f"{text}\n\n{link}" if text else link
    return text


def _n(number: int) -> str:
    return number_format(number, force_grouping=True)  # 63,206 in English, 63.206 in German


def problems(request: PublishRequest) -> list[str]:
    found: list[str] = []
    message = compose_message(request)
    if not message and not request.link.strip() and not request.media:
        found.append(_("Facebook needs text, a link or a photo for a post; this post is empty."))
    if len(message) > MAX_MESSAGE:
        found.append(_("Facebook allows at most %(limit)s characters in a post; this post has %(count)s.")
                     % {"limit": _n(MAX_MESSAGE), "count": _n(len(message))})
    if len(request.first_comment) > MAX_COMMENT:
        found.append(_("Facebook allows at most %(limit)s characters in a comment; the first comment has %(count)s.")
                     % {"limit": _n(MAX_COMMENT), "count": _n(len(request.first_comment))})
    found.extend(_media_problems(request))
    return found


def _media_problems(request: PublishRequest) -> list[str]:
    """Only Facebook's own rules; sizes, formats and durations are the shared media pre-flight's job."""
    found: list[str] = []
    video_count, photo_count = len(videos(request)), len(photos(request))
    if video_count and photo_count:
        found.append(_("Facebook cannot mix a video with photos in one post: publish them as separate posts."))
    if video_count > 1:
        found.append(_("Facebook takes one video per post; this post has %(count)d.") % {"count": video_count})
    if photo_count > MAX_PHOTOS:
        found.append(_("Facebook allows at most %(limit)d photos per post; this post has %(count)d.")
                     % {"limit": MAX_PHOTOS, "count": photo_count})
    return found


def normalise(text: str) -> str:
    """Text as compared with what the Graph API returns: NFC, entities unescaped, spacing collapsed."""
    return _WHITESPACE.sub(" ", unicodedata.normalize("NFC", html.unescape(text))).strip()


def fingerprint_parts(message: str, link: str = "") -> str:
    # A link-only post has no message: the link is then what identifies it.
    basis = normalise(message) or f"link:{link.strip()}"
    return hashlib.sha256(basis.encode("utf-8")).hexdigest()


def fingerprint(request: PublishRequest) -> str:
    return fingerprint_parts(compose_message(request), request.link)
