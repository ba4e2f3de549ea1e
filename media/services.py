"""Writes on the media library: upload (sniffed, checked, cleaned, thumbnailed), alt text, delete.

The file's real type comes from its content, never from its name or the browser's Content-Type: images
are opened with Pillow, MP4/MOV videos measured by platforms.media_probe. JPEGs are re-encoded with their
EXIF orientation applied and no metadata kept (phones write the GPS position there); PNGs are re-saved
without their text and eXIf chunks. Files land under MEDIA_ROOT/library/<workspace id>/.
"""

from __future__ import annotations

import shutil
import struct
import uuid
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from media.models import ALT_TEXT_MAX, MediaAsset
from media.selectors import asset_blockers
from platforms.media_probe import VIDEO_FIRST_BOXES, ProbeError, probe
from platforms.media_urls import media_file
from workspaces.audit import audit_record
from workspaces.models import Workspace

DEFAULT_MAX_IMAGE_BYTES = 10 * 1024 * 1024
DEFAULT_MAX_VIDEO_BYTES = 512 * 1024 * 1024  # X's ceiling; the largest any adapter accepts
MAX_PIXELS = 60_000_000  # well above any camera, well below what would exhaust a worker's memory
IMAGE_FORMATS = {"JPEG": ".jpg", "PNG": ".png", "GIF": ".gif", "WEBP": ".webp"}
VIDEO_SUFFIXES = {"video/mp4": ".mp4", "video/quicktime": ".mov"}
THUMB_SIZE = (320, 320)
LIBRARY_DIR = "library"


class UploadRejected(ValueError):
    """The upload is not a file SMO accepts; `message` says why in words the user can act on."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class AssetInUse(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def max_image_bytes() -> int:
    return int(getattr(settings, "MEDIA_MAX_IMAGE_BYTES", DEFAULT_MAX_IMAGE_BYTES))


def max_video_bytes() -> int:
    return int(getattr(settings, "MEDIA_MAX_VIDEO_BYTES", DEFAULT_MAX_VIDEO_BYTES))


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.1f} MB"


def _check_size(name: str, size: int, limit: int, kind: str) -> None:
    if size > limit:
        raise UploadRejected(
            _("%(name)s is %(size)s; %(kind)s files may be at most %(limit)s.")
            % {"name": name, "size": _megabytes(size), "kind": kind, "limit": _megabytes(limit)}
        )


def _is_video(upload: UploadedFile) -> bool:
    upload.seek(0)
    head = upload.read(12)
    upload.seek(0)
    return len(head) >= 8 and head[4:8] in VIDEO_FIRST_BOXES


def _new_relative(workspace: Workspace, suffix: str, folder: str = "") -> str:
    parts = [LIBRARY_DIR, str(workspace.pk), *([folder] if folder else []), uuid.uuid4().hex + suffix]
    return "/".join(parts)


def _target(relative: str) -> Path:
    path = media_file(relative)
    path.parent.mkdir(parents=True, exist_ok=True)
    return path


def asset_upload(workspace: Workspace, upload: UploadedFile, uploaded_by: Any = None) -> MediaAsset:
    """Store `upload` in the workspace's library, or raise UploadRejected with the reason."""
    name = _display_name(upload.name or "")
    size = int(upload.size or 0)
    if size == 0:
        raise UploadRejected(_("%(name)s is empty.") % {"name": name})
    _check_size(name, size, max(max_image_bytes(), max_video_bytes()), _("media"))
    if _is_video(upload):
        _check_size(name, size, max_video_bytes(), _("video"))
        fields = _store_video(workspace, upload, name)
    else:
        _check_size(name, size, max_image_bytes(), _("image"))
        fields = _store_image(workspace, upload, name)
    asset = MediaAsset.objects.create(workspace=workspace, original_name=name, uploaded_by=uploaded_by, **fields)
    audit_record(workspace=workspace, actor=uploaded_by, action="media.uploaded", target=asset,
                 details={"type": asset.mime_type, "bytes": asset.size_bytes})
    return asset


def _display_name(raw: str) -> str:
    """The browser's file name without folders or control characters (it ends up in HTTP headers)."""
    name = "".join(ch for ch in raw.replace("\\", "/").rsplit("/", 1)[-1] if ch.isprintable()).strip()
    return name[:255] or "upload"


def _store_video(workspace: Workspace, upload: UploadedFile, name: str) -> dict[str, Any]:
    relative = _new_relative(workspace, ".video")
    path = _target(relative)
    with path.open("wb") as out:
        for chunk in upload.chunks():
            out.write(chunk)
    try:
        info = probe(relative)
    except ProbeError as exc:
        path.unlink(missing_ok=True)
        raise UploadRejected(exc.message.replace(repr(relative), name)) from None
    if not (info.width and info.height):
        path.unlink(missing_ok=True)
        raise UploadRejected(_("%(name)s has no video track.") % {"name": name})
    final = relative.removesuffix(".video") + VIDEO_SUFFIXES[info.mime_type]
    path.rename(media_file(final))
    return {"path": final, "mime_type": info.mime_type, "size_bytes": info.size_bytes, "width": info.width,
            "height": info.height, "duration_s": info.duration_s}


def _open_image(upload: UploadedFile, name: str) -> Image.Image:
    upload.seek(0)
    try:
        image = Image.open(upload)
        if image.format not in IMAGE_FORMATS:
            raise UploadRejected(_("%(name)s is a %(format)s image; upload JPEG, PNG, GIF or WebP.")
                                 % {"name": name, "format": image.format})
        if image.width * image.height > MAX_PIXELS:
            raise UploadRejected(_("%(name)s has too many pixels to be processed safely.") % {"name": name})
        image.load()  # decodes the first frame: the only way to notice a truncated or corrupt file
    except UploadRejected:
        raise
    except UnidentifiedImageError:
        raise UploadRejected(_("%(name)s is not an image or video SMO can read (JPEG, PNG, GIF, WebP, MP4, MOV).")
                             % {"name": name}) from None
    except (Image.DecompressionBombError, OSError, SyntaxError, ValueError, struct.error):
        raise UploadRejected(_("%(name)s is damaged or truncated; export it again.") % {"name": name}) from None
    return image


def _store_image(workspace: Workspace, upload: UploadedFile, name: str) -> dict[str, Any]:
    image = _open_image(upload, name)
    relative = _new_relative(workspace, IMAGE_FORMATS[image.format])
    path = _target(relative)
    try:
        if image.format == "JPEG":
            image = _clean_jpeg(image, path)
        elif image.format == "PNG" and not getattr(image, "is_animated", False):
            _clean_png(image, path)
        else:
            upload.seek(0)
            with path.open("wb") as out:
                shutil.copyfileobj(upload, out)
        thumbnail = _make_thumbnail(workspace, image)
    except OSError:
        path.unlink(missing_ok=True)
        raise UploadRejected(_("%(name)s could not be processed; export it again.") % {"name": name}) from None
    return {"path": relative, "mime_type": Image.MIME[_format_of(relative)], "size_bytes": path.stat().st_size,
            "width": image.width, "height": image.height, "thumbnail": thumbnail}


def _format_of(relative: str) -> str:
    suffix = "." + relative.rsplit(".", 1)[-1]
    return next(fmt for fmt, ext in IMAGE_FORMATS.items() if ext == suffix)


def _clean_jpeg(image: Image.Image, path: Path) -> Image.Image:
    """Re-encode with the orientation applied to the pixels, so no EXIF is needed to show it upright."""
    icc = image.info.get("icc_profile")
    upright = ImageOps.exif_transpose(image)
    if upright.mode not in ("RGB", "L", "CMYK"):
        upright = upright.convert("RGB")
    upright.info = {}  # Pillow copies comments from info; nothing of the original's metadata may survive
    options: dict[str, Any] = {"quality": 92, "optimize": True}
    if icc:
        options["icc_profile"] = icc  # colour, not personal data: without it colours shift
    upright.save(path, "JPEG", **options)
    return upright


def _clean_png(image: Image.Image, path: Path) -> None:
    icc = image.info.get("icc_profile")
    transparency = image.info.get("transparency")
    image.info = {}
    options: dict[str, Any] = {"optimize": False}
    if icc:
        options["icc_profile"] = icc
    if transparency is not None:
        options["transparency"] = transparency
    image.save(path, "PNG", **options)


def _make_thumbnail(workspace: Workspace, image: Image.Image) -> str:
    thumb = image.copy()
    thumb.thumbnail(THUMB_SIZE)
    if thumb.mode in ("RGBA", "LA", "P"):
        rgba = thumb.convert("RGBA")
        thumb = Image.new("RGB", rgba.size, "white")
        thumb.paste(rgba, mask=rgba.getchannel("A"))
    elif thumb.mode != "RGB":
        thumb = thumb.convert("RGB")
    relative = _new_relative(workspace, ".jpg", "thumbs")
    thumb.save(_target(relative), "JPEG", quality=80)
    return relative


def asset_set_alt_text(asset: MediaAsset, alt_text: str, *, actor: Any = None) -> MediaAsset:
    text = (alt_text or "").strip()
    if len(text) > ALT_TEXT_MAX:
        raise UploadRejected(_("Alt text may be at most %(limit)d characters.") % {"limit": ALT_TEXT_MAX})
    if text != asset.alt_text:
        asset.alt_text = text
        asset.save(update_fields=["alt_text"])
        audit_record(workspace=asset.workspace_id, actor=actor, action="media.alt_text_changed", target=asset,
                     details={"alt_text": text})
    return asset


def asset_delete(asset: MediaAsset, *, actor: Any = None) -> None:
    """Delete the asset and its files; refused (AssetInUse) while a post that may still be sent uses it."""
    blockers = asset_blockers(asset)
    if blockers:
        raise AssetInUse(
            _("%(name)s is used by %(count)d post(s) that are not published yet; remove it from them first.")
            % {"name": asset.original_name, "count": len(blockers)}
        )
    paths = [p for p in (asset.path, asset.thumbnail) if p]
    with transaction.atomic():  # recorded first, while the asset still has its id; both commit or neither
        audit_record(workspace=asset.workspace_id, actor=actor, action="media.deleted", target=asset,
                     details={"type": asset.mime_type})
        asset.delete()
    transaction.on_commit(lambda: _unlink(paths))


def _unlink(paths: list[str]) -> None:
    for relative in paths:
        media_file(relative).unlink(missing_ok=True)
