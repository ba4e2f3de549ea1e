"""The composer's Snapchat preview card: placement badge, 9:16 frame, description only on Spotlight,
and every value from the user or the channel escaped."""

from __future__ import annotations

from django.template.loader import render_to_string

from platforms.snapchat import SnapchatAdapter
from platforms.types import ChannelRef, Credentials, MediaItem, PublishRequest

CHANNEL = ChannelRef("snapchat", "p1", "smo_brand", Credentials("t"))


class FakeChannel:
    display_name = "<b>Brand</b>"
    handle = "smo_brand"


def render(request: PublishRequest) -> str:
    first = request.media[0] if request.media else None
    return render_to_string("scheduler/composer_preview_snapchat.html", {
        "channel": FakeChannel(), "request": request, "shown": SnapchatAdapter.composed_text(request), "first": first})


def test_spotlight_shows_the_escaped_description_over_the_video() -> None:
    clip = MediaItem("https://smo.example/m/t/clip.mp4", "video/mp4")
    html = render(PublishRequest(channel=CHANNEL, text="<script>x</script> #go", media=(clip,),
                                 options={"placement": "spotlight"}))
    assert 'data-snapchat-placement="spotlight"' in html and "Spotlight" in html
    assert "&lt;script&gt;x&lt;/script&gt; #go" in html and "<script>" not in html
    assert "&lt;b&gt;Brand&lt;/b&gt;" in html


def test_a_story_shows_the_photo_and_says_the_text_is_not_sent() -> None:
    photo = MediaItem("https://smo.example/m/t/p.jpg", "image/jpeg", alt_text='a "cat"')
    html = render(PublishRequest(channel=CHANNEL, text="Never shown", media=(photo,)))
    assert 'data-snapchat-placement="story"' in html and 'src="https://smo.example/m/t/p.jpg"' in html
    assert "Never shown" not in html and "the text is not sent" in html
    assert 'alt="a &quot;cat&quot;"' in html


def test_no_media_and_unsafe_urls_show_no_image() -> None:
    assert "Snapchat needs one photo or video" in render(PublishRequest(channel=CHANNEL, text="x"))
    bad = MediaItem("javascript:alert(1)", "image/jpeg")
    assert "javascript:" not in render(PublishRequest(channel=CHANNEL, text="x", media=(bad,)))
