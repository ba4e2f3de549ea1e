"""Real platform origins mapped onto a sandbox base URL.

SMO's settings import this to build the default ``PLATFORM_ORIGINS`` map, so it must stay
dependency-free (no aiohttp, no Django): only plain string work happens here.
"""

from __future__ import annotations

# Real origin -> path prefix on the sandbox. One prefix per dialect; several real hosts can
# share a prefix because X serves the same API on api.twitter.com and api.x.com, and the
# browser-facing authorize page on twitter.com and x.com.
ORIGIN_PREFIXES: dict[str, str] = {
    "https://api.twitter.com": "/x",
    "https://api.x.com": "/x",
    "https://twitter.com": "/x",
    "https://x.com": "/x",
    "https://upload.twitter.com": "/x-upload",
    "https://graph.facebook.com": "/facebook",
    "https://www.facebook.com": "/facebook",
    # Instagram with Facebook Login speaks on graph.facebook.com; www.instagram.com serves its permalinks
    # and the Instagram Login dialog, graph.instagram.com and api.instagram.com the Instagram Login API.
    "https://www.instagram.com": "/facebook/instagram",
    "https://graph.instagram.com": "/instagram",
    "https://api.instagram.com": "/instagram",
    # Mastodon is any instance; the sandbox plays one at this made-up address.
    "https://mastodon.example": "/mastodon",
    "https://bsky.social": "/bluesky",  # the Bluesky PDS (entryway) for app-password sessions
    "https://api.pinterest.com": "/pinterest",
    "https://www.pinterest.com": "/pinterest",  # the OAuth page and Pin permalinks
    "https://pinterest-media-upload.s3-accelerate.amazonaws.com": "/pinterest-upload",  # video form uploads
    "https://api.linkedin.com": "/linkedin",
    "https://www.linkedin.com": "/linkedin",  # OAuth pages, token endpoint, upload URLs, permalinks
    "https://video.bsky.app": "/bluesky-video",  # Bluesky's video upload and processing service
    "https://open.tiktokapis.com": "/tiktok",  # TikTok's API; www.tiktok.com serves its authorize page
    "https://www.tiktok.com": "/tiktok",
    "https://open-upload.tiktokapis.com": "/tiktok-upload",  # TikTok's upload URLs
    "https://graph.threads.net": "/threads",  # the Threads API (also served on graph.threads.com)
    "https://graph.threads.com": "/threads",
    "https://threads.net": "/threads/web",  # the Threads authorize page and permalinks
    "https://www.threads.net": "/threads/web",
    "https://businessapi.snapchat.com": "/snapchat",  # Snap's Public Profile API
    "https://accounts.snapchat.com": "/snapchat-accounts",  # Snap's OAuth authorize page and token endpoint
    # YouTube: API and uploads, the Google token endpoint and consent page share one prefix (no path collides).
    "https://www.googleapis.com": "/youtube",
    "https://oauth2.googleapis.com": "/youtube",
    "https://accounts.google.com": "/youtube",
}


def default_platform_origins(base_url: str) -> dict[str, str]:
    """Return the ``PLATFORM_ORIGINS`` map that points every known real origin at ``base_url``.

    >>> default_platform_origins("http://127.0.0.1:8100/")["https://api.x.com"]
    'http://127.0.0.1:8100/x'
    """
    base = base_url.rstrip("/")
    return {origin: f"{base}{prefix}" for origin, prefix in ORIGIN_PREFIXES.items()}
