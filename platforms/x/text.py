"""What X will show for a post: how parts are composed, how long X counts them, and the fingerprint.

The same normaliser serves `fingerprint()` (before publishing) and `find_published()` (matching the
account's timeline afterwards), so the two sides can only agree or both be wrong in the same way.
"""

from __future__ import annotations

import hashlib
import html
import re
import unicodedata

from twitter_text import extract_urls_with_indices, parse_tweet

from platforms.types import MediaItem, PublishRequest

MAX_WEIGHTED_LENGTH = 280
MAX_IMAGES = 4
MAX_VIDEOS = 1
URL_PLACEHOLDER = "\u2063url\u2063"  # invisible separators: cannot collide with text a user types
_WHITESPACE = re.compile(r"\s+")


def compose_parts(request: PublishRequest) -> list[str]:
    """The texts X receives: the root (with the link appended when missing) then each thread part."""
    root = request.text.strip()
    link = request.link.strip()
    if link and link not in root:
        root = f"{root}\n\n{link}" if root else link
    return [root, *(part.strip() for part in request.thread)]


def weighted_length(text: str) -> int:
    return parse_tweet(text).weightedLength


def length_problems(parts: list[str]) -> list[str]:
    problems = []
    for index, part in enumerate(parts):
        length = weighted_length(part)
        if length <= MAX_WEIGHTED_LENGTH:
            continue
        which = "this post" if index == 0 else f"thread part {index + 1}"
        problems.append(
            "X counts 23 characters per link and 2 per emoji/CJK character: "
            f"{which} is {length} of {MAX_WEIGHTED_LENGTH}."
        )
    return problems


def media_problems(media: tuple[MediaItem, ...]) -> list[str]:
    videos = [m for m in media if m.mime_type.startswith("video/") or m.mime_type == "image/gif"]
    images = [m for m in media if m not in videos]
    if videos and images:
        return ["X allows either up to 4 images or 1 video (or GIF) per post, not both."]
    if len(videos) > MAX_VIDEOS:
        return [f"X allows 1 video or GIF per post; this post has {len(videos)}."]
    if len(images) > MAX_IMAGES:
        return [f"X allows at most {MAX_IMAGES} images per post; this post has {len(images)}."]
    return []


def normalise(text: str) -> str:
    """Text as X shows it, minus what X changes: links (rewritten to t.co), HTML entities, spacing."""
    # X's API returns &, < and > HTML-escaped; our own text is not, so unescape both sides.
    text = unicodedata.normalize("NFC", html.unescape(text))
    pieces, position = [], 0
    for url in extract_urls_with_indices(text):
        start, end = url["indices"]
        pieces.extend([text[position:start], URL_PLACEHOLDER])
        position = end
    pieces.append(text[position:])
    return _WHITESPACE.sub(" ", "".join(pieces)).strip()


def fingerprint_text(text: str) -> str:
    return hashlib.sha256(normalise(text).encode("utf-8")).hexdigest()
