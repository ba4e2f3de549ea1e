"""Reads for the calendar: the event feed (one query for any number of deliveries) and its filters."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.db.models.functions import Substr
from django.urls import reverse
from django.utils.translation import gettext as _

from platforms.models import Channel
from platforms.registry import UnknownPlatform, adapter_class
from scheduler.models import Campaign, Delivery, DeliveryState
from scheduler.timezones import local_to_utc
from workspaces.models import Workspace

# Drag and drop may move these; a delivery that is sending, published or being reconciled may already be on
# the platform, and failed/needs_check ones are settled from the post page ("retry failed", "mark published")
# where the user sees why they failed, not by a casual drag.
MOVABLE_STATES = (DeliveryState.DRAFT, DeliveryState.SCHEDULED, DeliveryState.QUEUED, DeliveryState.RETRY_WAIT)
# Hex colours (FullCalendar paints events itself), matching the Bootstrap badges on the other pages.
STATE_COLOURS = {
    "draft": "#adb5bd", "scheduled": "#6c757d", "queued": "#0dcaf0", "sending": "#0d6efd",
    "published": "#198754", "retry_wait": "#ffc107", "failed": "#dc3545", "needs_reconnect": "#dc3545",
    "unknown": "#0dcaf0", "needs_check": "#fd7e14", "cancelled": "#212529",
}
DARK_TEXT_STATES = {"draft", "queued", "retry_wait", "unknown"}
PLATFORM_ICONS = {"x": "𝕏", "facebook": "f", "instagram": "IG", "linkedin": "in", "youtube": "YT", "pinterest": "P",
                  "tiktok": "TT", "snapchat": "SC", "threads": "@", "mastodon": "M", "bluesky": "🦋"}
# The longest range any view asks for is a month grid (6 weeks) or a list month; anything far longer is a
# request that would load the whole history at once.
MAX_RANGE = timedelta(days=62)
SNIPPET_CHARS = 120
TITLE_CHARS = 60


@dataclass(frozen=True)
class FeedQuery:
    start: datetime  # aware UTC, inclusive
    end: datetime  # aware UTC, exclusive
    channels: tuple[int, ...] = ()
    campaigns: tuple[int, ...] = ()
    states: tuple[str, ...] = field(default=())


def parse_instant(value: str, tz_name: str, label: str) -> datetime:
    """An ISO time from FullCalendar: with an offset it is an instant, without one a wall time in the zone."""
    try:
        parsed = datetime.fromisoformat(value.strip())
    except (AttributeError, ValueError):
        raise ValidationError(_("The %(parameter)s time %(value)s is not an ISO 8601 date or time.")
                              % {"parameter": label, "value": repr(value)}, code="bad_time") from None
    if parsed.tzinfo is None:
        return local_to_utc(parsed, tz_name)
    return parsed.astimezone(ZoneInfo("UTC"))


def _ids(values: list[str], label: str) -> tuple[int, ...]:
    try:
        return tuple(sorted({int(v) for v in values if v != ""}))
    except ValueError:
        raise ValidationError(_("The %(parameter)s filter takes numeric ids.") % {"parameter": label},
                              code="bad_filter") from None


def feed_query(params: Any, tz_name: str) -> FeedQuery:
    """Validate the feed's GET parameters (start, end, channel, campaign, state; the last three repeatable)."""
    if not params.get("start") or not params.get("end"):
        raise ValidationError(_("The feed needs both start and end."), code="bad_range")
    start = parse_instant(params["start"], tz_name, "start")
    end = parse_instant(params["end"], tz_name, "end")
    if end <= start or end - start > MAX_RANGE:
        raise ValidationError(_("The range must end after it starts and span at most 62 days."), code="bad_range")
    states = tuple(sorted({s for s in params.getlist("state") if s}))
    unknown = [s for s in states if s not in DeliveryState.values]
    if unknown:
        raise ValidationError(_("Unknown state filter: %(states)s.") % {"states": ", ".join(unknown)},
                              code="bad_filter")
    return FeedQuery(start, end, _ids(params.getlist("channel"), "channel"),
                     _ids(params.getlist("campaign"), "campaign"), states)


def _rows(workspace: Workspace, query: FeedQuery) -> QuerySet:
    rows = Delivery.objects.filter(workspace=workspace, due_at__gte=query.start, due_at__lt=query.end)
    # Cancelled deliveries are shown only when the state filter asks for them.
    rows = rows.filter(state__in=query.states) if query.states else rows.exclude(state=DeliveryState.CANCELLED)
    if query.channels:
        rows = rows.filter(channel_id__in=query.channels)
    if query.campaigns:
        rows = rows.filter(post__campaign_id__in=query.campaigns)
    # values() and a text prefix: the feed answers ~800 rows per month and model instances cost most of that.
    return rows.annotate(snippet=Substr("post__text", 1, SNIPPET_CHARS)).values(
        "pk", "state", "due_at", "post_id", "snippet", "channel_id", "channel__platform", "channel__display_name",
        "post__campaign__name",
    ).order_by("due_at", "pk")


def first_words(text: str, limit: int = TITLE_CHARS) -> str:
    text = " ".join((text or "").split())
    if len(text) <= limit:
        return text
    cut = text[:limit].rsplit(" ", 1)[0] if " " in text[:limit] else text[:limit]
    return cut + "…"


def platform_label(platform: str) -> str:
    try:
        return str(getattr(adapter_class(platform), "display_name", platform))
    except UnknownPlatform:
        return platform


def legend(platforms: list[str]) -> dict[str, Any]:
    """Labels, icons and colours per state and platform, sent once with the page instead of with every event."""
    return {
        "states": {value: {"label": str(label), "colour": STATE_COLOURS.get(value, "#6c757d"),
                           "text": "#212529" if value in DARK_TEXT_STATES else "#ffffff"}
                   for value, label in DeliveryState.choices},
        "platforms": {key: {"label": platform_label(key), "icon": PLATFORM_ICONS.get(key, key[:1].upper())}
                      for key in sorted(set(platforms))},
    }


def _post_url_pattern(workspace: Workspace) -> str:
    # One reverse() instead of one per event: the id is the only part that changes.
    return reverse("scheduler:post", kwargs={"slug": workspace.slug, "post_id": 987654321}).replace("987654321", "{}")


def calendar_events(workspace: Workspace, query: FeedQuery, *, can_move: bool) -> list[dict[str, Any]]:
    """One FullCalendar event per delivery in the range, times as wall-clock in the workspace's zone.

    Kept lean (~1,000 events for a busy month grid): labels and colours come from legend() via the page.
    """
    zone = ZoneInfo(workspace.time_zone)
    post_url = _post_url_pattern(workspace)
    return [{
        "id": str(row["pk"]),
        "title": first_words(row["snippet"]),
        "start": row["due_at"].astimezone(zone).replace(tzinfo=None).isoformat(timespec="seconds"),
        "editable": can_move and row["state"] in MOVABLE_STATES,
        "url": post_url.format(row["post_id"]),  # events are links: Enter on a focused event opens its post
        "extendedProps": {"platform": row["channel__platform"], "channel": row["channel__display_name"],
                          "state": row["state"], "campaign": row["post__campaign__name"] or ""},
    } for row in _rows(workspace, query)]


def calendar_filters(workspace: Workspace) -> dict[str, Any]:
    """The choices the filter bar offers (two queries)."""
    return {
        "channels": list(Channel.objects.filter(workspace=workspace).order_by("platform", "display_name")
                         .values("pk", "platform", "display_name")),
        "campaigns": list(Campaign.objects.filter(workspace=workspace).order_by("name").values("pk", "name")),
        "states": DeliveryState.choices,
    }
