"""What TikTok will show: the caption (video) or description (photo post), counted in UTF-16 units.

TikTok limits a video caption to 2,200 UTF-16 code units (an emoji outside the BMP counts as two),
a photo post's description to 4,000 and its title to 90 (reference §7).
"""

from __future__ import annotations

import hashlib
import re
import unicodedata

from django.utils.translation import gettext as _

from platforms.types import PublishRequest

CAPTION_LIMIT = 2200
PHOTO_DESCRIPTION_LIMIT = 4000
PHOTO_TITLE_LIMIT = 90
_WHITESPACE = re.compile(r"\s+")


def compose(request: PublishRequest) -> str:
    """The caption TikTok receives: the text with the link appended when it is missing.

    TikTok does not make links in captions clickable, but people can still read and copy them."""
    text = request.text.strip()
    link = request.link.strip()
    if link and link not in text:
        text = f"{text}\n\n{link}" if text else link
    return text


def utf16_length(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def is_photo_post(request: PublishRequest) -> bool:
    return bool(request.media) and all(item.kind == "image" for item in request.media)


def length_problems(request: PublishRequest) -> list[str]:
    caption = compose(request)
    problems = []
    limit = PHOTO_DESCRIPTION_LIMIT if is_photo_post(request) else CAPTION_LIMIT
    if utf16_length(caption) > limit:
        problems.append(_("TikTok allows %(limit)d characters (emoji count as two) in this caption; this one has "
                          "%(length)d.") % {"limit": limit, "length": utf16_length(caption)})
    title = str(request.options.get("title") or "")
    if utf16_length(title) > PHOTO_TITLE_LIMIT:
        problems.append(_("TikTok allows %(limit)d characters in a photo post's title; this one has %(length)d.")
                        % {"limit": PHOTO_TITLE_LIMIT, "length": utf16_length(title)})
    return problems


def normalise(text: str) -> str:
    return _WHITESPACE.sub(" ", unicodedata.normalize("NFC", text)).strip()


def fingerprint_text(text: str) -> str:
    return hashlib.sha256(normalise(text).encode("utf-8")).hexdigest()
