"""What Instagram will show for a post: the caption, the images, validation and the fingerprint.

Instagram does not make links in captions clickable, but a link the marketer added still belongs
in the text, so it is appended as Facebook does with photo posts. The same normaliser serves
`fingerprint()` before publishing and `find_published()` on the account's media afterwards.
"""

from __future__ import annotations

import re

from platforms.facebook.text import fingerprint_parts, normalise
from platforms.types import MediaItem, PublishRequest

MAX_CAPTION = 2200  # reference §3.2
MAX_HASHTAGS = 30
MAX_COMMENT = 2200
MIN_CAROUSEL, MAX_CAROUSEL = 2, 10
_HASHTAG = re.compile(r"(?<!\w)#\w+")


def images(request: PublishRequest) -> list[MediaItem]:
    return [m for m in request.media if m.mime_type.startswith("image/")]


def caption(request: PublishRequest) -> str:
    text, link = request.text.strip(), request.link.strip()
    if link and link not in text:
        return f"{text}\n\n{link}" if text else link
    return text


def problems(request: PublishRequest) -> list[str]:
    found: list[str] = []
    text = caption(request)
    if len(text) > MAX_CAPTION:
        found.append(f"Instagram allows at most {MAX_CAPTION:,} characters in a caption; this one has {len(text):,}.")
    hashtags = len(_HASHTAG.findall(text))
    if hashtags > MAX_HASHTAGS:
        found.append(f"Instagram allows at most {MAX_HASHTAGS} hashtags in a caption; this one has {hashtags}.")
    if len(request.first_comment) > MAX_COMMENT:
        found.append(f"Instagram allows at most {MAX_COMMENT:,} characters in a comment; "
                     f"the first comment has {len(request.first_comment):,}.")
    found += media_problems(request)
    return found


def media_problems(request: PublishRequest) -> list[str]:
    if not request.media:
        return ["Instagram needs an image for every post: add one image, or 2 to 10 for a carousel."]
    if len(images(request)) != len(request.media):
        return ["SMO cannot publish videos or reels to Instagram yet (not supported yet): use images only."]
    if len(request.media) > MAX_CAROUSEL:
        return [f"Instagram allows at most {MAX_CAROUSEL} images in a carousel; this post has {len(request.media)}."]
    return []


def fingerprint(request: PublishRequest) -> str:
    return fingerprint_caption(caption(request))


def fingerprint_caption(text: str) -> str:
    # Media without a caption cannot be told apart by text: they all share one fingerprint.
    return fingerprint_parts(normalise(text), "instagram:no-caption")
