"""X (API v2). The registry imports `platforms.x.XAdapter`."""

from platforms.x.adapter import XAdapter

__all__ = ["XAdapter"]
