"""The engine's one doorway to channels: credentials for the adapter, refresh, and the reconnect flag.

All three belong to platforms.services; importing them through here keeps the engine's dependency on
the platforms app in one place (and one place to fake in tests).
"""

from __future__ import annotations

from platforms.services import channel_mark_needs_reconnect, channel_ref, channel_refresh_token

__all__ = ["channel_mark_needs_reconnect", "channel_ref", "channel_refresh_token"]
