"""Snapchat media: the rules for the one photo or video of a post, and the encrypted upload.

Upload per Snap's Profile Asset Management page (reference §11): encrypt the file with AES-256-CBC
(random 32-byte key, 16-byte IV, PKCS#7 padding as `openssl enc` adds), create a media container with
the base64 key and IV (`POST /v1/public_profiles/{profile_id}/media`, valid 24 hours), upload the
encrypted bytes in parts of at most 32 MB to the container's `add_path`, then call its `finalize_path`.
Snap then processes the media; SMO polls the container and raises NotReady meanwhile, carrying the
media id in `progress` so a later publish() never uploads again.
"""

from __future__ import annotations

import base64
import os

from cryptography.hazmat.primitives import padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from django.utils.translation import gettext as _

from platforms.errors import ContentRejected, NotReady, TransientError
from platforms.media_fetch import fetch_media
from platforms.snapchat.client import Connection, entities
from platforms.snapchat.text import SPOTLIGHT, placement
from platforms.types import MediaItem, PublishRequest

MB = 1_000_000
PART_BYTES = 32 * 1024 * 1024  # "If your file is larger than 32MB then split it into smaller chunks"
# Formats and the image size per getlate's Snapchat page; the 1 GB upload cap, 5-300 s and 540x960
# minimum per a summary of Snap's docs. unverified: not read on a Snap page.
IMAGE_TYPES = ("image/jpeg", "image/png")
VIDEO_TYPES = ("video/mp4",)
MAX_BYTES = {"image": 20 * MB, "video": 1000 * MB}
MIN_VIDEO_S, MAX_VIDEO_S = 5.0, 300.0
MIN_WIDTH, MIN_HEIGHT = 540, 960
CHECK_AFTER_S = 5.0
READY, FAILED = "READY", ("FAILED", "ERROR")


def problems(request: PublishRequest) -> list[str]:
    media = request.media
    if not media:
        return [_("Snapchat needs one photo or video for each post; text-only posts do not exist there.")]
    if len(media) > 1:
        return [_("Snapchat takes exactly one photo or video per post; this post has %(count)d.")
                % {"count": len(media)}]
    item = media[0]
    found = []
    if item.kind == "gif" or (item.mime_type and item.mime_type not in IMAGE_TYPES + VIDEO_TYPES):
        found.append(_("Snapchat accepts photos as JPEG or PNG and videos as MP4 only."))
    if placement(request) == SPOTLIGHT and item.kind != "video":
        found.append(_("Snapchat Spotlight takes videos only; post a photo to the Story instead."))
    limit = MAX_BYTES.get(item.kind, MAX_BYTES["image"])
    if item.size_bytes and item.size_bytes > limit:
        found.append(_("Snapchat accepts files of at most %(mb)d MB for this kind; this one is larger.")
                     % {"mb": limit // MB})
    if item.kind == "video":
        found += _video_problems(item)
    return found


def _video_problems(item: MediaItem) -> list[str]:
    found = []
    if item.duration_s and not MIN_VIDEO_S <= item.duration_s <= MAX_VIDEO_S:
        found.append(_("Snapchat videos must last between %(min)d and %(max)d seconds; this one lasts %(s).1f.")
                     % {"min": MIN_VIDEO_S, "max": MAX_VIDEO_S, "s": item.duration_s})
    if item.width and item.height and (item.width < MIN_WIDTH or item.height < MIN_HEIGHT):
        found.append(_("Snapchat videos must be at least %(w)dx%(h)d pixels (vertical); this one is "
                       "%(width)dx%(height)d.") % {"w": MIN_WIDTH, "h": MIN_HEIGHT, "width": item.width,
                                                   "height": item.height})
    return found


def prepare(conn: Connection, request: PublishRequest, name: str) -> str:
    """The id of a processed media container for the post's file; NotReady while Snap processes it."""
    profile_id = request.channel.external_id
    media_id = str((request.progress or {}).get("media_id") or "")
    if not media_id:
        media_id = upload(conn, profile_id, request.media[0], name)
    status = media_status(conn, profile_id, media_id)
    if status == READY:
        return media_id
    if status in FAILED:
        raise ContentRejected("Snapchat could not process the media file (it may be damaged or in an unsupported "
                              "format).", platform_code="media_failed")
    raise NotReady("Snapchat is still processing the media; SMO will check again shortly.",
                   progress={"media_id": media_id}, check_after_s=CHECK_AFTER_S)


def upload(conn: Connection, profile_id: str, item: MediaItem, name: str) -> str:
    """Encrypt and upload one file into a new container; returns the media id."""
    key, iv = os.urandom(32), os.urandom(16)
    encrypted = encrypt(fetch(item), key, iv)
    created = conn.json("POST", f"/v1/public_profiles/{profile_id}/media", json={
        "type": "VIDEO" if item.kind == "video" else "IMAGE", "name": name,
        "key": base64.b64encode(key).decode("ascii"), "iv": base64.b64encode(iv).decode("ascii")})
    # unverified: the container answer's field names (media_id, add_path, finalize_path).
    media_id, add_path, finalize_path = (str(created.get(k) or "") for k in ("media_id", "add_path", "finalize_path"))
    if not (media_id and add_path and finalize_path):
        raise TransientError("Snapchat created no usable media container; it will be tried again.",
                             platform_code="media_container")
    for number, start in enumerate(range(0, len(encrypted), PART_BYTES), start=1):
        part = encrypted[start:start + PART_BYTES]
        conn.call("POST", add_path, data={"part_number": str(number)},
                  files={"file": (f"part-{number}", part, "application/octet-stream")})
    conn.call("POST", finalize_path)
    return media_id


def media_status(conn: Connection, profile_id: str, media_id: str) -> str:
    # unverified: the read path and the media_status values (Marketing API media use READY/PENDING_UPLOAD).
    body = conn.json("GET", f"/v1/public_profiles/{profile_id}/media/{media_id}")
    found = entities(body, "media", "media")
    return str(found[0].get("media_status") or "").upper() if found else ""


def media_name_of(conn: Connection, profile_id: str, media_id: str) -> str:
    body = conn.json("GET", f"/v1/public_profiles/{profile_id}/media/{media_id}")
    found = entities(body, "media", "media")
    return str(found[0].get("name") or "") if found else ""


def encrypt(data: bytes, key: bytes, iv: bytes) -> bytes:
    """AES-256-CBC with PKCS#7 padding: byte for byte what `openssl enc -aes-256-cbc -nosalt -K -iv` writes."""
    padder = padding.PKCS7(128).padder()
    padded = padder.update(data) + padder.finalize()
    encryptor = Cipher(algorithms.AES(key), modes.CBC(iv)).encryptor()
    return encryptor.update(padded) + encryptor.finalize()


def fetch(item: MediaItem) -> bytes:
    """The file's bytes from its (signed SMO) URL, refusing anything over Snapchat's size for its kind."""
    return fetch_media(item, "snapchat", "Snapchat", MAX_BYTES.get(item.kind, MAX_BYTES["image"]))
