"""Bluesky (AT Protocol) adapter."""

from platforms.bluesky.adapter import BlueskyAdapter

__all__ = ["BlueskyAdapter"]
