"""Platform key -> adapter class. Explicit, and imported lazily so one broken SDK cannot stop start-up."""

from __future__ import annotations

from importlib import import_module

from platforms.base import Adapter

_ADAPTERS: dict[str, str] = {
    "x": "platforms.x.XAdapter",
    "facebook": "platforms.facebook.FacebookAdapter",
    "instagram": "platforms.instagram.InstagramAdapter",
    "bluesky": "platforms.bluesky.BlueskyAdapter",
    "tiktok": "platforms.tiktok.TikTokAdapter",
    "mastodon": "platforms.mastodon.MastodonAdapter",
    "snapchat": "platforms.snapchat.SnapchatAdapter",
    "threads": "platforms.threads.ThreadsAdapter",
    "linkedin": "platforms.linkedin.LinkedInAdapter",
    "pinterest": "platforms.pinterest.PinterestAdapter",
    "youtube": "platforms.youtube.YouTubeAdapter",
}
# Tests register in-memory adapters here; nothing else writes to it.
_OVERRIDES: dict[str, type] = {}


class UnknownPlatform(LookupError):
    pass


def platform_keys() -> list[str]:
    return sorted(set(_ADAPTERS) | set(_OVERRIDES))


def adapter_class(platform: str) -> type:
    if platform in _OVERRIDES:
        return _OVERRIDES[platform]
    try:
        dotted = _ADAPTERS[platform]
    except KeyError:
        raise UnknownPlatform(f"No adapter for platform {platform!r}.") from None
    module_name, class_name = dotted.rsplit(".", 1)
    return getattr(import_module(module_name), class_name)


def get_adapter(platform: str) -> Adapter:
    return adapter_class(platform)()


def override(platform: str, cls: type | None) -> None:
    """Install (or with None remove) a replacement adapter class, for tests."""
    if cls is None:
        _OVERRIDES.pop(platform, None)
    else:
        _OVERRIDES[platform] = cls
