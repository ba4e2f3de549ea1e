"""Fixtures for the media library: a MEDIA_ROOT per test, a workspace with one member per role, test files."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import Image

from tests.factories import PASSWORD, MemberFactory, UserFactory, WorkspaceFactory
from tests.platforms.test_media_probe import mp4_bytes
from workspaces.models import Role, Workspace

GPS_IFD = 0x8825
ORIENTATION = 0x0112
MAKE = 0x010F


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.MEDIA_ROOT.mkdir()
    return settings.MEDIA_ROOT


@pytest.fixture
def workspace(db) -> Workspace:
    return WorkspaceFactory(slug="acme", time_zone="Europe/Berlin")


@pytest.fixture
def login(workspace: Workspace) -> Callable[..., Client]:
    """A logged-in client for a new member of `workspace` (or of another one) with `role`."""

    def make(role: str = Role.MARKETER, in_workspace: Workspace | None = None) -> Client:
        user = UserFactory()
        MemberFactory(workspace=in_workspace or workspace, user=user, role=role)
        client = Client()
        assert client.login(username=user.username, password=PASSWORD)
        client.user = user
        return client

    return make


def jpeg_with_exif(size: tuple[int, int] = (64, 32), orientation: int = 6) -> bytes:
    """A landscape JPEG whose EXIF says "rotate 90° clockwise" and carries a camera make and a GPS fix."""
    image = Image.new("RGB", size, (200, 30, 30))
    image.paste((20, 20, 220), (0, 0, size[0] // 2, size[1]))  # left half blue: shows where it ends up
    exif = Image.Exif()
    exif[ORIENTATION] = orientation
    exif[MAKE] = "SecretCam"
    exif.get_ifd(GPS_IFD).update({1: "N", 2: (52.0, 31.0, 12.0), 3: "E", 4: (13.0, 24.0, 36.0)})
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif.tobytes(), comment=b"shot at home")
    return out.getvalue()


def png_bytes(size: tuple[int, int] = (40, 30), mode: str = "RGBA") -> bytes:
    out = io.BytesIO()
    Image.new(mode, size, (10, 200, 10, 128) if mode == "RGBA" else (10, 200, 10)).save(out, "PNG")
    return out.getvalue()


def upload(name: str, data: bytes, content_type: str = "application/octet-stream") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type=content_type)


__all__ = ["jpeg_with_exif", "mp4_bytes", "png_bytes", "upload"]
