"""Signed, expiring public URLs for files under MEDIA_ROOT, so Instagram and Facebook can fetch our media.

Meta pulls media from a URL with no cookies and no login, so the URL itself is the permission: it carries
the file's path relative to MEDIA_ROOT and an expiry, signed with SECRET_KEY under a salt used for nothing
else. The serving view is platforms.media_views.serve_media.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from urllib.parse import quote

from django.conf import settings
from django.core import signing
from django.core.exceptions import ImproperlyConfigured

SALT = "smo.platforms.media-url"
URL_PREFIX = "m"  # platforms/media_urls_conf.py routes <URL_PREFIX>/<token>/<filename>
DEFAULT_MAX_AGE_SECONDS = 86_400
# runserver's default address: reachable by the local sandbox, never by the real platforms.
DEBUG_BASE_URL = "http://127.0.0.1:8000"


class MediaPathError(ValueError):
    """The path is not a plain relative path inside MEDIA_ROOT."""


class BadSignature(Exception):
    """The token was not made by us (or was altered)."""


class Expired(Exception):
    """The token was ours but its time is up."""


@dataclass(frozen=True)
class SignedMedia:
    relative_path: str
    expires_at: int  # Unix seconds


def now() -> float:
    """The clock used for expiry; tests replace it."""
    return time.time()


def clean_relative_path(relative_path: str) -> str:
    """The path in canonical form ("a/b.jpg"), or MediaPathError for anything that could leave MEDIA_ROOT."""
    text = (relative_path or "").replace("\\", "/")
    if not text or "\x00" in text:
        raise MediaPathError("A media path must not be empty.")
    parts = [part for part in PurePosixPath(text).parts if part not in ("", ".")]
    # "C:" is a drive on Windows: refused everywhere so a path means the same on every host.
    if text.startswith("/") or (parts and ":" in parts[0]):
        raise MediaPathError(f"A media path must be relative to MEDIA_ROOT, not {relative_path!r}.")
    if not parts or ".." in parts:
        raise MediaPathError(f"A media path must stay inside MEDIA_ROOT: {relative_path!r}.")
    return "/".join(parts)


def media_file(relative_path: str) -> Path:
    """The file's absolute path, checked (after resolving symlinks) to be inside MEDIA_ROOT."""
    root = Path(settings.MEDIA_ROOT).resolve()
    target = (root / clean_relative_path(relative_path)).resolve()
    if not target.is_relative_to(root) or target == root:
        raise MediaPathError(f"A media path must stay inside MEDIA_ROOT: {relative_path!r}.")
    return target


def public_base_url() -> str:
    base = (getattr(settings, "PUBLIC_BASE_URL", "") or "").strip().rstrip("/")
    if base:
        return base
    if settings.DEBUG:
        return DEBUG_BASE_URL
    raise ImproperlyConfigured(
        "PUBLIC_BASE_URL is not set. Instagram and Facebook fetch media from a public https URL of this "
        "server; set PUBLIC_BASE_URL to it (e.g. https://smo.example.com)."
    )


def max_age_seconds() -> int:
    return int(getattr(settings, "MEDIA_URL_MAX_AGE_SECONDS", DEFAULT_MAX_AGE_SECONDS))


def sign(relative_path: str, *, max_age: int | None = None) -> str:
    path = clean_relative_path(relative_path)
    expires_at = int(now()) + (max_age_seconds() if max_age is None else max_age)
    return signing.dumps({"p": path, "e": expires_at}, salt=SALT, compress=True)


def unsign(token: str) -> SignedMedia:
    """The signed path and expiry; BadSignature if we did not make this token, Expired if it is too old."""
    try:
        data = signing.loads(token, salt=SALT)
    except signing.BadSignature:
        raise BadSignature("This media link is not valid.") from None
    if not isinstance(data, dict) or not isinstance(data.get("p"), str) or not isinstance(data.get("e"), int):
        raise BadSignature("This media link is not valid.")
    if now() >= data["e"]:
        raise Expired("This media link has expired.")
    return SignedMedia(relative_path=data["p"], expires_at=data["e"])


def public_media_url(relative_path: str, *, max_age: int | None = None) -> str:
    """PUBLIC_BASE_URL/m/<token>/<file name>: what a platform fetches. The name is there for platforms
    (and people) that look at the extension; the token alone decides which file is served."""
    path = clean_relative_path(relative_path)
    base = public_base_url()  # fail on a missing setting before signing anything
    return f"{base}/{URL_PREFIX}/{sign(path, max_age=max_age)}/{quote(PurePosixPath(path).name)}"
