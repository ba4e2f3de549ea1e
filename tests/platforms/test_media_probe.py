"""platforms.media_probe on real files: images made with Pillow, MP4/MOV built box by box."""

from __future__ import annotations

import struct
from pathlib import Path

import pytest
from PIL import Image

from platforms.media_probe import MediaInfo, ProbeError, fill, probe
from platforms.preflight import check_media
from platforms.types import MediaItem

IDENTITY = (0x10000, 0, 0, 0, 0x10000, 0, 0, 0, 0x40000000)
ROTATE_90 = (0, 0x10000, 0, -0x10000, 0, 0, 0, 0, 0x40000000)


@pytest.fixture
def media_root(settings, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.MEDIA_ROOT.mkdir()
    return settings.MEDIA_ROOT


def box(kind: bytes, payload: bytes) -> bytes:
    return struct.pack(">I4s", 8 + len(payload), kind) + payload


def mvhd(timescale: int, duration: int, version: int = 0) -> bytes:
    if version == 1:
        head = struct.pack(">B3xQQIQ", 1, 0, 0, timescale, duration)
    else:
        head = struct.pack(">B3xIIII", 0, 0, 0, timescale, duration)
    return box(b"mvhd", head + struct.pack(">IH10x", 0x10000, 0x100) + struct.pack(">9i", *IDENTITY) + bytes(28))


def tkhd(width: int, height: int, matrix: tuple[int, ...] = IDENTITY, version: int = 0) -> bytes:
    if version == 1:
        head = struct.pack(">B3sQQI4xQ", 1, b"\0\0\x07", 0, 0, 1, 0)
    else:
        head = struct.pack(">B3sIII4xI", 0, b"\0\0\x07", 0, 0, 1, 0)
    tail = struct.pack(">8xhhh2x", 0, 0, 0) + struct.pack(">9i", *matrix)
    tail += struct.pack(">II", width << 16, height << 16)  # 16.16 fixed point
    return box(b"tkhd", head + tail)


def mp4_bytes(*, brand: bytes = b"isom", seconds: float = 12.5, width: int = 1920, height: int = 1080,
              matrix: tuple[int, ...] = IDENTITY, version: int = 0, moov_last: bool = False) -> bytes:
    ftyp = box(b"ftyp", brand + struct.pack(">I", 512) + b"isomiso2mp41")
    audio = box(b"trak", tkhd(0, 0, version=version) + box(b"mdia", b""))
    video = box(b"trak", tkhd(width, height, matrix, version=version) + box(b"mdia", b""))
    moov = box(b"moov", mvhd(1000, int(seconds * 1000), version) + audio + video)
    # A 64-bit size (size field 1) as large recorders write for mdat.
    payload = bytes(64)
    mdat = struct.pack(">I4sQ", 1, b"mdat", 16 + len(payload)) + payload
    return ftyp + (mdat + moov if moov_last else moov + mdat)


def write(root: Path, name: str, data: bytes) -> str:
    (root / name).parent.mkdir(parents=True, exist_ok=True)
    (root / name).write_bytes(data)
    return name


def save_image(root: Path, name: str, size: tuple[int, int], fmt: str, **options) -> str:
    Image.new("RGB", size, (200, 30, 30)).save(root / name, fmt, **options)
    return name


# -- images -------------------------------------------------------------------------------------


def test_png(media_root):
    name = save_image(media_root, "a.png", (640, 480), "PNG")
    assert probe(name) == MediaInfo("image/png", (media_root / name).stat().st_size, 640, 480)


def test_jpeg_in_a_subfolder(media_root):
    (media_root / "w1").mkdir()
    name = save_image(media_root, "w1/portrait.jpg", (1080, 1350), "JPEG", quality=80)
    info = probe(name)
    assert (info.mime_type, info.width, info.height, info.duration_s) == ("image/jpeg", 1080, 1350, 0.0)
    assert info.size_bytes == (media_root / name).stat().st_size > 0


def test_animated_gif_is_an_image(media_root):
    frames = [Image.new("P", (120, 90), color) for color in (1, 2, 3)]
    frames[0].save(media_root / "loop.gif", "GIF", save_all=True, append_images=frames[1:], duration=100)
    info = probe("loop.gif")
    assert (info.mime_type, info.width, info.height) == ("image/gif", 120, 90)


def test_type_comes_from_the_content_not_the_name(media_root):
    name = save_image(media_root, "really-a-png.jpg", (10, 10), "PNG")
    assert probe(name).mime_type == "image/png"


def test_truncated_jpeg(media_root):
    name = save_image(media_root, "cut.jpg", (400, 400), "JPEG")
    data = (media_root / name).read_bytes()
    (media_root / name).write_bytes(data[: len(data) // 2])
    with pytest.raises(ProbeError) as caught:
        probe(name)
    assert caught.value.message == "The image 'cut.jpg' is damaged or truncated; export it again."


def test_truncated_png(media_root):
    name = save_image(media_root, "cut.png", (300, 300), "PNG")
    (media_root / name).write_bytes((media_root / name).read_bytes()[:60])
    with pytest.raises(ProbeError, match="damaged or truncated"):
        probe(name)


@pytest.mark.parametrize("data", [b"", b"hello, this is a text file", b"%PDF-1.7\n" + bytes(200)])
def test_not_media(media_root, data):
    write(media_root, "notes.jpg", data)
    with pytest.raises(ProbeError) as caught:
        probe("notes.jpg")
    assert caught.value.message == "The file 'notes.jpg' is not an image or video SMO can read."


def test_decompression_bomb(media_root, monkeypatch):
    name = save_image(media_root, "huge.png", (200, 200), "PNG")
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 1000)
    with pytest.raises(ProbeError, match="too many pixels"):
        probe(name)


def test_missing_file_and_paths_outside_media_root(media_root):
    with pytest.raises(ProbeError, match="does not exist"):
        probe("nope.jpg")
    (media_root.parent / "secret.png").write_bytes(b"x")
    for bad in ("../secret.png", "/etc/passwd", "a/../../secret.png"):
        with pytest.raises(ProbeError, match="MEDIA_ROOT"):
            probe(bad)


# -- videos -------------------------------------------------------------------------------------


def test_mp4(media_root):
    write(media_root, "clip.mp4", mp4_bytes())
    info = probe("clip.mp4")
    assert info == MediaInfo("video/mp4", (media_root / "clip.mp4").stat().st_size, 1920, 1080, 12.5)


def test_quicktime_rotated_version1_with_moov_at_the_end(media_root):
    data = mp4_bytes(brand=b"qt  ", seconds=61.25, width=1920, height=1080, matrix=ROTATE_90, version=1,
                     moov_last=True)
    write(media_root, "phone.mov", data)
    info = probe("phone.mov")
    assert (info.mime_type, info.width, info.height, info.duration_s) == ("video/quicktime", 1080, 1920, 61.25)


def test_old_quicktime_without_ftyp(media_root):
    data = mp4_bytes(seconds=3)
    write(media_root, "old.mov", data[data.index(b"moov") - 4:])
    assert probe("old.mov").mime_type == "video/quicktime"


def test_truncated_mp4(media_root):
    data = mp4_bytes()
    write(media_root, "cut.mp4", data[: data.index(b"trak") + 10])
    with pytest.raises(ProbeError) as caught:
        probe("cut.mp4")
    assert caught.value.message == "The video 'cut.mp4' is damaged or truncated; export it again."


def test_mp4_without_moov(media_root):
    data = mp4_bytes()
    moov_at = data.index(b"moov") - 4
    (moov_size,) = struct.unpack_from(">I", data, moov_at)
    write(media_root, "nomoov.mp4", data[:moov_at] + data[moov_at + moov_size:])
    with pytest.raises(ProbeError, match="has no 'moov' box"):
        probe("nomoov.mp4")


def test_mp4_with_a_broken_header(media_root):
    data = bytearray(mp4_bytes())
    timescale_at = data.index(b"mvhd") + 4 + 12
    data[timescale_at:timescale_at + 4] = bytes(4)  # timescale 0: no duration can be computed
    write(media_root, "zero.mp4", bytes(data))
    with pytest.raises(ProbeError) as caught:
        probe("zero.mp4")
    assert caught.value.message == "The video 'zero.mp4' has a damaged 'moov' box; export it again."


def test_box_sizes_that_lie(media_root):
    data = bytearray(mp4_bytes())
    at = data.index(b"tkhd") - 4
    data[at:at + 4] = struct.pack(">I", 4)  # smaller than its own header
    write(media_root, "lies.mp4", bytes(data))
    with pytest.raises(ProbeError, match="damaged 'moov' box"):
        probe("lies.mp4")


# -- feeding pre-flight -------------------------------------------------------------------------


def test_fill_then_check(media_root):
    write(media_root, "short.mp4", mp4_bytes(seconds=2, width=1080, height=1920))
    item = fill(MediaItem(url="https://smo.example/m/t/short.mp4", mime_type="", alt_text="clip"), "short.mp4")
    assert (item.mime_type, item.width, item.height, item.duration_s, item.alt_text) == \
        ("video/mp4", 1080, 1920, 2.0, "clip")
    assert check_media("instagram", "Instagram", (item,)) == [
        "Instagram accepts videos from 3 seconds to 15 minutes long; video 1 is 2 seconds."
    ]
