"""The PLATFORM_ORIGINS map that points every real platform origin at a sandbox. Imports nothing heavy."""

from __future__ import annotations

_X_ORIGINS = ("https://api.twitter.com", "https://api.x.com", "https://twitter.com", "https://x.com")


def default_platform_origins(base_url: str) -> dict[str, str]:
    base = base_url.rstrip("/")
    origins = {origin: f"{base}/x" for origin in _X_ORIGINS}
    origins["https://upload.twitter.com"] = f"{base}/x-upload"
    return origins
