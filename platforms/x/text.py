"""What X will show for a post: how parts are composed, how long X counts them, and the fingerprint.

The same normaliser serves `fingerprint()` (before publishing) and `find_published()` (matching the
account's timeline afterwards), so the two sides can only agree or both be wrong in the same way.
"""

from __future__ import annotations

import hashlib
import html
import re
import unicodedata
from functools import lru_cache

from django.utils.translation import gettext as _
from twitter_text import extract_urls_with_indices, parse_tweet

from platforms.types import PublishRequest

MAX_WEIGHTED_LENGTH = 280
MIN_POLL_OPTIONS, MAX_POLL_OPTIONS, MAX_POLL_OPTION = 2, 4, 25
MIN_POLL_MINUTES, MAX_POLL_MINUTES = 5, 7 * 24 * 60
URL_PLACEHOLDER = "\u2063url\u2063"  # invisible separators: cannot collide with text a user types
_WHITESPACE = re.compile(r"\s+")


def compose_parts(request: PublishRequest) -> list[str]:
    """The texts X receives: the root (with the link appended when missing) then each thread part."""
    root = request.text.strip()
    link = request.link.strip()
    if link and link not in root:
        root = f"{root}\n\n{link}" if root else link
    return [root, *(part.strip() for part in request.thread)]


@lru_cache(maxsize=4096)  # the composer's counter and bulk import's dry run ask again for the same texts
def weighted_length(text: str) -> int:
    return parse_tweet(text).weightedLength


def length_problems(parts: list[str]) -> list[str]:
    problems = []
    for index, part in enumerate(parts):
        length = weighted_length(part)
        if length <= MAX_WEIGHTED_LENGTH:
            continue
        values = {"length": length, "limit": MAX_WEIGHTED_LENGTH, "part": index + 1}
        problems.append(
            _("X counts 23 characters per link and 2 per emoji/CJK character: this post is %(length)d of %(limit)d.")
            % values if index == 0 else
            _("X counts 23 characters per link and 2 per emoji/CJK character: thread part %(part)d is %(length)d of "
              "%(limit)d.") % values
        )
    return problems


def poll_problems(request: PublishRequest) -> list[str]:
    """X's poll rules: 2-4 options of 1-25 characters, open 5 minutes to 7 days, and (per the v2
    create-post reference) never together with media or a quoted post."""
    options, minutes = request.poll_options, request.poll_minutes
    if not options and not minutes:
        return []
    problems = []
    if not MIN_POLL_OPTIONS <= len(options) <= MAX_POLL_OPTIONS:
        problems.append(_("An X poll needs 2 to 4 options; this one has %(count)d.") % {"count": len(options)})
    bad = [str(n) for n, option in enumerate(options, start=1) if not 1 <= len(option.strip()) <= MAX_POLL_OPTION]
    if bad:
        problems.append(_("Each X poll option must be 1 to %(limit)d characters (option %(options)s).")
                        % {"limit": MAX_POLL_OPTION, "options": ", ".join(bad)})
    if not MIN_POLL_MINUTES <= minutes <= MAX_POLL_MINUTES:
        problems.append(_("An X poll runs from 5 minutes to 7 days (%(limit)d minutes); this one is set to "
                          "%(minutes)d minutes.") % {"limit": MAX_POLL_MINUTES, "minutes": minutes})
    if request.media:
        problems.append(_("X does not allow a poll and images or videos in the same post; remove one of them."))
    if request.quote_of:
        problems.append(_("X does not allow a poll in a quote post; remove the poll or the quoted post."))
    return problems


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


_STATUS_URL = re.compile(r"^https?://(?:www\.|mobile\.)?(?:x|twitter)\.com/[^/]+/status(?:es)?/(\d{1,19})(?:[/?#].*)?$")


def quote_id(quote_of: str) -> str:
    """The post id to quote, from an id or a post's x.com/twitter.com address; "" if neither."""
    value = quote_of.strip()
    if value.isdigit() and len(value) <= 19:
        return value
    match = _STATUS_URL.match(value)
    return match[1] if match else ""


def quote_problems(request: PublishRequest) -> list[str]:
    if request.quote_of and not quote_id(request.quote_of):
        return [_("X can only quote a post given by its id or its x.com address; check the quoted post.")]
    return []
