"""Platform-specific post options: what an adapter asks for beyond text, link and media.

An adapter lists its fields in ``option_fields`` (a YouTube title and privacy, a Pinterest board, a
Mastodon content warning). The composer renders them per channel, stores the answers in
``Variant.options`` and hands them to the adapter as ``PublishRequest.options``; the adapter's
``validate()`` checks them like any other rule, so the composer, the API, imports and the worker agree.

Choices can come from the channel (``choices_from``): a key of ``Channel.platform_info`` holding a list
of ``{"value": ..., "label": ...}`` entries, such as the Pinterest boards listed at connect time.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

TEXT, LONG_TEXT, CHOICE, TAGS, DATETIME, BOOLEAN = "text", "long_text", "choice", "tags", "datetime", "boolean"
KINDS = (TEXT, LONG_TEXT, CHOICE, TAGS, DATETIME, BOOLEAN)


@dataclass(frozen=True)
class OptionField:
    name: str
    label: str  # marked with gettext_lazy by the adapter: shown in the user's language
    kind: str = TEXT
    required: bool = False
    help_text: str = ""
    choices: tuple[tuple[str, str], ...] = ()  # fixed (value, label) pairs
    choices_from: str = ""  # a Channel.platform_info key with [{"value", "label"}, ...]
    default: Any = None
    max_length: int = 0  # for text kinds; 0 = no limit here (the adapter's validate() may still have one)
    extra: dict[str, Any] = field(default_factory=dict)

    def choices_for(self, platform_info: Mapping[str, Any] | None) -> list[tuple[str, str]]:
        """The fixed choices, or the channel's own (boards, privacy levels) when they come from the channel."""
        if not self.choices_from:
            return [(str(value), str(label)) for value, label in self.choices]
        entries = (platform_info or {}).get(self.choices_from) or []
        return [(str(e.get("value", "")), str(e.get("label") or e.get("value", "")))
                for e in entries if isinstance(e, Mapping) and e.get("value")]


def option_fields(adapter_cls: type) -> tuple[OptionField, ...]:
    return tuple(getattr(adapter_cls, "option_fields", ()) or ())


def clean_options(fields: tuple[OptionField, ...], raw: Mapping[str, Any]) -> dict[str, Any]:
    """Keep only declared fields, in their declared kinds (tags as a list of strings, booleans as bool).

    Values are not judged here: the adapter's validate() does that, in the platform's words."""
    cleaned: dict[str, Any] = {}
    for spec in fields:
        if spec.name not in raw:
            continue
        value = raw[spec.name]
        if spec.kind == BOOLEAN:
            cleaned[spec.name] = value in (True, "true", "on", "1", 1)
        elif spec.kind == TAGS:
            items = value if isinstance(value, list | tuple) else str(value or "").split(",")
            tags = [str(item).strip() for item in items if str(item).strip()]
            if tags:
                cleaned[spec.name] = tags
        else:
            text = str(value or "").strip()
            if text:
                cleaned[spec.name] = text
    return cleaned
