"""The live counter: each platform's real counting rule and the same problems post_schedule would refuse."""

from __future__ import annotations

import pytest

from platforms.types import ChannelRef, Credentials, MediaItem, PublishRequest
from scheduler import counter
from tests.factories import ChannelFactory

pytestmark = pytest.mark.django_db


def request(platform: str, text: str, link: str = "", media: tuple[MediaItem, ...] = ()) -> PublishRequest:
    ref = ChannelRef(platform=platform, external_id="1", handle="acme", credentials=Credentials())
    return PublishRequest(channel=ref, text=text, link=link, media=media)


JPEG = MediaItem(url="https://example.com/a.jpg", mime_type="image/jpeg")


@pytest.mark.parametrize(("text", "used"), [
    ("hello", 5),
    ("see https://example.com/a/very/long/path/that/is/longer/than/twenty/three", 4 + 23),
    ("日本語", 6),  # CJK weighs 2
    ("🎉🎉", 4),  # emoji weigh 2
])
def test_x_counts_weighted(text: str, used: int) -> None:
    result = counter.count(ChannelFactory(platform="x"), request("x", text))
    assert (result.used, result.limit, result.state) == (used, 280, "ok")


def test_x_counts_the_appended_link_as_23() -> None:
    result = counter.count(ChannelFactory(platform="x"), request("x", "a" * 250, link="https://example.com/x" * 5))
    assert result.used == 250 + 2 + 23  # text, the blank line X's compose_parts adds, the link


def test_states_near_and_over_with_the_adapters_own_sentence() -> None:
    channel = ChannelFactory(platform="x")
    assert counter.count(channel, request("x", "a" * 251)).state == "ok"
    assert counter.count(channel, request("x", "a" * 252)).state == "near"
    near = counter.count(channel, request("x", "a" * 280))
    assert near.state == "near" and near.valid
    over = counter.count(channel, request("x", "a" * 270 + "日本語日本語"))
    assert (over.used, over.state, over.valid) == (282, "over", False)
    assert over.problems == ("X counts 23 characters per link and 2 per emoji/CJK character: this post is 282 of 280.",)


def test_facebook_counts_plain_characters_and_the_link_only_with_media() -> None:
    channel = ChannelFactory(platform="facebook")
    assert counter.count(channel, request("facebook", "日本語", link="https://e.com")).used == 3
    with_photo = counter.count(channel, request("facebook", "hi", link="https://e.com", media=(JPEG,)))
    assert (with_photo.used, with_photo.limit) == (2 + 2 + len("https://e.com"), 63206)


def test_instagram_caption_limit_and_media_required() -> None:
    channel = ChannelFactory(platform="instagram")
    result = counter.count(channel, request("instagram", "x" * 2201))
    assert (result.used, result.limit, result.state) == (2201, 2200, "over")
    assert any("needs an image or a video" in p for p in result.problems)


def test_media_preflight_problems_come_from_the_shared_table() -> None:
    gif = MediaItem(url="https://example.com/a.gif", mime_type="image/gif")
    result = counter.count(ChannelFactory(platform="x"), request("x", "hi", media=(JPEG, gif)))
    assert result.state == "ok" and not result.valid
    assert any("X cannot combine photos and GIFs" in p for p in result.problems)


def test_shown_text_is_what_the_platform_receives() -> None:
    assert counter.shown_text("x", request("x", "hi", link="https://e.com")) == "hi\n\nhttps://e.com"
    assert counter.shown_text("facebook", request("facebook", "hi", link="https://e.com")) == "hi"
    assert counter.shown_text("mastodon", request("mastodon", " hi ")) == "hi"


def test_as_dict_shape() -> None:
    result = counter.count(ChannelFactory(platform="x"), request("x", "hello"))
    assert result.as_dict() == {"channel": result.channel_id, "platform": "x", "used": 5, "limit": 280,
                                "state": "ok", "problems": []}


def test_adapters_own_rules_plug_in_graphemes_and_an_instance_limit() -> None:
    bluesky = counter.count(ChannelFactory(platform="bluesky"), request("bluesky", "👩‍👩‍👧‍👦" * 3))
    assert (bluesky.used, bluesky.limit) == (3, 300)  # a family emoji is one grapheme

    ref = ChannelRef(platform="mastodon", external_id="1@mastodon.example", handle="acme@mastodon.example",
                     credentials=Credentials(extra={"max_characters": 1000}))
    long_post = PublishRequest(channel=ref, text="a" * 700)
    mastodon = counter.count(ChannelFactory(platform="mastodon"), long_post)
    assert (mastodon.used, mastodon.limit, mastodon.state) == (700, 1000, counter.OK)
    default = counter.count(ChannelFactory(platform="mastodon"), request("mastodon", "a" * 700))
    assert (default.limit, default.state) == (500, counter.OVER)
