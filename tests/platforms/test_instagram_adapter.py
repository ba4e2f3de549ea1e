"""Instagram adapter behaviour beyond the contract: containers, NotReady, reels, quota, first comment."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
import responses

from platforms.errors import ContentRejected, NotReady, NotSupported, OutcomeUnknown, RateLimited
from platforms.instagram import InstagramAdapter
from platforms.registry import adapter_class
from platforms.types import ChannelRef, Credentials, MediaItem, PublishRequest
from tests.platforms.fake_instagram import IG_ID, FakeInstagram, fixture

TOKEN = "ig-adapter-token-5b2f"
CHANNEL = ChannelRef(platform="instagram", external_id=IG_ID, handle="smodemo",
                     credentials=Credentials(access_token=TOKEN))


def image(n: int = 0) -> MediaItem:
    return MediaItem(url=f"https://example.org/{n}.jpg", mime_type="image/jpeg")


def video(n: int = 0, seconds: float = 20.0) -> MediaItem:
    return MediaItem(url=f"https://example.org/{n}.mp4", mime_type="video/mp4", duration_s=seconds)


def post(text: str = "Hello", media: tuple[MediaItem, ...] = (image(),), **extra: str) -> PublishRequest:
    return PublishRequest(channel=CHANNEL, text=text, media=media, **extra)


@pytest.fixture
def fake(settings) -> Iterator[FakeInstagram]:
    settings.PLATFORM_ORIGINS = {}
    settings.FACEBOOK_GRAPH_VERSION = "v21.0"
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield FakeInstagram(mock)


@pytest.fixture
def adapter() -> InstagramAdapter:
    return InstagramAdapter()


def test_registered() -> None:
    assert adapter_class("instagram") is InstagramAdapter


def test_single_image_flow_in_order(fake: FakeInstagram, adapter: InstagramAdapter) -> None:
    fake.install_ok()
    result = adapter.publish(post("Hi #smo", link="https://example.org/l"))
    assert fake.paths() == [f"/{IG_ID}/content_publishing_limit", f"/{IG_ID}/media", "/17889455560051445",
                            f"/{IG_ID}/media_publish", f"/{result.external_id}"]
    create = fake.calls[1][2]
    assert create["caption"] == "Hi #smo\n\nhttps://example.org/l" and create["image_url"] == "https://example.org/0.jpg"
    assert fake.calls[3][2]["creation_id"] == "17889455560051445"
    assert result.permalink == "https://www.instagram.com/p/C5xYzAbCdEf/" and result.warning == ""


def test_carousel_children_first_in_order(fake: FakeInstagram, adapter: InstagramAdapter) -> None:
    fake.install_ok()
    adapter.publish(post("Album", media=(image(3), image(1), image(2))))
    creates = [params for method, path, params in fake.calls if method == "POST" and path.endswith("/media")]
    assert [c.get("image_url") for c in creates[:3]] == [f"https://example.org/{n}.jpg" for n in (3, 1, 2)]
    assert all(c["is_carousel_item"] == "true" and "caption" not in c for c in creates[:3])
    assert creates[3]["media_type"] == "CAROUSEL" and creates[3]["caption"] == "Album"
    assert creates[3]["children"] == "17889455560051445,17889455560051446,17889455560051447"


def test_full_quota_waits_for_the_oldest_post_to_leave_the_window(fake: FakeInstagram,
                                                                  adapter: InstagramAdapter) -> None:
    oldest = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=20)
    fake.media = [{"id": "1", "timestamp": oldest.strftime("%Y-%m-%dT%H:%M:%S+0000")}]
    fake.limit = "content_publishing_limit_full"
    fake.install_ok()
    with pytest.raises(RateLimited) as caught:
        adapter.publish(post())
    assert caught.value.retry_at == oldest + timedelta(hours=24)
    assert caught.value.message.startswith("Instagram allows 50 posts per 24 hours; this one waits until ")
    assert f"/{IG_ID}/media_publish" not in fake.paths() and f"/{IG_ID}/media" not in fake.paths("POST")


def test_quota_error_from_media_publish_is_rate_limited(fake: FakeInstagram, adapter: InstagramAdapter) -> None:
    fake.fail(responses.POST, f"{IG_ID}/media_publish", fixture("error_2207042"))
    fake.install_ok()
    with pytest.raises(RateLimited) as caught:
        adapter.publish(post())
    assert caught.value.retry_at and caught.value.retry_at > datetime.now(UTC)
    assert caught.value.platform_code == "9/2207042"


def test_still_processing_raises_not_ready_with_the_container(fake: FakeInstagram, adapter: InstagramAdapter) -> None:
    fake.statuses = ["in_progress"]
    fake.install_ok()
    with pytest.raises(NotReady, match="still processing") as caught:
        adapter.publish(post())
    assert caught.value.progress == {"children": [], "container": "17889455560051445"}
    assert caught.value.check_after_s == 5
    assert fake.paths() == [f"/{IG_ID}/content_publishing_limit", f"/{IG_ID}/media", "/17889455560051445"]


def test_resumed_call_reads_status_then_quota_then_publishes_without_a_new_container(
        fake: FakeInstagram, adapter: InstagramAdapter) -> None:
    fake.install_ok()
    resumed = replace(post(), progress={"children": [], "container": "17889455560051445"})
    result = adapter.publish(resumed)
    assert fake.paths() == ["/17889455560051445", f"/{IG_ID}/content_publishing_limit", f"/{IG_ID}/media_publish",
                            f"/{result.external_id}"]
    assert fake.calls[0][2]["fields"] == "status_code,status"
    assert fake.calls[2][2]["creation_id"] == "17889455560051445"


def test_resumed_call_with_a_full_quota_waits_and_publishes_nothing(fake: FakeInstagram,
                                                                    adapter: InstagramAdapter) -> None:
    fake.limit = "content_publishing_limit_full"
    fake.install_ok()
    with pytest.raises(RateLimited):
        adapter.publish(replace(post(), progress={"children": [], "container": "17889455560051445"}))
    assert f"/{IG_ID}/media_publish" not in fake.paths() and fake.paths("POST") == []


def test_reel_container_arguments(fake: FakeInstagram, adapter: InstagramAdapter) -> None:
    fake.statuses = ["in_progress"]
    fake.install_ok()
    with pytest.raises(NotReady):
        adapter.publish(post("Reel #smo", media=(video(),)))
    assert fake.calls[1][2] == {"media_type": "REELS", "video_url": "https://example.org/0.mp4", "caption": "Reel #smo",
                                "share_to_feed": "true", "access_token": TOKEN}


def test_carousel_with_a_video_waits_for_children_before_the_parent(fake: FakeInstagram,
                                                                    adapter: InstagramAdapter) -> None:
    fake.statuses = ["finished", "in_progress"]  # the image child is ready, the video child is not
    fake.install_ok()
    with pytest.raises(NotReady) as caught:
        adapter.publish(post("Mixed", media=(image(1), video(2))))
    children = ["17889455560051445", "17889455560051446"]
    assert caught.value.progress == {"children": children, "container": ""}
    creates = [p for m, path, p in fake.calls if m == "POST"]
    assert creates[1]["media_type"] == "VIDEO" and creates[1]["video_url"] == "https://example.org/2.mp4"
    assert creates[1]["is_carousel_item"] == "true" and len(creates) == 2
    fake.calls.clear()
    result = adapter.publish(replace(post("Mixed", media=(image(1), video(2))), progress=caught.value.progress))
    assert fake.paths() == [f"/{children[0]}", f"/{children[1]}", f"/{IG_ID}/media", "/17889455560051447",
                            f"/{IG_ID}/content_publishing_limit", f"/{IG_ID}/media_publish", f"/{result.external_id}"]
    assert fake.calls[2][2]["children"] == ",".join(children) and fake.calls[2][2]["media_type"] == "CAROUSEL"


def test_not_ready_from_media_publish_keeps_the_container(fake: FakeInstagram, adapter: InstagramAdapter) -> None:
    fake.fail(responses.POST, f"{IG_ID}/media_publish", {"error": {
        "message": "Media ID is not available", "type": "OAuthException", "code": 9007, "error_subcode": 2207027}})
    fake.install_ok()
    with pytest.raises(NotReady) as caught:
        adapter.publish(post())
    assert caught.value.progress["container"] == "17889455560051445"


def test_published_container_on_resume_is_outcome_unknown(fake: FakeInstagram, adapter: InstagramAdapter) -> None:
    fake.answer(responses.GET, r"17889455560051445", {"status_code": "PUBLISHED", "id": "17889455560051445"})
    fake.install_ok()
    with pytest.raises(OutcomeUnknown, match="already published"):
        adapter.publish(replace(post(), progress={"container": "17889455560051445"}))
    assert f"/{IG_ID}/media_publish" not in fake.paths()


def test_container_error_is_rejected_with_a_reason(fake: FakeInstagram, adapter: InstagramAdapter) -> None:
    fake.statuses = ["error"]
    fake.install_ok()
    with pytest.raises(ContentRejected, match="could not process the media") as caught:
        adapter.publish(replace(post(), progress={"container": "17889455560051445"}))
    assert "2207082" in caught.value.message and f"/{IG_ID}/media_publish" not in fake.paths()


def test_media_download_error_is_rejected(fake: FakeInstagram, adapter: InstagramAdapter) -> None:
    fake.fail(responses.POST, f"{IG_ID}/media", fixture("error_9004"))
    fake.install_ok()
    with pytest.raises(ContentRejected, match="could not download the image"):
        adapter.publish(post())


def test_first_comment_failure_is_a_warning(fake: FakeInstagram, adapter: InstagramAdapter) -> None:
    fake.fail(responses.POST, r"\d+/comments", fixture("error_190_463"))
    fake.install_ok()
    result = adapter.publish(post(first_comment="More in bio"))
    assert result.external_id and "first comment failed" in result.warning and TOKEN not in result.warning


def test_first_comment_is_posted_on_the_new_media(fake: FakeInstagram, adapter: InstagramAdapter) -> None:
    fake.install_ok()
    result = adapter.publish(post(first_comment="#more #tags"))
    method, path, params = fake.calls[-1]
    assert (method, path, params["message"]) == ("POST", f"/{result.external_id}/comments", "#more #tags")


def test_media_publish_runs_once_and_a_retry_uses_a_new_container(fake: FakeInstagram,
                                                                  adapter: InstagramAdapter) -> None:
    import requests

    fake.raise_on(responses.POST, f"{IG_ID}/media_publish", requests.ReadTimeout("read timeout"))
    fake.install_ok()
    with pytest.raises(OutcomeUnknown):
        adapter.publish(post())
    # Not retried within the attempt: the timed-out call is not recorded, a second try would have been.
    assert fake.paths().count(f"/{IG_ID}/media_publish") == 0
    adapter.publish(post())
    publishes = [p["creation_id"] for m, path, p in fake.calls if path == f"/{IG_ID}/media_publish"]
    assert publishes == ["17889455560051446"]  # the second attempt's own container, published once


def test_permalink_failure_keeps_the_result(fake: FakeInstagram, adapter: InstagramAdapter) -> None:
    fake.fail(responses.GET, r"(?!17841)\d+\?.*fields=permalink.*", fixture("error_190_463"))
    fake.install_ok()
    result = adapter.publish(post())
    assert result.external_id and result.permalink == ""


def test_text_only_and_gif_are_refused_before_any_call(fake: FakeInstagram, adapter: InstagramAdapter) -> None:
    fake.install_ok()
    assert adapter.validate(post(media=())) == [
        "Instagram needs an image or a video for every post: add one, or 2 to 10 for a carousel."]
    with pytest.raises(ContentRejected, match="needs an image"):
        adapter.publish(post(media=()))
    gif = MediaItem(url="https://example.org/v.gif", mime_type="image/gif")
    with pytest.raises(ContentRejected, match="does not accept GIFs"):
        adapter.publish(post(media=(gif,)))
    assert adapter.validate(post(media=(video(seconds=1),))) == [
        "Instagram reels must last from 3 seconds to 15 minutes."]
    assert adapter.validate(post(media=(image(), video(seconds=90)))) == [
        "Instagram allows videos of at most 60 seconds in a carousel."]
    assert fake.calls == []


def test_validate_limits() -> None:
    adapter = InstagramAdapter()
    hashtags = " ".join(f"#t{n}" for n in range(31))
    assert adapter.validate(post(hashtags)) == ["Instagram allows at most 30 hashtags in a caption; this one has 31."]
    assert "at most 10 images or videos" in adapter.validate(post(media=tuple(image(n) for n in range(11))))[0]
    assert adapter.validate(post(media=(image(1), image(2)))) == []


def test_fingerprint_normalises_the_caption() -> None:
    adapter = InstagramAdapter()
    assert adapter.fingerprint(post("Hello   world &amp; more")) == adapter.fingerprint(post("Hello world & more"))


def test_find_published_matches_caption_oldest_first(fake: FakeInstagram, adapter: InstagramAdapter) -> None:
    fake.media = [{"id": "2", "caption": "Same", "timestamp": "2025-06-02T12:05:00+0000"},
                  {"id": "1", "caption": "Same", "timestamp": "2025-06-02T12:00:00+0000",
                   "permalink": "https://www.instagram.com/p/X/"}]
    fake.install_ok()
    found = adapter.find_published(CHANNEL, adapter.fingerprint(post("Same")), datetime(2025, 6, 2, tzinfo=UTC))
    assert found is not None and found.external_id == "1" and found.permalink == "https://www.instagram.com/p/X/"
    assert fake.calls[-1][2]["since"] == str(int(datetime(2025, 6, 2, tzinfo=UTC).timestamp()))


def test_facebook_login_tokens_are_not_refreshed_and_connect_needs_configuration(settings) -> None:
    settings.INSTAGRAM_APP_ID = settings.INSTAGRAM_APP_SECRET = None
    adapter = InstagramAdapter()
    with pytest.raises(NotSupported, match="not refreshed"):
        adapter.refresh(CHANNEL)
    with pytest.raises(NotSupported, match="Connect Facebook"):
        adapter.authorization_url("https://smo.example/cb")
    assert InstagramAdapter.connected_through == "facebook"
    settings.INSTAGRAM_APP_ID, settings.INSTAGRAM_APP_SECRET = "ig-app", "ig-secret"
    assert InstagramAdapter.connected_through == ""
