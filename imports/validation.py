"""Checking parsed rows against the workspace: every row's problems, in the user's language, and for a good
row the plan of what to create. Channels, campaigns and media are loaded once per file (three queries),
never per row; lengths are counted by scheduler.counter, the composer's own per-platform rule.

Times in the file are wall-clock times in the workspace's zone unless they carry an offset. A wall time in
a spring-forward gap is an error for that row (unlike the composer, no one is there to confirm a move); a
time that happens twice when the clocks go back means the first one, as everywhere in SMO.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.utils import timezone
from django.utils.formats import date_format, number_format
from django.utils.translation import gettext as _

from imports import selectors
from imports.parsing import OVERRIDE_PREFIX, ParsedFile, Row, cell_text, display_values
from media.selectors import media_item
from platforms.media_probe import ProbeError
from platforms.models import Channel
from platforms.types import MediaItem, PublishRequest
from scheduler import counter
from scheduler.engine.common import platform_name, sentence
from scheduler.models import Campaign, Post, Variant
from scheduler.rendering import render_with
from scheduler.timezones import is_nonexistent
from workspaces.models import Workspace

DATE_FORMATS = ("%Y-%m-%d", "%d.%m.%Y", "%Y/%m/%d", "%d.%m.%y")
TIME_FORMATS = ("%H:%M", "%H:%M:%S", "%I:%M %p", "%I:%M%p", "%I %p", "%I%p", "%H.%M")
LIST_SPLIT = re.compile(r"[,;\n]+")
_url = URLValidator(schemes=["http", "https"])


@dataclass
class RowPlan:
    """What a good row becomes: one post, scheduled at `due_at` on `channels`."""

    due_at: datetime
    channels: list[Channel]
    text: str
    link: str = ""
    media: list[dict[str, Any]] = field(default_factory=list)
    campaign: Campaign | None = None
    overrides: dict[str, str] = field(default_factory=dict)  # platform key -> that platform's text


@dataclass
class RowResult:
    number: int
    values: dict[str, str]
    errors: list[str] = field(default_factory=list)
    plan: RowPlan | None = None


class Context:
    """What every row is checked against, read once per file."""

    def __init__(self, workspace: Workspace, rows: Iterable[Row], now: datetime | None = None) -> None:
        self.workspace = workspace
        self.now = now or timezone.now()
        try:
            self.zone = ZoneInfo(workspace.time_zone)
        except (ZoneInfoNotFoundError, ValueError):
            self.zone = ZoneInfo("UTC")
        self.channels = list(selectors.import_channels(workspace))
        self.by_id = {channel.pk: channel for channel in self.channels}
        self.by_name: dict[str, list[Channel]] = defaultdict(list)
        for channel in self.channels:
            names = {channel.display_name.casefold(), channel.handle.casefold(), f"@{channel.handle.casefold()}"}
            for name in names - {"", "@"}:
                self.by_name[name].append(channel)
        self.campaigns: dict[str, list[Campaign]] = defaultdict(list)
        for campaign in selectors.import_campaigns(workspace):
            self.campaigns[campaign.name.strip().casefold()].append(campaign)
        self.assets = selectors.import_assets(workspace, _media_ids(rows))
        self._media: dict[tuple[int, ...], tuple[MediaItem, ...] | str] = {}

    def media_for(self, ids: tuple[int, ...], channel: Channel) -> tuple[MediaItem, ...] | str:
        """The files' MediaItems, measured once per distinct set (not once per row); a string is a problem."""
        if ids not in self._media:
            post = Post(workspace=self.workspace, media=[media_item(self.assets[pk]) for pk in ids])
            try:
                self._media[ids] = render_with(post, channel, None).media
            except ProbeError as exc:
                self._media[ids] = sentence(exc.message)
        return self._media[ids]


def _media_ids(rows: Iterable[Row]) -> set[int]:
    found = set()
    for row in rows:
        found.update(int(v) for v in re.split(r"[\s,;]+", str(row.cells.get("media", ""))) if v.isdigit())
    return found


def validate_file(workspace: Workspace, parsed: ParsedFile, now: datetime | None = None) -> list[RowResult]:
    context = Context(workspace, parsed.rows, now)
    return [validate_row(context, row) for row in parsed.rows]


def validate_row(context: Context, row: Row) -> RowResult:
    result = RowResult(row.number, display_values(row))
    errors = result.errors
    if row.overflow:
        errors.append(_("This row has more values than the header has columns; a value that contains the "
                        "delimiter needs quotes around it."))
    due_at = _due_at(context, row.cells, errors)
    channels = _channels(context, str(row.cells.get("channels", "")), errors)
    campaign = _campaign(context, str(row.cells.get("campaign", "")), errors)
    link = _link(str(row.cells.get("link", "")), errors)
    media_ids = _media(context, str(row.cells.get("media", "")), errors)
    overrides = {key.removeprefix(OVERRIDE_PREFIX): str(value) for key, value in row.cells.items()
                 if key.startswith(OVERRIDE_PREFIX) and str(value).strip()}
    plan = RowPlan(due_at or context.now, channels, str(row.cells.get("text", "")), link,
                   [media_item(context.assets[pk]) for pk in media_ids], campaign, overrides)
    errors.extend(_content_problems(context, plan, media_ids))
    result.errors = list(dict.fromkeys(errors))
    if not result.errors and due_at is not None:
        result.plan = plan
    return result


# -- time -----------------------------------------------------------------------------------------


def _due_at(context: Context, cells: dict[str, Any], errors: list[str]) -> datetime | None:
    raw = cells.get("datetime")
    if raw not in (None, ""):
        local = parse_datetime(raw)
        if local is None:
            errors.append(_("“%(value)s” is not a date and time; write it as 2026-05-04 09:30, optionally with "
                            "an offset such as +02:00.") % {"value": cell_text(raw)})
            return None
    else:
        day, moment = _date_part(cells.get("date"), errors), _time_part(cells.get("time"), errors)
        if day is None or moment is None:
            return None
        local = datetime.combine(day, moment)
    return _instant(context, local, errors)


def _instant(context: Context, local: datetime, errors: list[str]) -> datetime | None:
    if local.tzinfo is not None:
        instant = local.astimezone(UTC)
    elif is_nonexistent(local, context.zone.key):
        errors.append(_("%(time)s does not exist on %(date)s in %(zone)s: the clocks go forward then. Pick "
                        "another time.") % {"time": f"{local:%H:%M}", "date": date_format(local, "SHORT_DATE_FORMAT"),
                                            "zone": context.zone.key})
        return None
    else:
        instant = local.replace(tzinfo=context.zone, fold=0).astimezone(UTC)
    if instant < context.now:
        shown = instant.astimezone(context.zone)
        errors.append(_("This time (%(when)s) is already past. Pick a later time.")
                      % {"when": f"{date_format(shown, 'SHORT_DATETIME_FORMAT')} {shown.tzname()}"})
        return None
    return instant


def parse_datetime(value: Any) -> datetime | None:
    """A datetime from a cell: naive means wall-clock time, aware is an instant. None when unreadable."""
    if isinstance(value, datetime):
        return value
    text = cell_text(value).replace("T", " ", 1) if isinstance(value, str) else ""
    if not text or re.fullmatch(r"[\d./-]+", text):  # a date alone: no time of day to publish at
        return None
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        pass
    day_text, _sep, time_text = text.partition(" ")
    day, moment = parse_date(day_text), parse_time(time_text)
    return datetime.combine(day, moment) if day and moment else None


def parse_date(value: Any) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = value.strip() if isinstance(value, str) else ""
    for pattern in DATE_FORMATS:
        try:
            return datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    return None


def parse_time(value: Any) -> time | None:
    if isinstance(value, datetime):  # Excel keeps a time-only cell as a time on 1899-12-30
        return value.time()
    if isinstance(value, time):
        return value
    if isinstance(value, int | float) and 0 <= value < 1:  # a fraction of a day, Excel's time number
        return (datetime.min + timedelta(seconds=round(value * 86400))).time()
    text = value.strip().casefold().removesuffix("uhr").strip().upper() if isinstance(value, str) else ""
    for pattern in TIME_FORMATS:
        try:
            return datetime.strptime(text, pattern).time()
        except ValueError:
            continue
    return None


def _date_part(value: Any, errors: list[str]) -> date | None:
    if value in (None, ""):
        errors.append(_("The date is missing."))
        return None
    found = parse_date(value)
    if found is None:
        errors.append(_("“%(value)s” is not a date; write it as 2026-05-04 (or 04.05.2026).")
                      % {"value": cell_text(value)})
    return found


def _time_part(value: Any, errors: list[str]) -> time | None:
    if value in (None, ""):
        errors.append(_("The time is missing."))
        return None
    found = parse_time(value)
    if found is None:
        errors.append(_("“%(value)s” is not a time of day; write it as 09:30 (24-hour clock).")
                      % {"value": cell_text(value)})
    return found


# -- references -----------------------------------------------------------------------------------


def _channels(context: Context, raw: str, errors: list[str]) -> list[Channel]:
    tokens = [token.strip() for token in LIST_SPLIT.split(raw) if token.strip()]
    if not tokens:
        errors.append(_("No channel is given."))
    found: dict[int, Channel] = {}
    for token in tokens:
        matches = resolve_channel(context, token)
        if len(matches) == 1:
            found.setdefault(matches[0].pk, matches[0])
        elif not matches:
            example = (f"{context.channels[0].platform}:{context.channels[0].display_name}"
                       if context.channels else "x:Acme")
            errors.append(_("Unknown channel “%(name)s”. Write a channel's name, its number, or platform:name "
                            "(for example %(example)s).") % {"name": token, "example": example})
        else:
            names = ", ".join(f"{c.platform}:{c.display_name} (#{c.pk})" for c in matches)
            errors.append(_("“%(name)s” matches several channels (%(matches)s); write platform:name or the "
                            "channel's number instead.") % {"name": token, "matches": names})
    return list(found.values())


def resolve_channel(context: Context, token: str) -> list[Channel]:
    """A channel by number, by platform:name, or by name or handle alone (case does not matter)."""
    if token.lstrip("#").isdigit() and int(token.lstrip("#")) in context.by_id:
        return [context.by_id[int(token.lstrip("#"))]]
    platform, colon, name = token.partition(":")
    platforms = {channel.platform for channel in context.channels}
    if colon and platform.strip().casefold() in platforms:
        wanted = platform.strip().casefold()
        return [c for c in context.by_name.get(name.strip().casefold(), []) if c.platform == wanted]
    return list({c.pk: c for c in context.by_name.get(token.casefold(), [])}.values())


def _campaign(context: Context, raw: str, errors: list[str]) -> Campaign | None:
    name = raw.strip()
    if not name:
        return None
    matches = context.campaigns.get(name.casefold(), [])
    if len(matches) > 1:
        errors.append(_("Several campaigns are called “%(name)s”; rename one of them first.") % {"name": name})
        return None
    if not matches:
        errors.append(_("There is no campaign called “%(name)s” in this workspace. Create it first or leave "
                        "the column empty.") % {"name": name})
        return None
    if getattr(matches[0], "archived_at", None):
        errors.append(_("The campaign “%(name)s” is archived.") % {"name": name})
        return None
    return matches[0]


def _link(raw: str, errors: list[str]) -> str:
    link = raw.strip()
    if link:
        try:
            _url(link)
        except ValidationError:
            errors.append(_("The link “%(value)s” is not a web address (http:// or https://).") % {"value": link})
    return link


def _media(context: Context, raw: str, errors: list[str]) -> tuple[int, ...]:
    ids: list[int] = []
    for token in (t for t in re.split(r"[\s,;]+", raw.strip()) if t):
        if not token.lstrip("#").isdigit():
            errors.append(_("“%(value)s” is not a media library number; list the numbers of the files, for "
                            "example 12, 15.") % {"value": token})
        elif int(token.lstrip("#")) not in context.assets:
            errors.append(_("Media number %(id)s is not in this workspace's media library.")
                          % {"id": token.lstrip("#")})
        else:
            ids.append(int(token.lstrip("#")))
    return tuple(dict.fromkeys(ids))


# -- content --------------------------------------------------------------------------------------


def _content_problems(context: Context, plan: RowPlan, media_ids: tuple[int, ...]) -> list[str]:
    found: list[str] = []
    # Every channel needs some text: the row's, or its platform's own column (text_x, …).
    uncovered = [c for c in plan.channels if not plan.overrides.get(c.platform)] if plan.channels else [None]
    if not plan.text.strip() and uncovered and not (uncovered == [None] and plan.overrides):
        found.append(_("The text is missing."))
    post = Post(workspace=context.workspace, text=plan.text, link=plan.link, campaign=plan.campaign)
    for channel in plan.channels:
        if not (plan.overrides.get(channel.platform) or plan.text).strip():
            continue
        request = _request(context, post, plan, channel, media_ids)
        if isinstance(request, str):
            found.append(request)
            continue
        found.extend(channel_problems(channel, request))
    return found


def _request(context: Context, post: Post, plan: RowPlan, channel: Channel,
             media_ids: tuple[int, ...]) -> PublishRequest | str:
    """What the channel would receive, built by the same renderer the publisher uses."""
    override = plan.overrides.get(channel.platform)
    request = render_with(post, channel, Variant(channel=channel, text=override) if override else None)
    if not media_ids:
        return request
    media = context.media_for(media_ids, channel)
    return media if isinstance(media, str) else replace(request, media=media)


def channel_problems(channel: Channel, request: PublishRequest) -> list[str]:
    """The counter's verdict for one channel, the length first in our words (the adapter says it too).

    X's weighted count is the slow part of a dry run, and counter.count() computes it twice (its own number
    and the adapter's check). The adapters of the platforms the counter knows report an over-long text
    among their problems, so a row without problems there is within the limit and is not counted again.
    """
    if channel.platform in counter.SHOWN:
        problems = counter.channel_problems(channel, request)
        if not problems:
            return []
    count = counter.count(channel, request)
    problems = list(count.problems)
    if count.state == counter.OVER:
        # German adapters group digits the German way (63.206), so the active language's grouping counts too.
        numbers = {f"{count.used}", f"{count.used:,}", number_format(count.used, force_grouping=True)}
        limits = {f"{count.limit}", f"{count.limit:,}", number_format(count.limit, force_grouping=True)}
        # The adapter's own length sentence names the same two numbers; ours names the channel instead.
        problems = [p for p in problems if not (any(n in p for n in numbers) and any(n in p for n in limits))]
        problems.insert(0, _("Too long for %(channel)s: %(used)s of %(limit)s characters, counted the way "
                             "%(platform)s counts them.") % {
            "channel": channel.display_name, "used": number_format(count.used, force_grouping=True),
            "limit": number_format(count.limit, force_grouping=True),
            "platform": platform_name(channel)})
    return problems
