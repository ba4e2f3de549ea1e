"""X v2 media upload, quotes and polls against `responses` fixtures: the exact requests sent."""

from __future__ import annotations

import json
import re

import pytest
import requests
import responses

from platforms.errors import ContentRejected, NotReady, TransientError
from platforms.types import MediaItem, PublishRequest
from platforms.x import XAdapter
from platforms.x.media import CHUNK_BYTES
from tests.platforms.fake_x import API, FakeX, fixture
from tests.platforms.test_x_adapter import TOKEN, channel

MEDIA_HOST = "https://media.smo.test"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 100
VIDEO_ID = "1880028106020515841"


@pytest.fixture
def fake(settings) -> FakeX:
    settings.PLATFORM_ORIGINS = {}
    settings.X_CONSUMER_KEY = settings.X_CONSUMER_SECRET = None
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        fake = FakeX(mock)
        fake.install_ok()
        yield fake


def serve(fake: FakeX, name: str, body: bytes, content_type: str) -> MediaItem:
    fake.mock.add(responses.GET, f"{MEDIA_HOST}/{name}", body=body, content_type=content_type)
    return MediaItem(url=f"{MEDIA_HOST}/{name}", mime_type=content_type, size_bytes=len(body))


def calls_to(fake: FakeX, pattern: str) -> list[requests.PreparedRequest]:
    return [call.request for call in fake.mock.calls if re.search(pattern, call.request.url)]


def install_video(fake: FakeX, finalize: str = "media_finalize_pending") -> None:
    fake.mock.add(responses.POST, f"{API}/2/media/upload/initialize", json=fixture("media_initialize"))
    fake.mock.add(responses.POST, f"{API}/2/media/upload/{VIDEO_ID}/append", status=200, body="")
    fake.mock.add(responses.POST, f"{API}/2/media/upload/{VIDEO_ID}/finalize", json=fixture(finalize))


def test_two_images_with_alt_text_are_uploaded_then_attached(fake: FakeX) -> None:
    first = MediaItem(**{**serve(fake, "a.png", PNG, "image/png").__dict__, "alt_text": "A red bicycle"})
    second = serve(fake, "b.png", PNG, "image/png")
    fake.mock.add(responses.POST, f"{API}/2/media/upload", json=fixture("media_upload_image"))
    fake.mock.add(responses.POST, f"{API}/2/media/metadata", json=fixture("media_metadata"))
    result = XAdapter().publish(PublishRequest(channel=channel(), text="Two pictures", media=(first, second)))
    uploads = calls_to(fake, r"/2/media/upload$")
    assert len(uploads) == 2
    assert uploads[0].headers["Authorization"] == f"Bearer {TOKEN}"
    assert uploads[0].headers["Content-Type"].startswith("multipart/form-data")
    assert b'name="media_category"\r\n\r\ntweet_image' in uploads[0].body and PNG in uploads[0].body
    [metadata] = calls_to(fake, r"/2/media/metadata$")  # only the image that has alt text
    assert json.loads(metadata.body) == {"id": "1880028106020515840",
                                         "metadata": {"alt_text": {"text": "A red bicycle"}}}
    assert fake.created == [{"text": "Two pictures",
                             "media": {"media_ids": ["1880028106020515840", "1880028106020515840"]}}]
    assert result.external_id


def test_video_is_chunked_and_not_ready_until_processed(fake: FakeX) -> None:
    video = serve(fake, "v.mp4", b"v" * (CHUNK_BYTES * 2 + 10), "video/mp4")
    install_video(fake)
    request = PublishRequest(channel=channel(), text="Watch this", media=(video,))
    with pytest.raises(NotReady) as caught:
        XAdapter().publish(request)
    assert caught.value.check_after_s == 3
    assert caught.value.progress == {"media": [{"id": VIDEO_ID, "kind": "video", "state": "pending",
                                                "check_after_s": 3.0}]}
    [init] = calls_to(fake, "initialize")
    assert json.loads(init.body) == {"media_type": "video/mp4", "total_bytes": CHUNK_BYTES * 2 + 10,
                                     "media_category": "tweet_video"}
    appends = calls_to(fake, "append")
    assert [re.search(rb'name="segment_index"\r\n\r\n(\d+)', a.body)[1] for a in appends] == [b"0", b"1", b"2"]
    assert all(len(a.body) < CHUNK_BYTES + 1024 for a in appends)
    assert len(calls_to(fake, "finalize")) == 1 and fake.created == []

    fake.mock.calls.reset()
    fake.mock.add(responses.GET, f"{API}/2/media/upload", json=fixture("media_status_succeeded"))
    resumed = PublishRequest(channel=channel(), text="Watch this", media=(video,), progress=caught.value.progress)
    result = XAdapter().publish(resumed)
    [status] = calls_to(fake, r"/2/media/upload\?")
    assert "command=STATUS" in status.url and f"media_id={VIDEO_ID}" in status.url
    assert calls_to(fake, "media.smo.test|initialize|append|finalize") == []  # nothing fetched or uploaded again
    assert fake.created == [{"text": "Watch this", "media": {"media_ids": [VIDEO_ID]}}]
    assert result.external_id


def test_still_processing_raises_not_ready_again_with_the_new_wait(fake: FakeX) -> None:
    fake.mock.add(responses.GET, f"{API}/2/media/upload", json=fixture("media_status_in_progress"))
    video = MediaItem(f"{MEDIA_HOST}/v.mp4", "video/mp4")
    progress = {"media": [{"id": VIDEO_ID, "kind": "video", "state": "pending", "check_after_s": 3.0}]}
    with pytest.raises(NotReady) as caught:
        XAdapter().publish(PublishRequest(channel=channel(), text="Wait", media=(video,), progress=progress))
    assert caught.value.check_after_s == 7
    assert caught.value.progress["media"][0]["state"] == "in_progress"


def test_failed_processing_is_content_rejected_with_the_reason(fake: FakeX) -> None:
    fake.mock.add(responses.GET, f"{API}/2/media/upload", json=fixture("media_status_failed"))
    progress = {"media": [{"id": VIDEO_ID, "kind": "video", "state": "in_progress"}]}
    with pytest.raises(ContentRejected, match="duration too long"):
        XAdapter().publish(PublishRequest(channel=channel(), text="Bad", progress=progress,
                                          media=(MediaItem(f"{MEDIA_HOST}/v.mp4", "video/mp4"),)))
    assert fake.created == []


def test_gif_uses_the_gif_category_and_gets_alt_text(fake: FakeX) -> None:
    gif = MediaItem(**{**serve(fake, "g.gif", b"GIF89a" + b"\x00" * 50, "image/gif").__dict__, "alt_text": "Loop"})
    install_video(fake, finalize="media_status_succeeded")
    fake.mock.add(responses.POST, f"{API}/2/media/metadata", json=fixture("media_metadata"))
    XAdapter().publish(PublishRequest(channel=channel(), text="A loop", media=(gif,)))
    assert json.loads(calls_to(fake, "initialize")[0].body)["media_category"] == "tweet_gif"
    assert json.loads(calls_to(fake, "metadata")[0].body)["metadata"] == {"alt_text": {"text": "Loop"}}
    assert fake.created[0]["media"] == {"media_ids": [VIDEO_ID]}


def test_progress_that_does_not_fit_the_request_uploads_again(fake: FakeX) -> None:
    image = serve(fake, "a.png", PNG, "image/png")
    fake.mock.add(responses.POST, f"{API}/2/media/upload", json=fixture("media_upload_image"))
    progress = {"media": [{"id": "not-a-number", "kind": "video", "state": "pending"}]}
    XAdapter().publish(PublishRequest(channel=channel(), text="Again", media=(image,), progress=progress))
    assert len(calls_to(fake, r"/2/media/upload$")) == 1


def test_oversized_download_is_refused_before_upload(fake: FakeX) -> None:
    fake.mock.add(responses.GET, f"{MEDIA_HOST}/huge.png", body=b"x" * 10, content_type="image/png",
                  headers={"Content-Length": str(6 * 1024 * 1024)}, auto_calculate_content_length=False)
    with pytest.raises(ContentRejected, match="at most 5 MB"):
        XAdapter().publish(PublishRequest(channel=channel(), text="big",
                                          media=(MediaItem(f"{MEDIA_HOST}/huge.png", "image/png"),)))
    assert calls_to(fake, "/2/media") == []


@pytest.mark.parametrize(("status", "error"), [(503, TransientError), (400, ContentRejected)])
def test_upload_errors_are_never_outcome_unknown(fake: FakeX, status: int, error: type) -> None:
    image = serve(fake, "a.png", PNG, "image/png")
    fake.mock.add(responses.POST, f"{API}/2/media/upload", status=status, json=fixture("invalid_request_400"))
    with pytest.raises(error) as caught:
        XAdapter().publish(PublishRequest(channel=channel(), text="x", media=(image,)))
    assert TOKEN not in caught.value.message and fake.created == []


def test_upload_timeout_is_transient(fake: FakeX) -> None:
    image = serve(fake, "a.png", PNG, "image/png")
    fake.mock.add(responses.POST, f"{API}/2/media/upload", body=requests.ReadTimeout("timed out"))
    with pytest.raises(TransientError):
        XAdapter().publish(PublishRequest(channel=channel(), text="x", media=(image,)))


def test_media_fetch_failure_is_transient(fake: FakeX) -> None:
    fake.mock.add(responses.GET, f"{MEDIA_HOST}/gone.png", body=requests.ConnectionError("refused"))
    with pytest.raises(TransientError, match="download the media"):
        XAdapter().publish(PublishRequest(channel=channel(), text="x",
                                          media=(MediaItem(f"{MEDIA_HOST}/gone.png", "image/png"),)))


# -- quotes and polls -------------------------------------------------------------------------

def test_quote_post_sends_quote_tweet_id(fake: FakeX) -> None:
    XAdapter().publish(PublishRequest(channel=channel(), text="So true",
                                      quote_of="https://x.com/someone/status/1929480000000000002?s=20"))
    assert fake.created == [{"text": "So true", "quote_tweet_id": "1929480000000000002"}]


def test_poll_is_sent_with_options_and_duration(fake: FakeX) -> None:
    XAdapter().publish(PublishRequest(channel=channel(), text="Which?", poll_options=("Tea ", "Coffee"),
                                      poll_minutes=1440))
    assert fake.created == [{"text": "Which?", "poll": {"options": ["Tea", "Coffee"], "duration_minutes": 1440}}]


def test_validate_reports_bad_polls_and_media_rules() -> None:
    image = MediaItem("https://m/1.png", "image/png")
    problems = XAdapter().validate(PublishRequest(channel=channel(), text="Q", poll_options=("only",),
                                                  poll_minutes=3, media=(image,)))
    assert problems == [
        "An X poll needs 2 to 4 options; this one has 1.",
        "An X poll runs from 5 minutes to 7 days (10080 minutes); this one is set to 3 minutes.",
        "X does not allow a poll and images or videos in the same post; remove one of them.",
    ]
    long_option = XAdapter().validate(PublishRequest(channel=channel(), text="Q", poll_options=("a", "b" * 26),
                                                     poll_minutes=60, quote_of="123"))
    assert long_option == ["Each X poll option must be 1 to 25 characters (option 2).",
                           "X does not allow a poll in a quote post; remove the poll or the quoted post."]
    assert XAdapter().validate(PublishRequest(channel=channel(), text="Q", quote_of="not a post")) == [
        "X can only quote a post given by its id or its x.com address; check the quoted post."]


def test_validate_reports_media_types_sizes_and_alt_text() -> None:
    big = MediaItem("https://m/v.avi", "video/x-msvideo", size_bytes=600 * 1024 * 1024)
    problems = XAdapter().validate(PublishRequest(channel=channel(), text="v", media=(big,)))
    assert problems[0].startswith("X cannot show file 1 (video/x-msvideo); it accepts image/jpeg")
    assert problems[1] == "X accepts a video of at most 512 MB; file 1 is 600.0 MB."
    alt = MediaItem("https://m/1.png", "image/png", alt_text="a" * 1001)
    assert XAdapter().validate(PublishRequest(channel=channel(), text="i", media=(alt,))) == [
        "X allows alt text of at most 1000 characters; file 1 has 1001."]
    gif = MediaItem("https://m/1.gif", "image/gif")
    assert XAdapter().validate(PublishRequest(channel=channel(), text="g", media=(gif, gif))) == [
        "X allows 1 video or GIF per post; this post has 2."]
