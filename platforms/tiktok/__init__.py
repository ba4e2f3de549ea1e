"""TikTok (Content Posting API). The registry imports `platforms.tiktok.TikTokAdapter`."""

from platforms.tiktok.adapter import TikTokAdapter

__all__ = ["TikTokAdapter"]
