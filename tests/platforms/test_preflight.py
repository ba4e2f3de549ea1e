"""Media pre-flight rules per platform, and the compose-time wiring in scheduler.services._validate."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from platforms.preflight import RULES, check_media
from platforms.types import MediaItem
from scheduler.services import post_schedule, post_update_content
from tests.factories import ChannelFactory, PostFactory

MB = 1_000_000


def jpeg(n: int = 1, **numbers) -> MediaItem:
    return MediaItem(url=f"https://cdn.example/{n}.jpg", mime_type="image/jpeg", **numbers)


def png(n: int = 1, **numbers) -> MediaItem:
    return MediaItem(url=f"https://cdn.example/{n}.png", mime_type="image/png", **numbers)


def gif(n: int = 1, **numbers) -> MediaItem:
    return MediaItem(url=f"https://cdn.example/{n}.gif", mime_type="image/gif", **numbers)


def mp4(n: int = 1, **numbers) -> MediaItem:
    return MediaItem(url=f"https://cdn.example/{n}.mp4", mime_type="video/mp4", **numbers)


# -- X ------------------------------------------------------------------------------------------


def test_x_accepts_four_photos_one_gif_or_one_video():
    assert check_media("x", "X", tuple(jpeg(n, size_bytes=5 * MB, width=1200, height=675) for n in range(4))) == []
    assert check_media("x", "X", (gif(size_bytes=15 * MB),)) == []
    assert check_media("x", "X", (mp4(size_bytes=100 * MB, width=1280, height=720, duration_s=30),)) == []


def test_x_counts_per_kind():
    assert check_media("x", "X", tuple(png(n) for n in range(5))) == [
        "X allows at most 4 photos per post; this post has 5."
    ]
    assert check_media("x", "X", (mp4(1), mp4(2))) == ["X allows at most 1 video per post; this post has 2."]
    assert check_media("x", "X", (gif(1), gif(2))) == ["X allows at most 1 GIF per post; this post has 2."]


def test_x_refuses_mixing_kinds():
    assert check_media("x", "X", (jpeg(1), mp4(2))) == [
        "X cannot combine photos and videos in one post; use up to 4 photos, 1 GIF or 1 video."
    ]
    assert check_media("x", "X", (gif(1), jpeg(2))) == [
        "X cannot combine photos and GIFs in one post; use up to 4 photos, 1 GIF or 1 video."
    ]


def test_x_sizes_types_and_video_shape():
    assert check_media("x", "X", (jpeg(size_bytes=5 * MB + 400),)) == [
        "X accepts photos up to 5 MB; photo 1 is 5.0004 MB."
    ]
    assert check_media("x", "X", (gif(size_bytes=16 * MB),)) == ["X accepts GIFs up to 15 MB; GIF 1 is 16 MB."]
    bmp = MediaItem(url="https://cdn.example/a.bmp", mime_type="image/bmp")
    assert check_media("x", "X", (bmp,)) == ["X accepts photos only as JPEG, PNG or WebP; photo 1 is BMP."]
    assert check_media("x", "X", (mp4(width=100, height=400, duration_s=10),)) == [
        "X accepts videos with an aspect ratio between 1:3 and 3:1; video 1 is 1:4."
    ]
    assert check_media("x", "X", (mp4(width=20, height=20),)) == [
        "X accepts videos of at least 32x32 pixels; video 1 is 20x20."
    ]


def test_x_video_duration_bounds():
    assert check_media("x", "X", (mp4(duration_s=0.4),)) == [
        "X accepts videos from 0.5 seconds to 20 minutes long; video 1 is 0.4 seconds."
    ]
    assert check_media("x", "X", (mp4(duration_s=20 * 60 + 30),)) == [
        "X accepts videos from 0.5 seconds to 20 minutes long; video 1 is 20.5 minutes."
    ]
    assert check_media("x", "X", (mp4(duration_s=20 * 60),)) == []


def test_unknown_numbers_are_not_failures():
    unknown = MediaItem(url="https://cdn.example/clip.mp4", mime_type="video/mp4")
    assert check_media("x", "X", (unknown,)) == []
    assert check_media("instagram", "Instagram", (jpeg(width=0, height=1000),)) == []


def test_missing_mime_type_is_taken_from_the_url():
    items = (MediaItem(url="https://cdn.example/a.jpg?x=1", mime_type=""),
             MediaItem(url="https://cdn.example/b.mov", mime_type=""))
    assert check_media("facebook", "Facebook", items) == [
        "Facebook cannot combine photos and videos in one post; use up to 10 photos and GIFs or 1 video."
    ]


def test_unknown_platform_or_no_media_has_no_rules():
    assert check_media("mastodon", "Mastodon", tuple(jpeg(n) for n in range(20))) == []
    assert check_media("x", "X", ()) == []


# -- Instagram ----------------------------------------------------------------------------------


def test_instagram_aspect_ratio_sentence():
    media = (jpeg(1, width=1080, height=1080), jpeg(2, width=100, height=300))
    assert check_media("instagram", "Instagram", media) == [
        "Instagram accepts photos with an aspect ratio between 4:5 and 1.91:1; photo 2 is 1:3."
    ]


@pytest.mark.parametrize("size", [(1080, 1350), (1080, 566), (1080, 1080), (1910, 1000)])
def test_instagram_aspect_ratio_edges_pass(size):
    assert check_media("instagram", "Instagram", (jpeg(width=size[0], height=size[1]),)) == []


def test_instagram_odd_ratios_are_shown_as_decimals():
    assert check_media("instagram", "Instagram", (jpeg(width=1000, height=1251),)) == [
        "Instagram accepts photos with an aspect ratio between 4:5 and 1.91:1; photo 1 is 0.8:1."
    ]


def test_instagram_accepts_only_jpeg_and_no_gifs():
    problems = check_media("instagram", "Instagram", (png(1), gif(2)))
    assert problems == [
        "Instagram accepts photos only as JPEG; photo 1 is PNG.",
        "Instagram does not accept GIFs; remove GIF 2.",
    ]


def test_instagram_carousel_mixes_photos_and_videos_up_to_ten():
    assert check_media("instagram", "Instagram", (jpeg(1), mp4(2, duration_s=10))) == []
    eleven = tuple(jpeg(n) for n in range(6)) + tuple(mp4(n) for n in range(5))
    assert check_media("instagram", "Instagram", eleven) == [
        "Instagram allows at most 10 media items per post; this post has 11."
    ]
    assert check_media("instagram", "Instagram", tuple(jpeg(n) for n in range(11))) == [
        "Instagram allows at most 10 photos per post; this post has 11."
    ]


def test_instagram_size_and_reel_duration():
    assert check_media("instagram", "Instagram", (jpeg(size_bytes=9 * MB),)) == [
        "Instagram accepts photos up to 8 MB; photo 1 is 9 MB."
    ]
    assert check_media("instagram", "Instagram", (mp4(duration_s=2),)) == [
        "Instagram accepts videos from 3 seconds to 15 minutes long; video 1 is 2 seconds."
    ]
    assert check_media("instagram", "Instagram", (mp4(size_bytes=301 * MB),)) == [
        "Instagram accepts videos up to 300 MB; video 1 is 301 MB."
    ]


# -- Facebook -----------------------------------------------------------------------------------


def test_facebook_photos_and_gifs_together_but_not_with_video():
    assert check_media("facebook", "Facebook", (png(1), gif(2), jpeg(3))) == []
    assert check_media("facebook", "Facebook", (jpeg(1), mp4(2))) == [
        "Facebook cannot combine photos and videos in one post; use up to 10 photos and GIFs or 1 video."
    ]


def test_facebook_limits():
    assert check_media("facebook", "Facebook", (jpeg(size_bytes=4 * MB + 1),)) == [
        "Facebook accepts photos up to 4 MB; photo 1 is 4.000001 MB."
    ]
    assert check_media("facebook", "Facebook", (mp4(1), mp4(2))) == [
        "Facebook allows at most 1 video per post; this post has 2."
    ]
    assert check_media("facebook", "Facebook", (mp4(duration_s=0.5),)) == [
        "Facebook accepts videos from 1 second to 240 minutes long; video 1 is 0.5 seconds."
    ]
    assert len(check_media("facebook", "Facebook", tuple(jpeg(n) for n in range(11)))) == 1


def test_rules_are_frozen_data():
    with pytest.raises(AttributeError):
        RULES["x"].max_items = 10  # type: ignore[misc]


# -- compose time -------------------------------------------------------------------------------


@pytest.mark.django_db
def test_scheduling_refuses_media_the_platform_rejects():
    channel = ChannelFactory(platform="instagram")
    post = PostFactory(workspace=channel.workspace, text="hello", media=[
        {"url": "https://cdn.example/a.jpg", "mime_type": "image/jpeg", "width": 100, "height": 300},
    ])
    with pytest.raises(ValidationError) as caught:
        post_schedule(post, [channel], timezone.now() + timedelta(hours=1))
    assert "Instagram accepts photos with an aspect ratio between 4:5 and 1.91:1; photo 1 is 1:3." in \
        caught.value.messages
    assert not post.deliveries.exists()


@pytest.mark.django_db
def test_editing_media_is_checked_for_each_channel():
    x = ChannelFactory(platform="x")
    post = PostFactory(workspace=x.workspace, text="hello")
    post_schedule(post, [x], timezone.now() + timedelta(hours=1))
    too_big = [{"url": "https://cdn.example/a.png", "mime_type": "image/png", "size_bytes": 6 * MB}]
    with pytest.raises(ValidationError) as caught:
        post_update_content(post, media=too_big)
    # The adapter may word its own media rules too; the central table's sentence must be there.
    assert "X accepts photos up to 5 MB; photo 1 is 6 MB." in caught.value.messages
    post.refresh_from_db()
    assert post.media == []
