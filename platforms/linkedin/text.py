"""What LinkedIn shows for a post: the composed text, its "little" text format escaping, and the fingerprint.

`commentary` is parsed as LinkedIn's "little" format, where `\\ | { } @ [ ] ( ) < > # * _ ~` are markup:
an unescaped one can make LinkedIn drop the rest of the text without an error. SMO sends plain text,
so every reserved character is backslash-escaped. The 3,000-character limit counts what readers see
(the unescaped text), so the composer counts `composed_text`, never the escaped form.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata

from platforms.types import PublishRequest

MAX_COMMENTARY = 3000
RESERVED = frozenset("\\|{}@[]()<>#*_~")
_ESCAPED = re.compile(r"\\([\\|{}@\[\]()<>#*_~])")
_WHITESPACE = re.compile(r"\s+")


def escape_little(text: str) -> str:
    """Plain text as "little" format: each reserved character preceded by a backslash."""
    return "".join("\\" + char if char in RESERVED else char for char in text)


def unescape_little(text: str) -> str:
    """The text a reader sees for a commentary LinkedIn returns (escapes removed)."""
    return _ESCAPED.sub(r"\1", text)


def is_article(request: PublishRequest) -> bool:
    """A link without media becomes a link (article) post; with media the link goes into the text."""
    return bool(request.link.strip()) and not request.media


def composed_text(request: PublishRequest) -> str:
    """Exactly what readers will see as the post's text (before escaping)."""
    text = request.text.strip()
    link = request.link.strip()
    if link and request.media and link not in text:
        text = f"{text}\n\n{link}" if text else link
    return text


def text_length(text: str) -> int:
    """LinkedIn counts characters of the visible text; escapes added for the API do not count."""
    return len(text)


def normalise(text: str) -> str:
    return _WHITESPACE.sub(" ", unicodedata.normalize("NFC", text)).strip()


def fingerprint_parts(visible_text: str, article_url: str = "") -> str:
    """The same for a request and for a post read back: the visible text plus the article's link."""
    raw = normalise(visible_text) + ("\n" + article_url.strip() if article_url.strip() else "")
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


def fingerprint(request: PublishRequest) -> str:
    return fingerprint_parts(composed_text(request), request.link if is_article(request) else "")
