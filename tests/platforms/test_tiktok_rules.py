"""TikTok's text rules, pre-flight validation, error translation, chunk plan, options and preview card."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import requests
import responses
from django.template.loader import render_to_string

from platforms.errors import (
    AuthExpired,
    ContentRejected,
    NotReady,
    NotSupported,
    OutcomeUnknown,
    RateLimited,
    TransientError,
)
from platforms.options import option_fields
from platforms.registry import adapter_class
from platforms.tiktok import TikTokAdapter, posting
from platforms.tiktok.translate import failed_post, from_answer
from platforms.types import ChannelRef, Credentials, MediaItem, PublishRequest, ReplyTarget
from scheduler.counter import shown_text, text_length

MIB = 1024 * 1024
CHANNEL = ChannelRef(platform="tiktok", external_id="open-1", handle="creator",
                     credentials=Credentials(access_token="act.secret"))
VIDEO = MediaItem(url="https://m.example/v.mp4", mime_type="video/mp4", duration_s=30.0)
PHOTO = MediaItem(url="https://m.example/p.jpg", mime_type="image/jpeg")


def post(text: str = "Hello", media: tuple[MediaItem, ...] = (VIDEO,), **options: Any) -> PublishRequest:
    return PublishRequest(channel=CHANNEL, text=text, media=media,
                          options={"privacy_level": "PUBLIC_TO_EVERYONE", **options})


def problems(request: PublishRequest) -> list[str]:
    found = TikTokAdapter().validate(request)
    assert all("TikTok" in problem for problem in found)
    return found


def test_registered_and_counting_utf16_units_with_the_link_appended() -> None:
    assert adapter_class("tiktok") is TikTokAdapter
    assert text_length("tiktok", "ok 🎉") == 5  # the emoji is a surrogate pair
    request = PublishRequest(channel=CHANNEL, text="New drop", link="https://shop.example/x", media=(VIDEO,))
    assert shown_text("tiktok", request) == "New drop\n\nhttps://shop.example/x"
    assert problems(post("🎉" * 1100)) == []
    assert len(problems(post("🎉" * 1101))) == 1


def test_media_rules() -> None:
    assert "no media" in problems(post(media=()))[0]
    assert problems(post(media=(VIDEO, PHOTO)))
    assert problems(post(media=(MediaItem(url="https://m.example/a.gif", mime_type="image/gif"),)))
    assert problems(post(media=(PHOTO,) * 36))
    assert problems(post(media=(PHOTO,) * 35)) == []
    assert problems(post(media=(MediaItem(url="https://m.example/p.png", mime_type="image/png"),)))
    assert problems(post(media=(MediaItem(url="https://m.example/v.avi", mime_type="video/x-msvideo"),)))
    assert problems(post(media=(MediaItem(url="https://m.example/v.mp4", mime_type="video/mp4", duration_s=2),)))


def test_option_rules() -> None:
    bare = PublishRequest(channel=CHANNEL, text="x", media=(VIDEO,))
    assert "choose a privacy level" in problems(bare)[0]
    assert problems(post(privacy_level="EVERYBODY"))
    assert problems(post(privacy_level="SELF_ONLY", brand_content_toggle=True))
    assert problems(post(privacy_level="SELF_ONLY", brand_organic_toggle=True)) == []
    assert problems(post(media=(PHOTO,), title="t" * 91))
    assert problems(post("d" * 4000, media=(PHOTO,), title="Trip")) == []
    assert problems(PublishRequest(channel=CHANNEL, text="x", media=(VIDEO,), thread=("more",),
                                   options={"privacy_level": "SELF_ONLY"}))


def test_option_fields_require_a_privacy_choice_from_the_channel() -> None:
    fields = {f.name: f for f in option_fields(TikTokAdapter)}
    assert set(fields) == {"privacy_level", "disable_comment", "disable_duet", "disable_stitch",
                           "brand_content_toggle", "brand_organic_toggle", "title"}
    privacy = fields["privacy_level"]
    assert privacy.required and privacy.default is None and privacy.choices_from == "privacy_levels"
    info = {"privacy_levels": [{"value": "SELF_ONLY", "label": "Only me"}]}
    assert privacy.choices_for(info) == [("SELF_ONLY", "Only me")]


def test_chunk_plan_follows_the_media_transfer_rules() -> None:
    assert posting.chunk_plan(3 * MIB) == (3 * MIB, 1)
    assert posting.chunk_plan(10 * MIB) == (10 * MIB, 1)
    assert posting.chunk_plan(25 * MIB) == (10 * MIB, 2)
    assert posting.chunk_bounds(25 * MIB, 10 * MIB, 2, 1) == (10 * MIB, 25 * MIB)


def answer(status: int, code: str = "ok") -> tuple[requests.Response, dict[str, Any]]:
    response = requests.Response()
    response.status_code = status
    response.elapsed = timedelta(seconds=0.1)
    return response, {"data": {}, "error": {"code": code, "message": "m", "log_id": "L1"}}


@pytest.mark.parametrize(("status", "code", "create", "expected"), [
    (401, "access_token_invalid", True, AuthExpired),
    (401, "scope_not_authorized", False, AuthExpired),  # a new sign-in granting it fixes it
    (403, "unaudited_client_can_only_post_to_private_accounts", True, NotSupported),
    (403, "url_ownership_unverified", True, NotSupported),
    (400, "privacy_level_option_mismatch", True, ContentRejected),
    (400, "spam_risk_text", True, ContentRejected),
    (429, "rate_limit_exceeded", True, RateLimited),
    (500, "internal_error", True, TransientError),  # a quick 500 was refused before writing
    (504, "internal_error", True, OutcomeUnknown),
    (504, "internal_error", False, TransientError),
])
def test_translate_codes(status: int, code: str, create: bool, expected: type) -> None:
    response, body = answer(status, code)
    error = from_answer(response, body, create=create)
    assert type(error) is expected and error.message


def test_daily_cap_waits_an_hour_and_fail_reasons_read_well() -> None:
    error = from_answer(*answer(403, "spam_risk_too_many_posts"), create=True)
    assert isinstance(error, RateLimited) and error.retry_at > datetime.now(UTC) + timedelta(minutes=50)
    assert "could not download the video" in failed_post("video_pull_failed").message
    assert isinstance(failed_post("internal"), TransientError)


def test_no_inbox_and_no_webhook_items() -> None:
    adapter = TikTokAdapter()
    assert adapter.capabilities.inbox_kinds == ()
    with pytest.raises(NotSupported):
        adapter.fetch_inbox(CHANNEL, "")
    with pytest.raises(NotSupported):
        adapter.reply(CHANNEL, ReplyTarget(kind="comment", external_id="1"), "hi")
    assert adapter.webhook_items({"event": "post.publish.complete"}) == []


@responses.activate
def test_losing_the_token_while_polling_is_unknown_never_a_second_init(settings: Any) -> None:
    settings.PLATFORM_ORIGINS = {}
    responses.add(responses.POST, "https://open.tiktokapis.com/v2/post/publish/status/fetch/", status=401,
                  json={"data": {}, "error": {"code": "access_token_invalid", "message": "", "log_id": "L"}})
    progress = {"publish_id": "v_pub_url~v2-1.1", "upload_url": "", "uploaded": True}
    with pytest.raises(OutcomeUnknown):
        TikTokAdapter().publish(PublishRequest(channel=CHANNEL, text="x", media=(VIDEO,), progress=progress,
                                               options={"privacy_level": "SELF_ONLY"}))
    responses.replace(responses.POST, "https://open.tiktokapis.com/v2/post/publish/status/fetch/", status=503,
                      json={"data": {}, "error": {"code": "internal_error", "message": "", "log_id": "L"}})
    with pytest.raises(NotReady) as waiting:
        TikTokAdapter().publish(PublishRequest(channel=CHANNEL, text="x", media=(VIDEO,), progress=progress))
    assert waiting.value.progress == progress
    assert all("/init/" not in call.request.url for call in responses.calls)


def test_preview_card_escapes_and_shows_the_privacy() -> None:
    request = post("<script>alert(1)</script>", media=(PHOTO, PHOTO), title="<b>Trip</b>",
                   privacy_level="SELF_ONLY")
    html = render_to_string("scheduler/composer_preview_tiktok.html", {
        "channel": {"handle": "creator", "display_name": "Creator"}, "request": request,
        "shown": request.text, "first": PHOTO})
    assert "<script>" not in html and "&lt;script&gt;" in html and "&lt;b&gt;Trip" in html
    assert "Only me" in html and "1 / 2" in html and 'src="https://m.example/p.jpg"' in html
