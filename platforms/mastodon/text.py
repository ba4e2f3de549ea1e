"""What Mastodon will show for a status: the composed text, how Mastodon counts it, and the fingerprint.

Mastodon returns a status as HTML (`content`), never as the text we sent, so `normalise()` reduces
both sides to the same plain form: tags stripped, entities unescaped, links replaced by one
placeholder and remote mentions shortened to what the instance shows (`@user`).
"""

from __future__ import annotations

import hashlib
import html
import re
import unicodedata

from django.utils.translation import gettext as _

from platforms.types import PublishRequest

DEFAULT_MAX_CHARACTERS = 500  # Mastodon's default; instances may configure more (GET /api/v2/instance)
URL_WEIGHT = 23  # configuration.statuses.characters_reserved_per_url
URL_PLACEHOLDER = "\u2063url\u2063"
# Mastodon counts links with a scheme only; a bare "example.com" is plain text.
_URL = re.compile(r"https?://[^\s<>\"]+[^\s<>\".,:;!?)\]'}]", re.IGNORECASE)
# "@user@other.instance" counts (and displays) as "@user".
_REMOTE_MENTION = re.compile(r"(?<![\w@])(@\w+)@[\w.-]+\w", re.UNICODE)
_WHITESPACE = re.compile(r"\s+")
_BREAKS = re.compile(r"<br\s*/?>|</p>\s*<p[^>]*>", re.IGNORECASE)
_TAGS = re.compile(r"<[^>]+>")


def compose(request: PublishRequest) -> str:
    """The status text Mastodon receives: the text with the link appended when it is missing."""
    text = request.text.strip()
    link = request.link.strip()
    if link and link not in text:
        text = f"{text}\n\n{link}" if text else link
    return text


def _is_cluster_extender(char: str) -> bool:
    """Code points that join the previous one into a single grapheme (an approximation of UAX #29,
    enough for accents, ZWJ emoji sequences, skin tones and variation selectors)."""
    code = ord(char)
    return (unicodedata.combining(char) != 0 or code == 0x200D or 0xFE00 <= code <= 0xFE0F
            or 0x1F3FB <= code <= 0x1F3FF or 0xE0020 <= code <= 0xE007F)


def grapheme_count(text: str) -> int:
    count, previous = 0, ""
    joined = False
    for index, char in enumerate(text):
        if index and (_is_cluster_extender(char) or joined):
            joined = ord(char) == 0x200D
            previous = char
            continue
        # Two regional indicators make one flag.
        if previous and 0x1F1E6 <= ord(char) <= 0x1F1FF and 0x1F1E6 <= ord(previous) <= 0x1F1FF:
            previous = ""
            continue
        count += 1
        joined = False
        previous = char
    return count


def weighted_length(text: str) -> int:
    """Mastodon's count: graphemes, each link as 23, remote mentions without their domain."""
    text = unicodedata.normalize("NFC", text)
    text = _REMOTE_MENTION.sub(r"\1", text)
    text = _URL.sub("x" * URL_WEIGHT, text)
    return grapheme_count(text)


def length_problems(text: str, limit: int = DEFAULT_MAX_CHARACTERS, spoiler_text: str = "") -> list[str]:
    """Mastodon counts the content warning toward the same limit as the text."""
    length = weighted_length(text) + weighted_length(spoiler_text)
    if length <= limit:
        return []
    if spoiler_text:
        return [_("Mastodon counts the content warning with the text and every link as 23 characters: "
                  "this post is %(length)d of the server's %(limit)d.") % {"length": length, "limit": limit}]
    return [_("Mastodon counts every link as 23 characters: this post is %(length)d of the server's %(limit)d.")
            % {"length": length, "limit": limit}]


def html_to_text(content: str) -> str:
    """A status's `content` HTML as the plain text a reader sees."""
    return html.unescape(_TAGS.sub("", _BREAKS.sub("\n", content)))


def normalise(text: str) -> str:
    text = unicodedata.normalize("NFC", text)
    text = _URL.sub(URL_PLACEHOLDER, text)
    text = _REMOTE_MENTION.sub(r"\1", text)
    return _WHITESPACE.sub(" ", text).strip()


def fingerprint_text(text: str) -> str:
    return hashlib.sha256(normalise(text).encode("utf-8")).hexdigest()
