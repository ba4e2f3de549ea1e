"""What Bluesky will show for a post: composition, the 300-grapheme rule, facets and the fingerprint.

Bluesky counts user-perceived characters (grapheme clusters, lexicon `app.bsky.feed.post`: at most
300 graphemes and 3,000 UTF-8 bytes). The `regex` package (whose \\X would count them exactly) is not
installed, so `grapheme_count` is a documented approximation of Unicode's extended grapheme cluster
rules (UAX #29) using unicodedata only: combining marks, variation selectors, emoji skin-tone
modifiers, tag characters, zero-width-joiner sequences and regional-indicator pairs (flags) all join
the cluster before them. Hangul jamo sequences and Indic conjuncts (rare in posts) may count high,
which errs on the safe side: SMO refuses a post Bluesky might have accepted, never the reverse.

Links, mentions and hashtags are not detected by Bluesky: the client sends facets with UTF-8 byte
offsets, computed here.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata

from django.utils.translation import gettext as _

from platforms.types import PublishRequest

MAX_GRAPHEMES = 300
MAX_BYTES = 3000
ZWJ = "\u200d"
_WHITESPACE = re.compile(r"\s+")
# The patterns of Bluesky's own client (docs.bsky.app "Links, mentions, and rich text"), slightly simplified.
_URL = re.compile(r"(?:^|\s|\()(https?://[^\s<>\"]+)", re.IGNORECASE)
_MENTION = re.compile(r"(?:^|\s|\()(@([a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?\.)+[a-zA-Z]([a-zA-Z0-9-]{0,61}"
                      r"[a-zA-Z0-9])?)")
_TAG = re.compile(r"(?:^|\s)(#[^\d\s#][^\s#]{0,63})")
_TRAILING_PUNCTUATION = ".,;:!?)\"'"


def _extends(char: str) -> bool:
    """True when `char` continues the grapheme cluster before it instead of starting a new one."""
    code = ord(char)
    return (
        unicodedata.category(char) in ("Mn", "Me", "Mc")
        or 0xFE00 <= code <= 0xFE0F  # variation selectors (text/emoji presentation)
        or 0x1F3FB <= code <= 0x1F3FF  # emoji skin-tone modifiers
        or 0xE0020 <= code <= 0xE007F  # tag characters (subdivision flags)
        or char == ZWJ
    )


def grapheme_count(text: str) -> int:
    """Grapheme clusters in `text`, approximated as the module docstring explains."""
    count = 0
    previous = ""
    pending_flag = False  # one regional indicator seen: the next one completes the flag
    for char in unicodedata.normalize("NFC", text):
        regional = 0x1F1E6 <= ord(char) <= 0x1F1FF
        if count and (_extends(char) or previous == ZWJ or (regional and pending_flag)):
            pending_flag = False
        else:
            count += 1
            pending_flag = regional
        previous = char
    return count


def compose_text(request: PublishRequest) -> str:
    """The text Bluesky receives: the post with the link appended when it is not already in it."""
    text = request.text.strip()
    link = request.link.strip()
    if link and link not in text:
        text = f"{text}\n\n{link}" if text else link
    return text


def compose_parts(request: PublishRequest) -> list[str]:
    return [compose_text(request), *(part.strip() for part in request.thread)]


def length_problems(parts: list[str]) -> list[str]:
    problems = []
    for index, part in enumerate(parts):
        values = {"length": grapheme_count(part), "limit": MAX_GRAPHEMES, "part": index + 1}
        if values["length"] > MAX_GRAPHEMES:
            problems.append(
                _("Bluesky allows %(limit)d characters (emoji and accented letters count once): this post has "
                  "%(length)d.") % values if index == 0 else
                _("Bluesky allows %(limit)d characters (emoji and accented letters count once): thread part "
                  "%(part)d has %(length)d.") % values
            )
        elif len(part.encode("utf-8")) > MAX_BYTES:
            problems.append(_("Bluesky allows at most %(limit)d bytes of text in a post; part %(part)d is longer.")
                            % {"limit": MAX_BYTES, "part": index + 1})
    return problems


def _byte_span(text: str, start: int, end: int) -> dict[str, int]:
    """A facet index: character offsets in `text` turned into UTF-8 byte offsets, as Bluesky requires."""
    byte_start = len(text[:start].encode("utf-8"))
    return {"byteStart": byte_start, "byteEnd": byte_start + len(text[start:end].encode("utf-8"))}


def facets(text: str, resolve_handle: object = None) -> list[dict[str, object]]:
    """Link, tag and (when `resolve_handle(handle) -> did | ""` is given) mention facets for `text`."""
    found: list[dict[str, object]] = []
    for match in _URL.finditer(text):
        uri = match.group(1).rstrip(_TRAILING_PUNCTUATION)
        start = match.start(1)
        found.append({"index": _byte_span(text, start, start + len(uri)),
                      "features": [{"$type": "app.bsky.richtext.facet#link", "uri": uri}]})
    for match in _TAG.finditer(text):
        tag = match.group(1).rstrip(_TRAILING_PUNCTUATION)
        start = match.start(1)
        if len(tag) > 1:
            found.append({"index": _byte_span(text, start, start + len(tag)),
                          "features": [{"$type": "app.bsky.richtext.facet#tag", "tag": tag[1:]}]})
    if callable(resolve_handle):
        for match in _MENTION.finditer(text):
            did = resolve_handle(match.group(1)[1:])
            if did:  # an unknown handle stays plain text, as in Bluesky's own app
                found.append({"index": _byte_span(text, match.start(1), match.end(1)),
                              "features": [{"$type": "app.bsky.richtext.facet#mention", "did": did}]})
    return sorted(found, key=lambda facet: facet["index"]["byteStart"])  # type: ignore[index]


def normalise(text: str) -> str:
    """Text as Bluesky stores it (verbatim, no link rewriting), minus spacing differences."""
    return _WHITESPACE.sub(" ", unicodedata.normalize("NFC", text)).strip()


def fingerprint_text(text: str) -> str:
    return hashlib.sha256(normalise(text).encode("utf-8")).hexdigest()
