"""What Snapchat shows for a post: the placement, the Spotlight description, and the fingerprint.

A Story carries no caption through the API (only the media), so nothing of the text reaches Snapchat
there. A Spotlight carries a description of at most 160 characters, hashtags included (reference §11).
Links are not clickable in either, so the post's link is not appended.
"""

from __future__ import annotations

import hashlib
import json
import re
from typing import Any
from urllib.parse import urlsplit

from django.utils.translation import gettext as _

from platforms.types import MediaItem, PublishRequest

STORY, SPOTLIGHT = "story", "spotlight"
PLACEMENTS = (STORY, SPOTLIGHT)
DEFAULT_LOCALE = "en_US"
DESCRIPTION_LIMIT = 160
LOCALE = re.compile(r"^[a-z]{2}_[A-Z]{2}$")
MEDIA_NAME_PREFIX = "smo-"


def placement(request: PublishRequest) -> str:
    """The chosen placement; an unknown value is reported by validate(), never guessed."""
    return str(request.options.get("placement") or STORY).strip().lower()


def locale(request: PublishRequest) -> str:
    return str(request.options.get("locale") or DEFAULT_LOCALE).strip()


def composed_text(request: PublishRequest) -> str:
    """Exactly the text Snapchat receives: the Spotlight description, or nothing for a Story."""
    return request.text.strip() if placement(request) == SPOTLIGHT else ""


def text_problems(request: PublishRequest) -> list[str]:
    problems = []
    chosen = placement(request)
    if chosen not in PLACEMENTS:
        problems.append(_("Snapchat posts go to a Story or to Spotlight; %(value)s is neither.")
                        % {"value": repr(chosen)})
    description = composed_text(request)
    if len(description) > DESCRIPTION_LIMIT:
        problems.append(_("Snapchat allows %(limit)d characters in a Spotlight description, hashtags included; "
                          "this one has %(count)d.") % {"limit": DESCRIPTION_LIMIT, "count": len(description)})
    if chosen == SPOTLIGHT and not LOCALE.match(locale(request)):
        problems.append(_("Snapchat needs the Spotlight language as language_COUNTRY, such as en_US or de_DE."))
    if request.thread or request.poll_options or request.quote_of or request.first_comment:
        problems.append(_("Snapchat has no threads, polls, quotes or first comments; remove them for this "
                          "channel."))
    return problems


def _media_identity(item: MediaItem) -> dict[str, Any]:
    # Not the URL itself: SMO signs media URLs with an expiry, so only the file name part is stable.
    return {"name": urlsplit(item.url).path.rsplit("/", 1)[-1], "mime": item.mime_type, "bytes": item.size_bytes,
            "w": item.width, "h": item.height, "s": round(item.duration_s, 1)}


def fingerprint(request: PublishRequest) -> str:
    """What Snapchat will show: the placement, the description and the media file."""
    shown = {"placement": placement(request), "text": " ".join(composed_text(request).split()),
             "media": [_media_identity(item) for item in request.media]}
    return hashlib.sha256(json.dumps(shown, sort_keys=True).encode("utf-8")).hexdigest()


def media_name(fingerprint_value: str) -> str:
    """The media container's name. Snap asks for a human-readable name; SMO puts the fingerprint there
    because a Story has no text to recognise it by when reconciling."""
    return f"{MEDIA_NAME_PREFIX}{fingerprint_value[:40]}"
