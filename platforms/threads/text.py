"""What Threads will show for a post: the composed text, how Threads counts it, validation, fingerprint.

Threads allows 500 characters per post, but emojis count as their UTF-8 byte length (reference §8):
"hi 👋" is 3 + 4 = 7. Since December 2025 a post with more than 5 distinct links fails at container
creation (THREADS_API__LINK_LIMIT_EXCEEDED), so links are checked here before anything is sent. A
link the marketer added is appended to the text, as on Instagram: Threads has no separate link field
for image and video posts, and a text post previews the first link it contains.
"""

from __future__ import annotations

import re
import unicodedata

from django.utils.translation import gettext as _

from platforms.facebook.text import fingerprint_parts, normalise
from platforms.types import MediaItem, PublishRequest

MAX_TEXT = 500
MAX_LINKS = 5
MIN_CAROUSEL, MAX_CAROUSEL = 2, 20
MAX_IMAGE_BYTES = 8 * 1024 * 1024
MAX_VIDEO_SECONDS = 300.0  # Threads' media guidelines: videos up to 5 minutes
_URL = re.compile(r"(?:https?://|www\.)[^\s<>\"]+", re.IGNORECASE)
_TRAILING = ".,;:!?)]}'\""
# Emoji building blocks that are not "So" symbols themselves: joiners, selectors, skin tones, tags.
_EMOJI_PARTS = frozenset({0x200D, 0xFE0E, 0xFE0F, 0x20E3}) | frozenset(range(0x1F3FB, 0x1F400))


def _is_emoji_part(char: str) -> bool:
    point = ord(char)
    if point in _EMOJI_PARTS or 0xE0020 <= point <= 0xE007F or 0x1F1E6 <= point <= 0x1F1FF:
        return True
    return point >= 0x2100 and unicodedata.category(char) == "So"


def text_length(text: str) -> int:
    """Length as Threads counts it: one per character, an emoji's UTF-8 bytes for each emoji code point."""
    return sum(len(char.encode("utf-8")) if _is_emoji_part(char) else 1 for char in text)


def composed_text(request: PublishRequest) -> str:
    text, link = request.text.strip(), request.link.strip()
    if link and link not in text:
        return f"{text}\n\n{link}" if text else link
    return text


def links(text: str) -> set[str]:
    """Distinct URLs, as Threads counts them (www.-only addresses included, trailing punctuation dropped)."""
    return {match.group(0).rstrip(_TRAILING).lower() for match in _URL.finditer(text)}


def problems(request: PublishRequest) -> list[str]:
    found = _text_problems(composed_text(request), _("the post"))
    for number, part in enumerate(request.thread, start=2):
        if not part.strip():
            found.append(_("Threads cannot publish an empty reply in a thread (part %(part)d).") % {"part": number})
        found += _text_problems(part.strip(), _("part %(part)d of the thread") % {"part": number})
    if not composed_text(request) and not request.media:
        found.append(_("Threads needs text, a link, an image or a video for a post; this post is empty."))
    found += media_problems(request)
    return found


def _text_problems(text: str, where: str) -> list[str]:
    found: list[str] = []
    length = text_length(text)
    if length > MAX_TEXT:
        found.append(_("Threads allows at most %(limit)d characters in %(where)s (emojis count as several); "
                       "it has %(count)d.") % {"limit": MAX_TEXT, "where": where, "count": length})
    count = len(links(text))
    if count > MAX_LINKS:
        found.append(_("Threads allows at most %(limit)d links in %(where)s; it has %(count)d.")
                     % {"limit": MAX_LINKS, "where": where, "count": count})
    return found


def media_problems(request: PublishRequest) -> list[str]:
    if not request.media:
        return []
    if any(m.kind == "gif" for m in request.media):
        return [_("Threads does not accept GIFs through its API: convert the GIF to a video (MP4) or an image.")]
    if len(request.media) > MAX_CAROUSEL:
        return [_("Threads allows at most %(limit)d images or videos in a carousel; this post has %(count)d.")
                % {"limit": MAX_CAROUSEL, "count": len(request.media)}]
    return [problem for item in request.media if (problem := _item_problem(item))]


def _item_problem(item: MediaItem) -> str:
    if item.kind == "image" and item.size_bytes > MAX_IMAGE_BYTES:
        return _("Threads accepts images of at most 8 MB; one image of this post is larger.")
    if item.kind == "video" and item.duration_s > MAX_VIDEO_SECONDS:
        return _("Threads accepts videos of at most 5 minutes; one video of this post is longer.")
    return ""


def fingerprint(request: PublishRequest) -> str:
    return fingerprint_text(composed_text(request))


def fingerprint_text(text: str) -> str:
    # Media without text cannot be told apart by text: they all share one fingerprint.
    return fingerprint_parts(normalise(text), "threads:no-text")
