"""The composer's live character counter: each platform's own counting rule, computed on the server.

The rules are the adapters' own: X's weighted length (twitter-text: a URL is 23, CJK and emoji 2) of the
text X will receive, Facebook's message and Instagram's caption as their text modules compose them (the
link appended where the platform appends it). Every other problem comes from the adapter's validate()
plus the shared media pre-flight, worded exactly as post_schedule will word it when it re-validates.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.utils.translation import gettext as _

from platforms.facebook import text as facebook_text
from platforms.instagram import text as instagram_text
from platforms.media_probe import ProbeError
from platforms.models import Channel
from platforms.preflight import check_media
from platforms.registry import UnknownPlatform, adapter_class, get_adapter
from platforms.types import PublishRequest
from platforms.x import text as x_text
from scheduler.engine.common import platform_name, sentence

# Amber from 90 % of the limit: X's own composer turns amber 20 characters before 280.
NEAR_FRACTION = 0.9
OK, NEAR, OVER = "ok", "near", "over"


@dataclass(frozen=True)
class Count:
    channel_id: int
    platform: str
    used: int
    limit: int
    state: str  # ok | near | over
    problems: tuple[str, ...] = ()

    @property
    def valid(self) -> bool:
        return self.state != OVER and not self.problems

    def as_dict(self) -> dict[str, object]:
        return {"channel": self.channel_id, "platform": self.platform, "used": self.used, "limit": self.limit,
                "state": self.state, "problems": list(self.problems)}


def _x(request: PublishRequest) -> tuple[str, int]:
    return x_text.compose_parts(request)[0], x_text.MAX_WEIGHTED_LENGTH


def _facebook(request: PublishRequest) -> tuple[str, int]:
    return facebook_text.compose_message(request), facebook_text.MAX_MESSAGE


def _instagram(request: PublishRequest) -> tuple[str, int]:
    return instagram_text.caption(request), instagram_text.MAX_CAPTION


# platform -> (the text the platform receives, its limit); the length function is separate because only X weighs.
SHOWN: dict[str, Callable[[PublishRequest], tuple[str, int]]] = {
    "x": _x, "facebook": _facebook, "instagram": _instagram,
}
LENGTH: dict[str, Callable[[str], int]] = {"x": x_text.weighted_length}


def _adapter_cls(platform: str) -> type | None:
    try:
        return adapter_class(platform)
    except UnknownPlatform:
        return None


def shown_text(platform: str, request: PublishRequest) -> str:
    """The text the platform will show (link appended where it appends it): what previews render."""
    return _limit_and_text(platform, request)[0]


def _limit_and_text(platform: str, request: PublishRequest) -> tuple[str, int]:
    """The adapter's own composition when it has one (`composed_text`: what it will send, e.g. the link
    appended), else the trimmed text, against its text limit."""
    compose = SHOWN.get(platform)
    if compose is not None:
        return compose(request)
    cls = _adapter_cls(platform)
    if cls is None:
        return request.text.strip(), 0
    composed = getattr(cls, "composed_text", None)
    limit_for = getattr(cls, "text_limit_for", None)  # a channel's own limit (a Mastodon instance's)
    limit = limit_for(request) if limit_for else cls.capabilities.text_limit
    return (composed(request) if composed else request.text.strip()), limit


def text_length(platform: str, text: str) -> int:
    """Length as the platform counts it: X weighs, Bluesky counts graphemes, an adapter's `text_length` says."""
    if platform in LENGTH:
        return LENGTH[platform](text)
    cls = _adapter_cls(platform)
    measure = getattr(cls, "text_length", None) if cls is not None else None
    return measure(text) if measure else len(text)


def state_of(used: int, limit: int) -> str:
    if limit and used > limit:
        return OVER
    if limit and used >= limit * NEAR_FRACTION:
        return NEAR
    return OK


def channel_problems(channel: Channel, request: PublishRequest) -> list[str]:
    """What post_schedule would refuse for this channel, in its words (adapter rules, then media)."""
    name = platform_name(channel)
    try:
        adapter = get_adapter(channel.platform)
    except UnknownPlatform:
        return [_("SMO cannot publish to %(platform)s yet.") % {"platform": channel.platform}]
    found = [sentence(p if name in p else f"{name}: {p}") for p in adapter.validate(request)]
    found += check_media(channel.platform, name, request.media)
    return list(dict.fromkeys(found))


def count(channel: Channel, request: PublishRequest) -> Count:
    text, limit = _limit_and_text(channel.platform, request)
    used = text_length(channel.platform, text)
    return Count(channel.pk, channel.platform, used, limit, state_of(used, limit),
                 tuple(channel_problems(channel, request)))


def count_or_problem(channel: Channel, build: Callable[[], PublishRequest]) -> Count:
    """count() for a request that may not build (an unreadable media file): the reason becomes a problem."""
    try:
        request = build()
    except ProbeError as exc:
        return Count(channel.pk, channel.platform, 0, 0, OK, (sentence(exc.message),))
    return count(channel, request)
