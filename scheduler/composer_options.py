"""The composer's per-channel platform options (a YouTube title, a Pinterest board, a content warning).

Each channel's tab shows the fields its adapter declares (platforms.options). The answers travel as
``v<channel id>-opt-<name>`` form fields, are kept to the declared fields and kinds, and are stored on the
channel's variant; the adapter's validate() judges them, so the counter shows its verdict live.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.core.exceptions import ValidationError
from django.http import QueryDict

from platforms.models import Channel
from platforms.options import BOOLEAN, DATETIME, TAGS, OptionField, clean_options, option_fields
from platforms.registry import UnknownPlatform, adapter_class
from scheduler.timezones import local_to_utc


def fields_for(channel: Channel) -> tuple[OptionField, ...]:
    try:
        return option_fields(adapter_class(channel.platform))
    except UnknownPlatform:
        return ()


def raw_options(data: QueryDict, channel_id: int) -> dict[str, Any]:
    """Every ``v<id>-opt-<name>`` field of the form, as typed (unchecked boxes send nothing)."""
    prefix = f"v{channel_id}-opt-"
    return {key.removeprefix(prefix): data.get(key, "") for key in data if key.startswith(prefix)}


def options_for(channel: Channel, raw: dict[str, Any] | None) -> dict[str, Any]:
    """The answers this channel's platform asks for, in their declared kinds; anything else is dropped.

    A date-time is typed on the workspace's wall clock and kept as a UTC instant (``2026-12-01T09:00:00Z``),
    which is what platforms take; one that is not a date stays as typed, for validate() to name."""
    fields = fields_for(channel)
    cleaned = clean_options(fields, raw or {})
    for spec in fields:
        if spec.kind == DATETIME and spec.name in cleaned:
            cleaned[spec.name] = _to_utc(cleaned[spec.name], channel)
    return cleaned


def _to_utc(typed: str, channel: Channel) -> str:
    try:
        moment = datetime.fromisoformat(typed.replace("Z", "+00:00"))
    except ValueError:
        return typed
    if moment.tzinfo is None:
        try:
            moment = local_to_utc(moment, channel.workspace.time_zone)
        except ValidationError:
            moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _on_wall_clock(stored: str, channel: Channel) -> str:
    """A stored UTC instant as the datetime-local field shows it, in the workspace's zone."""
    try:
        moment = datetime.fromisoformat(stored.replace("Z", "+00:00"))
        zone = ZoneInfo(channel.workspace.time_zone)
    except (ValueError, ZoneInfoNotFoundError):
        return stored
    return moment.astimezone(zone).strftime("%Y-%m-%dT%H:%M") if moment.tzinfo else stored


@dataclass(frozen=True)
class OptionWidget:
    """One field as the composer's template draws it."""

    spec: OptionField
    input_name: str
    input_id: str
    value: str
    checked: bool
    choices: list[tuple[str, str]]


def option_widgets(channel: Channel, values: dict[str, Any] | None) -> list[OptionWidget]:
    values = values or {}
    widgets = []
    for spec in fields_for(channel):
        stored = values.get(spec.name, spec.default)
        shown = ", ".join(stored) if spec.kind == TAGS and isinstance(stored, list) else str(stored or "")
        if spec.kind == DATETIME and shown:
            shown = _on_wall_clock(shown, channel)
        widgets.append(OptionWidget(
            spec=spec, input_name=f"v{channel.pk}-opt-{spec.name}", input_id=f"v{channel.pk}-opt-{spec.name}",
            value=shown, checked=spec.kind == BOOLEAN and bool(stored),
            choices=spec.choices_for(channel.platform_info)))
    return widgets
