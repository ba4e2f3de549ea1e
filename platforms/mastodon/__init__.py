"""Mastodon (any instance). The registry imports `platforms.mastodon.MastodonAdapter`."""

from platforms.mastodon.adapter import MastodonAdapter

__all__ = ["MastodonAdapter"]
