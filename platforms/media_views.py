"""The public endpoint platforms fetch our media from: no login, the signed URL is the permission."""

from __future__ import annotations

import mimetypes
from pathlib import Path, PurePosixPath

from django.http import FileResponse, HttpRequest, HttpResponse
from django.views.decorators.http import require_safe

from platforms import media_urls
from platforms.media_urls import BadSignature, Expired, MediaPathError, media_file, unsign

# Spelled out because mimetypes' table depends on the Python version and the host's /etc/mime.types.
CONTENT_TYPES = {
    ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".png": "image/png", ".gif": "image/gif", ".webp": "image/webp",
    ".bmp": "image/bmp", ".tif": "image/tiff", ".tiff": "image/tiff", ".mp4": "video/mp4", ".m4v": "video/x-m4v",
    ".mov": "video/quicktime",
}
CACHE_SECONDS = 3600


def _text(message: str, status: int) -> HttpResponse:
    response = HttpResponse(message, status=status, content_type="text/plain; charset=utf-8")
    response["Cache-Control"] = "no-store"
    return response


def content_type_for(path: Path) -> str:
    suffix = path.suffix.lower()
    return CONTENT_TYPES.get(suffix) or mimetypes.guess_type(path.name)[0] or "application/octet-stream"


@require_safe
def serve_media(request: HttpRequest, token: str, filename: str) -> HttpResponse:
    try:
        signed = unsign(token)
    except Expired as exc:
        return _text(str(exc), 410)
    except BadSignature as exc:
        return _text(str(exc), 403)
    try:
        path = media_file(signed.relative_path)
    except MediaPathError:
        return _text("No such media file.", 404)
    # The token decides the file; a URL whose name was changed points at nothing.
    if filename != PurePosixPath(signed.relative_path).name or not path.is_file():
        return _text("No such media file.", 404)
    response = FileResponse(path.open("rb"), content_type=content_type_for(path))
    remaining = max(0, signed.expires_at - int(media_urls.now()))
    response["Cache-Control"] = f"public, max-age={min(remaining, CACHE_SECONDS)}"
    response["X-Robots-Tag"] = "noindex"
    return response
