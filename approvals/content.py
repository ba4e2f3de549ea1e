"""What an approval is bound to: a snapshot of a post's content for a set of channels, and its hash.

The hash covers exactly what would be published on each channel (the post's fields with the channel's
variant applied, the link as tracking makes it) plus the channel set, and nothing else: renaming a channel
or moving the time does not void an approval, while any change a follower could see does. Media enter as
their address and alt text, not as the signed URL rendering makes (that changes every time it is built).
"""

from __future__ import annotations

import difflib
import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

# scheduler.rendering cannot be the first scheduler module imported (the engine package imports it back).
import scheduler.engine  # noqa: F401
from platforms.models import Channel
from scheduler.models import DeliveryState, Post, Variant
from scheduler.rendering import link_with_tracking

HASH_VERSION = 1
VARIANT_FIELDS = ("text", "link", "media", "thread", "first_comment")


def post_channels(post: Post) -> list[Channel]:
    """The channels the post is meant for: those of its deliveries that were not cancelled, by id."""
    ids = post.deliveries.exclude(state=DeliveryState.CANCELLED).values_list("channel_id", flat=True)
    return list(Channel.objects.filter(pk__in=ids).order_by("pk"))


def _media(items: Any) -> list[dict[str, str]]:
    result = []
    for item in items or []:
        item = {"url": item} if isinstance(item, str) else item
        if isinstance(item, dict):
            kept = {key: str(item[key]) for key in ("url", "path", "alt_text") if item.get(key)}
            result.append(kept)
    return result


def _variant_fields(variant: Variant | None) -> dict[str, Any]:
    if variant is None:
        return {}
    fields = {name: getattr(variant, name) for name in VARIANT_FIELDS if getattr(variant, name) is not None}
    if variant.options:  # only when set, so approvals given before options existed keep their hash
        fields["options"] = variant.options
    if "media" in fields:
        fields["media"] = _media(fields["media"])
    return fields


def _published(post: Post, channel: Channel, overrides: dict[str, Any]) -> dict[str, Any]:
    """What this channel would receive (mirrors scheduler.rendering.render_with, without building media URLs)."""

    def pick(name: str) -> Any:
        value = overrides.get(name)
        return getattr(post, name) if value is None else value

    published = {
        "text": pick("text") or "",
        "link": link_with_tracking(pick("link") or "", post.campaign, channel.platform, post.audience),
        "media": _media(pick("media")),
        "thread": [str(part) for part in pick("thread") or ()],
        "first_comment": pick("first_comment") or "",
    }
    if overrides.get("options"):
        published["options"] = overrides["options"]
    return published


def content_snapshot(post: Post, channels: Iterable[Channel] | None = None) -> dict[str, Any]:
    """The post's content for `channels` (default: post_channels) as plain JSON, for storing and diffing."""
    chosen = sorted(post_channels(post) if channels is None else channels, key=lambda c: c.pk)
    variants = {v.channel_id: v for v in Variant.objects.filter(post=post, channel__in=chosen)}
    overrides = {c.pk: _variant_fields(variants.get(c.pk)) for c in chosen}
    return {
        "text": post.text, "link": post.link, "media": _media(post.media),
        "thread": [str(part) for part in post.thread or ()], "first_comment": post.first_comment,
        "quote_of": post.quote_of, "poll_options": [str(o) for o in post.poll_options or ()],
        "poll_minutes": post.poll_minutes,
        "channels": [{"id": c.pk, "name": c.display_name, "platform": c.platform} for c in chosen],
        "variants": {str(c.pk): overrides[c.pk] for c in chosen if overrides[c.pk]},
        "published": {str(c.pk): _published(post, c, overrides[c.pk]) for c in chosen},
    }


def snapshot_hash(snapshot: dict[str, Any]) -> str:
    """SHA-256 over the published part of a snapshot; names and the editing surface are left out."""
    channels = [[c["id"], c["platform"], snapshot["published"][str(c["id"])]] for c in snapshot["channels"]]
    material = {"v": HASH_VERSION, "channels": channels, "quote_of": snapshot["quote_of"],
                "poll_options": snapshot["poll_options"], "poll_minutes": snapshot["poll_minutes"]}
    encoded = json.dumps(material, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(encoded.encode("utf-8", "surrogatepass")).hexdigest()


def post_content_hash(post: Post, channels: Iterable[Channel] | None = None) -> str:
    """The hash of what the post would publish on `channels` (default: the channels it is meant for)."""
    return snapshot_hash(content_snapshot(post, channels))


def channel_ids(snapshot: dict[str, Any]) -> list[int]:
    return [int(c["id"]) for c in snapshot.get("channels", [])]


# -- what changed ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FieldChange:
    """One field's difference, as lines marked "-" (removed), "+" (added) or " " (unchanged)."""

    label: str
    lines: list[tuple[str, str]]


def _lines(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, list):
        out: list[str] = []
        for item in value:
            if isinstance(item, dict):
                where = item.get("url") or f"media:{item.get('path', '')}"
                out.append(f"{where} | {item['alt_text']}" if item.get("alt_text") else where)
            else:
                out.extend(str(item).splitlines() or [""])
        return out
    return str(value).splitlines()


def _diff(label: str, old: Any, new: Any) -> FieldChange | None:
    before, after = _lines(old), _lines(new)
    if before == after:
        return None
    lines = [(line[0], line[2:]) for line in difflib.ndiff(before, after) if line[:1] in ("-", "+", " ")]
    return FieldChange(label, lines)


def _channel_names(snapshot: dict[str, Any]) -> list[str]:
    return [f"{c['name']} ({c['platform']})" for c in snapshot.get("channels", [])]


def snapshot_changes(old: dict[str, Any], new: dict[str, Any]) -> list[FieldChange]:
    """Per field, what differs between two snapshots: base fields, channels, then each channel's variant."""
    base = [(_("Text"), "text"), (_("Link"), "link"), (_("Media"), "media"), (_("Thread"), "thread"),
            (_("First comment"), "first_comment"), (_("Quoted post"), "quote_of"),
            (_("Poll options"), "poll_options"), (_("Poll duration (minutes)"), "poll_minutes")]
    changes = [_diff(label, old.get(key), new.get(key)) for label, key in base]
    changes.append(_diff(_("Channels"), _channel_names(old), _channel_names(new)))
    names = {str(c["id"]): c["name"] for c in [*old.get("channels", []), *new.get("channels", [])]}
    old_variants, new_variants = old.get("variants", {}), new.get("variants", {})
    labels = {"text": _("Text for %(name)s"), "link": _("Link for %(name)s"), "media": _("Media for %(name)s"),
              "thread": _("Thread for %(name)s"), "first_comment": _("First comment for %(name)s")}
    for cid in sorted(set(old_variants) | set(new_variants), key=int):
        for name in VARIANT_FIELDS:
            label = labels[name] % {"name": names.get(cid, cid)}
            changes.append(_diff(label, old_variants.get(cid, {}).get(name), new_variants.get(cid, {}).get(name)))
    return [change for change in changes if change is not None]
