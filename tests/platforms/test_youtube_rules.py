"""YouTube's text and media rules, option checks, error translation and the OAuth URL, without a network."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from platforms.errors import AuthExpired, ContentRejected, NotSupported, OutcomeUnknown, RateLimited, TransientError
from platforms.options import clean_options, option_fields
from platforms.registry import adapter_class
from platforms.types import ChannelRef, Credentials, MediaItem, PublishRequest
from platforms.youtube import YouTubeAdapter, text
from platforms.youtube.translate import from_response, next_quota_reset
from platforms.youtube.upload import _received, chunk_bytes

CHANNEL = ChannelRef("youtube", "UCx", "creator", Credentials(access_token="secret-token"))
CLIP = MediaItem(url="https://smo.example/clip.mp4", mime_type="video/mp4", size_bytes=1000)


def make(text_: str = "A video", *, media: tuple[MediaItem, ...] = (CLIP,), **options: Any) -> PublishRequest:
    return PublishRequest(channel=CHANNEL, text=text_, media=media, options={"title": "Title", **options})


def problems(request: PublishRequest) -> list[str]:
    return YouTubeAdapter().validate(request)


def test_registered_with_its_options_quota_and_resume_flag() -> None:
    cls = adapter_class("youtube")
    assert cls is YouTubeAdapter and cls.daily_quota == 10_000 and cls.resumes_uploads
    assert [f.name for f in option_fields(cls)] == ["title", "description", "tags", "privacy", "publish_at",
                                                    "category", "made_for_kids"]
    assert clean_options(option_fields(cls), {"tags": "a, b c", "made_for_kids": "on"}) == {
        "tags": ["a", "b c"], "made_for_kids": True}


def test_a_valid_upload_has_no_problems() -> None:
    assert problems(make(privacy="unlisted", category="27", tags=["launch"])) == []


@pytest.mark.parametrize(("request_", "fragment"), [
    (make(title=""), "needs a title"),
    (make(title="x" * 101), "at most 100 characters"),
    (make(title="a <b>"), "< or > in a title"),
    (make("d" * 5001), "at most 5000 bytes"),
    (make("é" * 2501), "at most 5000 bytes"),  # 2,501 characters, 5,002 bytes
    (make(description="<script>"), "< or > in a description"),
    (make(tags=["x" * 250, "y" * 250]), "at most 500 characters of tags"),
    (make(privacy="friends"), "public, unlisted or private"),
    (make(category="99"), "video category 99"),
    (make(publish_at="2099-01-01T10:00"), "only schedules private videos"),
    (make(privacy="private", publish_at="2001-01-01T10:00:00Z"), "in the past"),
    (make(privacy="private", publish_at="soon"), "not a date"),
    (make(media=()), "exactly one video"),
    (make(media=(MediaItem(url="u", mime_type="image/png"),)), "exactly one video"),
    (make(media=(MediaItem(url="u", mime_type="video/x-unknown"),)), "does not take video/x-unknown"),
    (make(media=(MediaItem(url="u", mime_type="video/mp4", duration_s=13 * 3600),)), "12 hours"),
    (make(media=(CLIP, MediaItem(url="t", mime_type="image/gif"))), "JPEG or PNG"),
    (make(media=(CLIP, MediaItem(url="t", mime_type="image/jpeg", size_bytes=3 * 1024 * 1024))), "2 MB"),
    (make(media=(CLIP, CLIP)), "one video and at most one thumbnail"),
])
def test_each_rule_names_youtube(request_: PublishRequest, fragment: str) -> None:
    found = problems(request_)
    assert any(fragment in problem for problem in found), found
    assert all("YouTube" in problem for problem in found)


def test_scheduled_private_video_is_accepted_and_sent_as_publish_at() -> None:
    later = (datetime.now(UTC) + timedelta(days=2)).replace(microsecond=0)
    request = make(privacy="private", publish_at=later.isoformat())
    assert problems(request) == []
    assert text.metadata(request)["status"]["publishAt"] == later.strftime("%Y-%m-%dT%H:%M:%SZ")


def test_description_defaults_to_the_text_with_its_link_and_counts_bytes() -> None:
    request = PublishRequest(channel=CHANNEL, text="Watch 🎬", link="https://example.com/x", options={"title": "T"})
    assert YouTubeAdapter.composed_text(request) == "Watch 🎬\n\nhttps://example.com/x"
    assert YouTubeAdapter.text_length("🎬") == 4
    assert text.description(make(description="Own words")) == "Own words"


def test_tags_count_commas_and_quotes_like_youtube() -> None:
    assert text.tags_length(["a", "b c"]) == 1 + 1 + 5  # "a" , "\"b c\""


def test_fingerprint_follows_title_and_description() -> None:
    adapter = YouTubeAdapter()
    assert adapter.fingerprint(make("same")) == adapter.fingerprint(make("same  "))
    assert adapter.fingerprint(make("same")) != adapter.fingerprint(make("same", title="Other"))


def test_chunks_are_whole_256_kib_blocks(settings: Any) -> None:
    settings.YOUTUBE_UPLOAD_CHUNK_BYTES = 300 * 1024
    assert chunk_bytes() == 256 * 1024
    settings.YOUTUBE_UPLOAD_CHUNK_BYTES = 1
    assert chunk_bytes() == 256 * 1024
    del settings.YOUTUBE_UPLOAD_CHUNK_BYTES
    assert chunk_bytes() == 8 * 1024 * 1024
    assert (_received(""), _received("bytes=0-262143")) == (0, 262144)


def answer(status: int, body: dict[str, Any], elapsed_s: float = 0.1) -> requests.Response:
    import json
    from datetime import timedelta as delta

    response = requests.Response()
    response.status_code, response._content = status, json.dumps(body).encode()
    response.elapsed = delta(seconds=elapsed_s)
    return response


def google(code: int, reason: str) -> dict[str, Any]:
    return {"error": {"code": code, "message": f"{reason} happened", "errors": [{"reason": reason}]}}


@pytest.mark.parametrize(("status", "body", "create", "expected"), [
    (401, google(401, "authError"), False, AuthExpired),
    (400, {"error": "invalid_grant", "error_description": "Token has been expired or revoked."}, False, AuthExpired),
    (403, google(403, "quotaExceeded"), True, RateLimited),
    (403, google(403, "rateLimitExceeded"), True, RateLimited),
    (429, google(429, "rateLimitExceeded"), False, RateLimited),
    (403, google(403, "youtubeSignupRequired"), True, NotSupported),
    (403, google(403, "forbidden"), False, NotSupported),
    (400, google(400, "invalidTitle"), True, ContentRejected),
    (404, google(404, "videoNotFound"), False, ContentRejected),
    (503, google(503, "backendError"), True, TransientError),
    (504, google(504, "backendError"), True, OutcomeUnknown),
    (504, google(504, "backendError"), False, TransientError),
])
def test_google_errors_translate(status: int, body: dict[str, Any], create: bool, expected: type) -> None:
    error = from_response(answer(status, body), create=create)
    assert type(error) is expected and error.message


def test_quota_waits_for_the_next_pacific_midnight_across_dst() -> None:
    # 2026-11-01 is the day PDT ends: midnight after it is 08:00 UTC (PST), the one before 07:00 UTC (PDT).
    assert next_quota_reset(datetime(2026, 11, 1, 12, tzinfo=UTC)) == datetime(2026, 11, 2, 8, tzinfo=UTC)
    assert next_quota_reset(datetime(2026, 10, 31, 12, tzinfo=UTC)) == datetime(2026, 11, 1, 7, tzinfo=UTC)


def test_authorize_url_asks_for_offline_consent_and_both_scopes(settings: Any) -> None:
    settings.YOUTUBE_CLIENT_ID, settings.YOUTUBE_CLIENT_SECRET = "client-1", "secret-1"
    settings.PLATFORM_ORIGINS = {}
    start = YouTubeAdapter().authorization_url("https://smo.example/cb")
    query = {k: v[0] for k, v in parse_qs(urlsplit(start.url).query).items()}
    assert start.url.startswith("https://accounts.google.com/o/oauth2/v2/auth?")
    assert (query["access_type"], query["prompt"], query["state"]) == ("offline", "consent", start.state)
    assert query["scope"].split() == ["https://www.googleapis.com/auth/youtube.upload",
                                      "https://www.googleapis.com/auth/youtube.force-ssl"]


def test_unconfigured_server_says_which_settings_are_missing(settings: Any) -> None:
    settings.YOUTUBE_CLIENT_ID = ""
    with pytest.raises(NotSupported, match="YOUTUBE_CLIENT_ID"):
        YouTubeAdapter().authorization_url("https://smo.example/cb")


def test_composer_preview_escapes_and_shows_title_visibility_and_thumbnail() -> None:
    from django.template.loader import render_to_string

    thumb = MediaItem(url="https://smo.example/cover.png", mime_type="image/png", alt_text="Cover")
    request = make("Description <b>here</b>", media=(CLIP, thumb), title="Launch <script>", privacy="unlisted")
    html = render_to_string("scheduler/composer_preview_youtube.html", {
        "channel": {"display_name": "Acme TV", "handle": "acme"}, "request": request,
        "shown": YouTubeAdapter.composed_text(request), "first": CLIP})
    assert "Launch &lt;script&gt;" in html and "<script>" not in html
    assert "Description &lt;b&gt;here&lt;/b&gt;" in html and "Unlisted" in html
    assert 'src="https://smo.example/cover.png"' in html
