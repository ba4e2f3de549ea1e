"""Images for a Bluesky post: pre-flight rules, download from SMO's signed URL, uploadBlob, the embed.

Video (one per post, never mixed with images) goes through Bluesky's video service: see video.py.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from platforms.bluesky.client import Connection
from platforms.errors import TransientError
from platforms.media_fetch import fetch_media
from platforms.types import MediaItem

MAX_IMAGES = 4
MAX_IMAGE_BYTES = 1_000_000  # lexicon app.bsky.embed.images: image blob maxSize
MAX_ALT = 2000  # Bluesky's app limits alt text to 2,000 characters
IMAGE_TYPES = ("image/jpeg", "image/png", "image/webp", "image/gif")


def problems(media: tuple[MediaItem, ...]) -> list[str]:
    found: list[str] = []
    images = [item for item in media if item.kind != "video"]
    if len(images) > MAX_IMAGES:
        found.append(_("Bluesky allows at most %(limit)d images per post; this post has %(count)d.")
                     % {"limit": MAX_IMAGES, "count": len(images)})
    for number, item in enumerate(images, start=1):
        if item.mime_type not in IMAGE_TYPES:
            found.append(_("Bluesky accepts JPEG, PNG, WebP or GIF images; image %(number)d is %(type)s.")
                         % {"number": number, "type": item.mime_type})
        if item.size_bytes > MAX_IMAGE_BYTES:
            found.append(_("Bluesky accepts images of at most 1 MB; image %(number)d is %(size).1f MB.")
                         % {"number": number, "size": item.size_bytes / 1_000_000})
        if len(item.alt_text) > MAX_ALT:
            found.append(_("Bluesky allows alt text of at most %(limit)d characters (image %(number)d).")
                         % {"limit": MAX_ALT, "number": number})
    return found


def fetch(item: MediaItem, limit: int = MAX_IMAGE_BYTES) -> bytes:
    """The file's bytes from its (signed SMO) URL, refusing anything over Bluesky's size for its kind."""
    return fetch_media(item, "bluesky", "Bluesky", limit)


def upload(conn: Connection, item: MediaItem) -> dict[str, Any]:
    """uploadBlob: raw bytes with the file's Content-Type; returns the blob reference for the embed."""
    body = conn.call("POST", "com.atproto.repo.uploadBlob", data=fetch(item),
                     headers={"Content-Type": item.mime_type})
    blob = body.get("blob")
    if not isinstance(blob, dict):
        raise TransientError("Bluesky accepted the image but returned no blob; it will be retried.",
                             platform_code="blob")
    return blob


def images_embed(items: tuple[MediaItem, ...], blobs: list[dict[str, Any]]) -> dict[str, Any]:
    images = []
    for item, blob in zip(items, blobs, strict=True):
        image: dict[str, Any] = {"image": blob, "alt": item.alt_text}
        if item.width and item.height:
            image["aspectRatio"] = {"width": item.width, "height": item.height}
        images.append(image)
    return {"$type": "app.bsky.embed.images", "images": images}
