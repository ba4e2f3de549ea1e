"""YouTube (Data API v3). The registry imports `platforms.youtube.YouTubeAdapter`."""

from platforms.youtube.adapter import YouTubeAdapter

__all__ = ["YouTubeAdapter"]
