"""Turn a post (plus its per-channel variant) into the PublishRequest an adapter receives."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl, quote, urlsplit

from platforms.media_probe import fill
from platforms.media_urls import public_media_url
from platforms.models import Channel
from platforms.types import MediaItem, PublishRequest
from scheduler.campaigns import UTM_KEYS
from scheduler.engine.channels import channel_ref
from scheduler.models import Campaign, Delivery, Post, Variant


def link_with_tracking(link: str, campaign: Campaign | None, platform: str = "", audience: str = "") -> str:
    """The link with the campaign's UTM defaults added as query parameters.

    Only absolute http(s) links are tagged. A utm_* parameter the link already has always wins (compared
    case-insensitively), and the rest of the link is kept byte for byte: other parameters, their encoding and
    the fragment. `{platform}` and `{audience}` in a value become the channel's platform key and the post's
    audience key, so one campaign can say utm_source={platform}.

    It runs on every render, so whatever it adds is part of the fingerprint and of the frozen payload.
    """
    defaults = getattr(campaign, "utm_defaults", None)
    if not link or not isinstance(defaults, dict) or not defaults:
        return link
    try:
        parts = urlsplit(link)
    except ValueError:  # e.g. a broken IPv6 host: not ours to repair, sent as typed
        return link
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return link
    present = {name.lower() for name, _value in parse_qsl(parts.query, keep_blank_values=True)}
    added = []
    for key in UTM_KEYS:
        value = str(defaults.get(key) or "").replace("{platform}", platform).replace("{audience}", audience)
        if value and key not in present:
            added.append(f"{key}={quote(value, safe='')}")
    if not added:
        return link
    # Split by hand rather than urlunsplit(): it would drop an empty "?" or "#" and re-encode nothing else.
    base, hash_mark, fragment = link.partition("#")
    joiner = "?" if "?" not in base else ("" if base.endswith(("?", "&")) else "&")
    return f"{base}{joiner}{'&'.join(added)}{hash_mark}{fragment}"


def _media(items: list[Any] | None) -> tuple[MediaItem, ...]:
    """Post.media entries as MediaItems. An entry with a `path` is a file of ours under MEDIA_ROOT: it
    gets a fresh signed public URL (platforms fetch it) and its measured type and size (for pre-flight).
    Raises media_probe.ProbeError for a file that is missing or unreadable."""
    result = []
    for item in items or []:
        if isinstance(item, str):
            item = {"url": item}
        path = item.get("path") or ""
        media = MediaItem(
            url=public_media_url(path) if path else item["url"], mime_type=item.get("mime_type", ""),
            alt_text=item.get("alt_text", ""), size_bytes=int(item.get("size_bytes") or 0),
            width=int(item.get("width") or 0), height=int(item.get("height") or 0),
            duration_s=float(item.get("duration_s") or 0),
        )
        result.append(fill(media, path) if path else media)
    return tuple(result)


def render_for(post: Post, channel: Channel) -> PublishRequest:
    """The request for one channel, looking up the channel's variant of the post."""
    return render_with(post, channel, Variant.objects.filter(post=post, channel=channel).first())


def render_with(post: Post, channel: Channel, variant: Variant | None) -> PublishRequest:
    """The request for one channel: a variant's non-null fields override the post's."""

    def pick(name: str) -> Any:
        value = getattr(variant, name, None) if variant is not None else None
        return getattr(post, name) if value is None else value

    return PublishRequest(
        channel=channel_ref(channel),
        text=pick("text") or "",
        link=link_with_tracking(pick("link") or "", post.campaign, channel.platform, post.audience),
        media=_media(pick("media")),
        thread=tuple(str(part) for part in pick("thread") or ()),
        first_comment=pick("first_comment") or "",
        quote_of=post.quote_of,
        poll_options=tuple(str(option) for option in post.poll_options or ()),
        poll_minutes=post.poll_minutes,
        options=dict(getattr(variant, "options", None) or {}),
    )


def render_request(delivery: Delivery) -> PublishRequest:
    return render_for(delivery.post, delivery.channel)


def payload_of(request: PublishRequest) -> dict[str, Any]:
    """What gets frozen into Delivery.payload: the content, never the credentials."""
    return {
        "channel": {"platform": request.channel.platform, "external_id": request.channel.external_id},
        "text": request.text,
        "link": request.link,
        "media": [{"url": m.url, "mime_type": m.mime_type, "alt_text": m.alt_text} for m in request.media],
        "thread": list(request.thread),
        "first_comment": request.first_comment,
        "quote_of": request.quote_of,
        "poll_options": list(request.poll_options),
        "poll_minutes": request.poll_minutes,
        "options": dict(request.options),
    }
