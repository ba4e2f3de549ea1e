"""What YouTube will show for an upload: title, description and tags, how YouTube measures them, and
the fingerprint the reconciler matches an upload on (title and description, as the uploads playlist
returns them).
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from datetime import UTC, datetime
from typing import Any

from django.utils.translation import gettext as _

from platforms.types import PublishRequest
from platforms.youtube.fields import CATEGORY_IDS, DEFAULT_CATEGORY, DEFAULT_PRIVACY, PRIVACY_VALUES

TITLE_LIMIT = 100  # characters
DESCRIPTION_LIMIT = 5000  # bytes (UTF-8)
TAGS_LIMIT = 500  # characters, counted the way YouTube counts them (see tags_length)
_ANGLE = re.compile(r"[<>]")
_WHITESPACE = re.compile(r"\s+")


def description(request: PublishRequest) -> str:
    """The description YouTube receives: the option when given, else the post's text with its link."""
    chosen = str(request.options.get("description") or "").strip()
    if chosen:
        return chosen
    text, link = request.text.strip(), request.link.strip()
    if link and link not in text:
        text = f"{text}\n\n{link}" if text else link
    return text


def composed_text(request: PublishRequest) -> str:
    return description(request)


def text_length(text: str) -> int:
    """YouTube limits the description in bytes, so an emoji uses four of the 5,000."""
    return len(text.encode("utf-8"))


def title(request: PublishRequest) -> str:
    return _WHITESPACE.sub(" ", str(request.options.get("title") or "")).strip()


def tags(request: PublishRequest) -> list[str]:
    raw = request.options.get("tags") or []
    items = raw if isinstance(raw, list | tuple) else str(raw).split(",")
    return [str(tag).strip() for tag in items if str(tag).strip()]


def tags_length(values: list[str]) -> int:
    """YouTube counts the commas between tags, and a tag with a space as if it were quoted (+2)."""
    if not values:
        return 0
    return sum(len(tag) + (2 if " " in tag else 0) for tag in values) + len(values) - 1


def privacy(request: PublishRequest) -> str:
    return str(request.options.get("privacy") or DEFAULT_PRIVACY)


def category(request: PublishRequest) -> str:
    return str(request.options.get("category") or DEFAULT_CATEGORY)


def publish_at(request: PublishRequest) -> datetime | None:
    """The scheduled go-public time; a value without a zone is read as UTC. Raises ValueError if malformed."""
    raw = request.options.get("publish_at")
    if not raw:
        return None
    moment = raw if isinstance(raw, datetime) else datetime.fromisoformat(str(raw).replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def metadata(request: PublishRequest) -> dict[str, Any]:
    """The videos.insert body: snippet and status (reference §5.2)."""
    snippet: dict[str, Any] = {"title": title(request), "description": description(request),
                               "categoryId": category(request)}
    if tags(request):
        snippet["tags"] = tags(request)
    status: dict[str, Any] = {"privacyStatus": privacy(request),
                              "selfDeclaredMadeForKids": bool(request.options.get("made_for_kids"))}
    scheduled = publish_at(request)
    if scheduled is not None:
        status["publishAt"] = scheduled.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return {"snippet": snippet, "status": status}


def problems(request: PublishRequest, now: datetime | None = None) -> list[str]:
    return _title_problems(request) + _description_problems(request) + _option_problems(request, now)


def _title_problems(request: PublishRequest) -> list[str]:
    value = title(request)
    if not value:
        return [_("YouTube needs a title for every video; add one in the YouTube options.")]
    found = []
    if len(value) > TITLE_LIMIT:
        found.append(_("A YouTube title is at most %(limit)d characters; this one has %(count)d.")
                     % {"limit": TITLE_LIMIT, "count": len(value)})
    if _ANGLE.search(value):
        found.append(_("YouTube does not allow < or > in a title."))
    return found


def _description_problems(request: PublishRequest) -> list[str]:
    value = description(request)
    found = []
    if text_length(value) > DESCRIPTION_LIMIT:
        found.append(_("A YouTube description is at most %(limit)d bytes; this one has %(count)d.")
                     % {"limit": DESCRIPTION_LIMIT, "count": text_length(value)})
    if _ANGLE.search(value):
        found.append(_("YouTube does not allow < or > in a description."))
    return found


def _option_problems(request: PublishRequest, now: datetime | None) -> list[str]:
    found = []
    if tags_length(tags(request)) > TAGS_LIMIT:
        found.append(_("YouTube allows at most %(limit)d characters of tags (commas and quotes around tags "
                       "with spaces count); these have %(count)d.")
                     % {"limit": TAGS_LIMIT, "count": tags_length(tags(request))})
    if any(_ANGLE.search(tag) for tag in tags(request)):
        found.append(_("YouTube does not allow < or > in tags."))
    if privacy(request) not in PRIVACY_VALUES:
        found.append(_("YouTube visibility must be public, unlisted or private."))
    if category(request) not in CATEGORY_IDS:
        found.append(_("YouTube does not know the video category %(value)s.") % {"value": category(request)})
    return found + _schedule_problems(request, now)


def _schedule_problems(request: PublishRequest, now: datetime | None) -> list[str]:
    try:
        scheduled = publish_at(request)
    except ValueError:
        return [_("The YouTube go-public time is not a date and time.")]
    if scheduled is None:
        return []
    found = []
    if privacy(request) != "private":
        found.append(_("YouTube only schedules private videos: set visibility to Private to use a go-public time."))
    if scheduled <= (now or datetime.now(UTC)):
        found.append(_("The YouTube go-public time is in the past; choose a later time or remove it."))
    return found


def normalise(value: str) -> str:
    return _WHITESPACE.sub(" ", unicodedata.normalize("NFC", value)).strip()


def fingerprint_parts(video_title: str, video_description: str) -> str:
    joined = normalise(video_title) + "\n" + normalise(video_description)
    return hashlib.sha256(joined.encode("utf-8")).hexdigest()


def fingerprint(request: PublishRequest) -> str:
    return fingerprint_parts(title(request), description(request))
