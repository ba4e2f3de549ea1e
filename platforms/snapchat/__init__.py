"""Snapchat Public Profiles (allowlisted apps only). The registry imports `platforms.snapchat.SnapchatAdapter`."""

from platforms.snapchat.adapter import SnapchatAdapter

__all__ = ["SnapchatAdapter"]
