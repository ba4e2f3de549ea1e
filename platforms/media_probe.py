"""Measure a media file under MEDIA_ROOT (type, bytes, pixels, seconds) for the pre-flight checks.

Images go through Pillow. Videos (MP4/MOV) are read with a small box parser: the duration comes from
moov/mvhd and the picture size from the first track header (tkhd) that has one, turned upright when its
matrix rotates it by 90 degrees (phones store portrait video as rotated landscape). Nothing is decoded.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import BinaryIO

from django.utils.translation import gettext as _
from PIL import Image, UnidentifiedImageError

from platforms.media_urls import MediaPathError, media_file
from platforms.types import MediaItem

# Top-level box types an ISO-BMFF/QuickTime file may start with (old QuickTime files have no ftyp).
VIDEO_FIRST_BOXES = {b"ftyp", b"moov", b"mdat", b"wide", b"free", b"skip"}
QUICKTIME_BRANDS = {b"qt  "}
MAX_HEADER_BOX = 64 * 1024 * 1024  # a moov larger than this is not a file we should trust or read


class ProbeError(ValueError):
    """The file is missing, unreadable or not an image/video we understand. `message` is for users."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _named(message: str, name: str) -> ProbeError:
    """The error with the file's name (quoted) filled into the translated `message`."""
    return ProbeError(message % {"name": repr(name)})


@dataclass(frozen=True)
class MediaInfo:
    mime_type: str
    size_bytes: int
    width: int = 0
    height: int = 0
    duration_s: float = 0.0


def probe(relative_path: str) -> MediaInfo:
    """Measure the file at `relative_path` (relative to MEDIA_ROOT)."""
    try:
        path = media_file(relative_path)
    except MediaPathError as exc:
        raise ProbeError(str(exc)) from None
    if not path.is_file():
        raise _named(_("The media file %(name)s does not exist."), relative_path)
    with path.open("rb") as fh:
        head = fh.read(12)
    if len(head) >= 8 and head[4:8] in VIDEO_FIRST_BOXES:
        return _probe_video(path, relative_path)
    return _probe_image(path, relative_path)


def fill(item: MediaItem, relative_path: str) -> MediaItem:
    """`item` with the measured type and numbers of its file."""
    info = probe(relative_path)
    return replace(item, mime_type=info.mime_type, size_bytes=info.size_bytes, width=info.width,
                   height=info.height, duration_s=info.duration_s)


def _probe_image(path: Path, name: str) -> MediaInfo:
    try:
        with Image.open(path) as image:
            mime = Image.MIME.get(image.format or "", "")
            width, height = image.size
            image.load()  # decodes the (first) frame: the only way to notice a truncated file
    except Image.DecompressionBombError:
        raise _named(_("The image %(name)s has too many pixels to be processed safely."), name) from None
    except UnidentifiedImageError:
        raise _named(_("The file %(name)s is not an image or video SMO can read."), name) from None
    except (OSError, SyntaxError, ValueError, struct.error):
        raise _named(_("The image %(name)s is damaged or truncated; export it again."), name) from None
    if not mime.startswith("image/"):
        raise _named(_("The file %(name)s is not an image or video SMO can read."), name)
    return MediaInfo(mime_type=mime, size_bytes=path.stat().st_size, width=width, height=height)


def _probe_video(path: Path, name: str) -> MediaInfo:
    size = path.stat().st_size
    try:
        with path.open("rb") as fh:
            brand, moov = _top_level(fh, size)
    except (struct.error, _Truncated):
        raise _named(_("The video %(name)s is damaged or truncated; export it again."), name) from None
    if moov is None:
        raise _named(_("The video %(name)s has no 'moov' box (the file is incomplete or not a MP4/MOV)."), name)
    try:
        duration, width, height = _read_moov(moov)
    except (struct.error, _Truncated):
        raise _named(_("The video %(name)s has a damaged 'moov' box; export it again."), name) from None
    mime = "video/quicktime" if brand in QUICKTIME_BRANDS or brand is None else "video/mp4"
    return MediaInfo(mime_type=mime, size_bytes=size, width=width, height=height, duration_s=duration)


class _Truncated(Exception):
    pass


def _box_header(data: bytes, offset: int, end: int) -> tuple[bytes, int, int]:
    """(type, payload start, box end) of the box at `offset`, checked to fit inside `end`."""
    if offset + 8 > end:
        raise _Truncated
    size, kind = struct.unpack_from(">I4s", data, offset)
    header = 8
    if size == 1:
        if offset + 16 > end:
            raise _Truncated
        (size,) = struct.unpack_from(">Q", data, offset + 8)
        header = 16
    elif size == 0:
        size = end - offset
    if size < header or offset + size > end:
        raise _Truncated
    return kind, offset + header, offset + size


def _top_level(fh: BinaryIO, file_size: int) -> tuple[bytes | None, bytes | None]:
    """The major brand (if any) and the moov payload, skipping mdat and friends without reading them."""
    brand, offset = None, 0
    while offset < file_size:
        fh.seek(offset)
        raw = fh.read(16)
        kind, start, end = _box_header(raw, 0, file_size - offset)
        if kind == b"ftyp":
            fh.seek(offset + start)
            brand = fh.read(4)
        elif kind == b"moov":
            if end - start > MAX_HEADER_BOX:
                raise _Truncated
            fh.seek(offset + start)
            payload = fh.read(end - start)
            if len(payload) != end - start:
                raise _Truncated
            return brand, payload
        offset += end
    return brand, None


def _children(data: bytes, start: int, end: int) -> Iterator[tuple[bytes, int, int]]:
    while start < end:
        kind, payload, box_end = _box_header(data, start, end)
        yield kind, payload, box_end
        start = box_end


def _read_moov(moov: bytes) -> tuple[float, int, int]:
    duration, width, height = 0.0, 0, 0
    for kind, start, end in _children(moov, 0, len(moov)):
        if kind == b"mvhd":
            duration = _mvhd_duration(moov, start, end)
        elif kind == b"trak" and not (width and height):
            for child, child_start, child_end in _children(moov, start, end):
                if child == b"tkhd":
                    width, height = _tkhd_size(moov, child_start, child_end)
    return duration, width, height


def _mvhd_duration(data: bytes, start: int, end: int) -> float:
    version = data[start] if start < end else None
    layout = {0: (">II", 12), 1: (">IQ", 20)}.get(version)
    if layout is None or start + layout[1] + 4 + (8 if version else 4) > end:
        raise _Truncated
    timescale, duration = struct.unpack_from(layout[0], data, start + layout[1])
    if not timescale:
        raise _Truncated
    return round(duration / timescale, 3)


def _tkhd_size(data: bytes, start: int, end: int) -> tuple[int, int]:
    version = data[start] if start < end else None
    # version/flags, times, track id, reserved, duration: 4+4+4+4+4+4 (v0) or 4+8+8+4+4+8 (v1)
    fixed = {0: 24, 1: 36}.get(version)
    if fixed is None:
        raise _Truncated
    matrix_at = start + fixed + 8 + 2 + 2 + 2 + 2  # reserved, layer, alternate group, volume, reserved
    size_at = matrix_at + 36
    if size_at + 8 > end:
        raise _Truncated
    a, b = struct.unpack_from(">ii", data, matrix_at)
    width, height = (value >> 16 for value in struct.unpack_from(">II", data, size_at))
    return (height, width) if a == 0 and b != 0 else (width, height)
