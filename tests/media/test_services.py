"""Upload checks and cleaning, proven on the stored files; alt text; delete and what blocks it."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from media import services
from media.models import MediaAsset
from media.selectors import media_item, media_items
from platforms.media_urls import media_file
from scheduler.models import DeliveryState
from tests.factories import ChannelFactory, DeliveryFactory, PostFactory, WorkspaceFactory
from tests.media.conftest import GPS_IFD, MAKE, ORIENTATION, jpeg_with_exif, mp4_bytes, png_bytes, upload

pytestmark = pytest.mark.django_db


def test_jpeg_is_reencoded_upright_without_exif(workspace):
    asset = services.asset_upload(workspace, upload("holiday.JPG", jpeg_with_exif((64, 32)), "image/jpeg"))

    stored = media_file(asset.path)
    assert asset.path.startswith(f"library/{workspace.pk}/") and asset.path.endswith(".jpg")
    raw = stored.read_bytes()
    assert b"Exif" not in raw and b"SecretCam" not in raw and b"shot at home" not in raw
    with Image.open(stored) as image:
        assert image.format == "JPEG"
        exif = image.getexif()
        assert ORIENTATION not in exif and MAKE not in exif and not exif.get_ifd(GPS_IFD)
        assert image.size == (32, 64)  # orientation 6 applied to the pixels: portrait now
        top = image.getpixel((16, 4))
        assert top[2] > 150 and top[0] < 100  # the blue left half is now on top (rotated clockwise)
    assert (asset.mime_type, asset.width, asset.height) == ("image/jpeg", 32, 64)
    assert asset.size_bytes == stored.stat().st_size
    assert asset.original_name == "holiday.JPG"


def test_thumbnail_is_created_for_images(workspace):
    big = io.BytesIO()
    Image.new("RGB", (1200, 600), "white").save(big, "PNG")
    asset = services.asset_upload(workspace, upload("wide.png", big.getvalue()))

    assert asset.thumbnail.startswith(f"library/{workspace.pk}/thumbs/")
    with Image.open(media_file(asset.thumbnail)) as thumb:
        assert thumb.format == "JPEG" and thumb.size == (320, 160)


def test_png_with_alpha_keeps_pixels_and_gets_a_flat_thumbnail(workspace):
    asset = services.asset_upload(workspace, upload("logo.png", png_bytes()))
    with Image.open(media_file(asset.path)) as image:
        assert image.format == "PNG" and image.mode == "RGBA" and image.getpixel((0, 0)) == (10, 200, 10, 128)
    with Image.open(media_file(asset.thumbnail)) as thumb:
        assert thumb.mode == "RGB"
    assert asset.kind == "image"


def test_type_comes_from_content_not_the_name(workspace):
    asset = services.asset_upload(workspace, upload("really-a-png.jpg", png_bytes(), "image/jpeg"))
    assert asset.mime_type == "image/png" and asset.path.endswith(".png")


def test_fake_extension_is_refused(workspace, media_root):
    with pytest.raises(services.UploadRejected) as err:
        services.asset_upload(workspace, upload("cat.jpg", b"#!/bin/sh\necho not a picture\n", "image/jpeg"))
    assert err.value.message == "cat.jpg is not an image or video SMO can read (JPEG, PNG, GIF, WebP, MP4, MOV)."
    assert not MediaAsset.objects.exists()
    assert not list(media_root.rglob("*.*"))


def test_corrupt_image_is_refused(workspace, media_root):
    data = jpeg_with_exif((400, 300))
    with pytest.raises(services.UploadRejected) as err:
        services.asset_upload(workspace, upload("broken.jpg", data[: len(data) // 2]))
    assert err.value.message == "broken.jpg is damaged or truncated; export it again."
    assert not list(media_root.rglob("*.*"))


def test_unsupported_image_format_is_named(workspace):
    data = io.BytesIO()
    Image.new("RGB", (8, 8)).save(data, "BMP")
    with pytest.raises(services.UploadRejected, match="bitmap.bmp is a BMP image; upload JPEG, PNG, GIF or WebP."):
        services.asset_upload(workspace, upload("bitmap.bmp", data.getvalue()))


def test_oversized_image_is_refused_with_the_limit(workspace, settings):
    settings.MEDIA_MAX_IMAGE_BYTES = 1024
    data = png_bytes((300, 300), mode="RGB") + bytes(2048)
    with pytest.raises(services.UploadRejected) as err:
        services.asset_upload(workspace, upload("huge.png", data))
    assert err.value.message.startswith("huge.png is ") and err.value.message.endswith(
        "image files may be at most 0.0 MB.")


def test_oversized_video_is_refused_but_same_size_image_limit_is_separate(workspace, settings):
    settings.MEDIA_MAX_IMAGE_BYTES = 10 * 1024 * 1024
    settings.MEDIA_MAX_VIDEO_BYTES = 100
    with pytest.raises(services.UploadRejected, match="clip.mp4 is 0.0 MB; video files may be at most 0.0 MB."):
        services.asset_upload(workspace, upload("clip.mp4", mp4_bytes()))


def test_empty_file_is_refused(workspace):
    with pytest.raises(services.UploadRejected, match="nothing.png is empty."):
        services.asset_upload(workspace, upload("nothing.png", b""))


def test_video_is_measured_without_thumbnail(workspace):
    asset = services.asset_upload(workspace, upload("clip.mov", mp4_bytes(seconds=12.5, width=1280, height=720)))
    assert (asset.mime_type, asset.width, asset.height, asset.duration_s) == ("video/mp4", 1280, 720, 12.5)
    assert asset.path.endswith(".mp4") and asset.kind == "video" and asset.thumbnail == ""
    assert media_file(asset.path).read_bytes() == mp4_bytes(seconds=12.5, width=1280, height=720)


def test_damaged_video_is_refused_with_the_users_file_name(workspace, media_root):
    data = mp4_bytes()
    with pytest.raises(services.UploadRejected) as err:
        services.asset_upload(workspace, upload("clip.mp4", data[:60]))
    assert "clip.mp4" in err.value.message and "library/" not in err.value.message
    assert not list(media_root.rglob("*.*"))


def test_alt_text_is_trimmed_and_limited(workspace):
    asset = services.asset_upload(workspace, upload("a.png", png_bytes()))
    services.asset_set_alt_text(asset, "  A green square <b>on</b> glass  ")
    asset.refresh_from_db()
    assert asset.alt_text == "A green square <b>on</b> glass"
    with pytest.raises(services.UploadRejected, match="at most 1000 characters"):
        services.asset_set_alt_text(asset, "x" * 1001)


def test_media_items_are_post_media_entries_scoped_to_the_workspace(workspace):
    mine = services.asset_upload(workspace, upload("a.png", png_bytes()))
    other = services.asset_upload(WorkspaceFactory(), upload("b.png", png_bytes()))
    services.asset_set_alt_text(mine, "Green")
    assert media_items(workspace, [other.pk, mine.pk]) == [media_item(mine)]
    assert media_item(mine) == {"path": mine.path, "mime_type": "image/png", "alt_text": "Green",
                                "size_bytes": mine.size_bytes, "width": 40, "height": 30, "duration_s": 0.0}


def _post_using(asset: MediaAsset, state: str, *, in_variant: bool = False):
    channel = ChannelFactory(workspace=asset.workspace)
    post = PostFactory(workspace=asset.workspace, media=[] if in_variant else [media_item(asset)])
    if in_variant:
        post.variants.create(channel=channel, media=[media_item(asset)])
    DeliveryFactory(post=post, channel=channel, workspace=asset.workspace, state=state)
    return post


@pytest.mark.parametrize("state", [DeliveryState.SCHEDULED, DeliveryState.DRAFT, DeliveryState.FAILED])
def test_delete_refused_while_an_unfinished_post_uses_the_file(workspace, state, django_capture_on_commit_callbacks):
    asset = services.asset_upload(workspace, upload("a.png", png_bytes()))
    _post_using(asset, state, in_variant=state == DeliveryState.FAILED)
    with pytest.raises(services.AssetInUse) as err:
        services.asset_delete(asset)
    assert err.value.message == "a.png is used by 1 post(s) that are not published yet; remove it from them first."
    assert MediaAsset.objects.filter(pk=asset.pk).exists() and media_file(asset.path).is_file()


def test_delete_removes_row_and_files_once_posts_are_settled(workspace, django_capture_on_commit_callbacks):
    asset = services.asset_upload(workspace, upload("a.png", png_bytes()))
    _post_using(asset, DeliveryState.PUBLISHED)
    _post_using(asset, DeliveryState.CANCELLED)
    file_path, thumb_path = media_file(asset.path), media_file(asset.thumbnail)
    with django_capture_on_commit_callbacks(execute=True):
        services.asset_delete(asset)
    assert not MediaAsset.objects.exists()
    assert not file_path.exists() and not thumb_path.exists()


def test_animated_gif_is_kept_as_sent_with_a_first_frame_thumbnail(workspace):
    frames = [Image.new("P", (50, 40), colour) for colour in (1, 2, 3)]
    out = io.BytesIO()
    frames[0].save(out, "GIF", save_all=True, append_images=frames[1:], duration=100, loop=0)
    asset = services.asset_upload(workspace, upload("loop.gif", out.getvalue()))
    assert (asset.mime_type, asset.kind, asset.width, asset.height) == ("image/gif", "gif", 50, 40)
    assert media_file(asset.path).read_bytes() == out.getvalue()
    with Image.open(media_file(asset.thumbnail)) as thumb:
        assert thumb.format == "JPEG" and thumb.size == (50, 40)


def test_file_name_loses_folders_and_control_characters(workspace):
    asset = services.asset_upload(workspace, upload("C:\\Users\\me\\pic\r\n.png", png_bytes()))
    assert asset.original_name == "pic.png"
    assert services.asset_upload(workspace, upload("\x07", png_bytes())).original_name == "upload"


def test_pixel_bomb_is_refused_before_decoding(workspace):
    out = io.BytesIO()
    Image.new("1", (8000, 8000)).save(out, "PNG")  # a few KB on disk, 64 megapixels once decoded
    with pytest.raises(services.UploadRejected, match="bomb.png has too many pixels to be processed safely."):
        services.asset_upload(workspace, upload("bomb.png", out.getvalue()))
