"""Pinterest's text, media and option rules, its error translation, and the publish-only inbox."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import requests

from platforms.errors import (
    AuthExpired,
    ContentRejected,
    NotSupported,
    OutcomeUnknown,
    RateLimited,
    TransientError,
)
from platforms.options import option_fields
from platforms.pinterest import PinterestAdapter
from platforms.pinterest.translate import from_response
from platforms.registry import adapter_class
from platforms.types import ChannelRef, Credentials, MediaItem, PublishRequest, ReplyTarget
from scheduler.counter import shown_text

CHANNEL = ChannelRef("pinterest", "77", "smo_demo", Credentials(access_token="pina_secret"))
IMAGE = MediaItem(url="https://smo.example/a.jpg", mime_type="image/jpeg", alt_text="A tulip")
VIDEO = MediaItem(url="https://smo.example/v.mp4", mime_type="video/mp4", duration_s=30)


def pin(text: str = "Spring", **changes: Any) -> PublishRequest:
    fields: dict[str, Any] = {"media": (IMAGE,), "options": {"board": "549755885175"}, **changes}
    return PublishRequest(channel=CHANNEL, text=text, **fields)


def problems(request: PublishRequest) -> list[str]:
    return PinterestAdapter().validate(request)


def answer(status: int, body: Any = None, headers: dict[str, str] | None = None, seconds: float = 0.1
           ) -> requests.Response:
    response = requests.Response()
    response.status_code, response.reason = status, "Reason"
    response._content = b"" if body is None else json.dumps(body).encode()
    response.headers.update(headers or {})
    response.elapsed = timedelta(seconds=seconds)
    return response


def test_registered_with_a_required_board_from_the_channel() -> None:
    assert adapter_class("pinterest") is PinterestAdapter
    fields = {f.name: f for f in option_fields(PinterestAdapter)}
    assert fields["board"].required and fields["board"].choices_from == "boards"
    boards = {"boards": [{"value": "1", "label": "Recipes"}]}
    assert fields["board"].choices_for(boards) == [("1", "Recipes")]
    assert PinterestAdapter.capabilities.inbox_kinds == ()


def test_a_pin_with_board_and_image_is_fine() -> None:
    assert problems(pin()) == []


@pytest.mark.parametrize(("request_", "phrase"), [
    (pin(options={}), "board"),
    (pin(media=()), "image or a video"),
    (pin("a" * 501), "500"),
    (pin(options={"board": "1", "title": "t" * 101}), "title"),
    (pin(options={"board": "1", "alt_text": "a" * 501}), "alt text"),
    (pin(link="https://e.org/" + "x" * 2048), "links"),
    (pin(media=(IMAGE,) * 6), "at most 5 images"),
    (pin(media=(VIDEO, VIDEO)), "one video"),
    (pin(media=(VIDEO, IMAGE, IMAGE)), "cover"),
    (pin(media=(MediaItem(url="https://smo.example/v.mp4", mime_type="video/mp4", duration_s=2),)), "seconds"),
    (pin(media=(MediaItem(url="https://smo.example/a.jpg", mime_type="image/jpeg", size_bytes=21_000_000),)),
     "20 MB"),
    (pin(thread=("part two",)), "threads"),
    (pin(first_comment="first!"), "first comment"),
])
def test_each_rule_names_pinterest_and_the_rule(request_: PublishRequest, phrase: str) -> None:
    found = problems(request_)
    assert len(found) == 1 and "Pinterest" in found[0] and phrase in found[0], found


def test_a_video_with_a_cover_image_is_fine() -> None:
    assert problems(pin(media=(VIDEO, IMAGE))) == []


def test_composed_text_is_the_description_without_the_link() -> None:
    request = pin("  Fresh tulips  ", link="https://example.com/t")
    assert PinterestAdapter.composed_text(request) == "Fresh tulips"
    assert shown_text("pinterest", request) == "Fresh tulips"


def test_fingerprint_covers_board_title_text_and_link() -> None:
    adapter = PinterestAdapter()
    base = adapter.fingerprint(pin())
    assert base == adapter.fingerprint(pin(media=(VIDEO,)))  # media are not listed back as sent
    for changed in (pin(options={"board": "2"}), pin(options={"board": "549755885175", "title": "T"}),
                    pin("Autumn"), pin(link="https://example.com")):
        assert adapter.fingerprint(changed) != base


def test_alt_text_defaults_to_the_images_own() -> None:
    from platforms.pinterest.text import alt_text

    assert alt_text(pin()) == "A tulip"
    assert alt_text(pin(options={"board": "1", "alt_text": "Chosen"})) == "Chosen"


def test_inbox_calls_say_pinterest_has_no_api_for_them() -> None:
    adapter = PinterestAdapter()
    for call in (lambda: adapter.fetch_inbox(CHANNEL, ""),
                 lambda: adapter.reply(CHANNEL, ReplyTarget("comment", "1"), "hi"),
                 lambda: adapter.set_hidden(CHANNEL, "1", True)):
        with pytest.raises(NotSupported) as refused:
            call()
        assert "Pinterest has no API for comments or messages" in refused.value.message
    assert adapter.webhook_items({"anything": 1}) == []


def test_publish_refuses_an_invalid_pin_before_any_request() -> None:
    with pytest.raises(ContentRejected) as refused:
        PinterestAdapter().publish(pin(options={}))
    assert "board" in refused.value.message


def test_translation_of_pinterest_answers() -> None:
    assert isinstance(from_response(answer(401, {"code": 2, "message": "Authentication failed."}), create=True),
                      AuthExpired)
    assert isinstance(from_response(answer(403, {"code": 3, "message": "Not authorized"}), create=True), NotSupported)
    board = from_response(answer(404, {"code": 4, "message": "Board not found."}), create=True)
    assert isinstance(board, ContentRejected) and "board" in board.message and board.platform_code == "404/4"
    assert isinstance(from_response(answer(503, {"code": 9, "message": "x"}), create=True), TransientError)
    assert isinstance(from_response(answer(503, {"code": 9, "message": "x"}, seconds=9), create=True), OutcomeUnknown)
    assert isinstance(from_response(answer(504), create=True), OutcomeUnknown)
    assert isinstance(from_response(answer(504), create=False), TransientError)


def test_rate_limit_reset_as_seconds_epoch_or_missing() -> None:
    now = datetime.now(UTC)
    waits = {}
    for name, headers in {"seconds": {"X-RateLimit-Reset": "30"}, "retry": {"Retry-After": "90"},
                          "epoch": {"X-RateLimit-Reset": str(int(now.timestamp()) + 600)}, "none": {}}.items():
        error = from_response(answer(429, {"code": 29, "message": "slow down"}, headers), create=True)
        assert isinstance(error, RateLimited) and error.retry_at is not None
        waits[name] = (error.retry_at - now).total_seconds()
    assert 25 < waits["seconds"] <= 31 and 85 < waits["retry"] <= 91
    assert 590 < waits["epoch"] <= 601 and 55 < waits["none"] <= 61


def test_preview_card_shows_title_text_and_board_escaped() -> None:
    from types import SimpleNamespace

    from django.template.loader import render_to_string

    channel = SimpleNamespace(pk=1, platform="pinterest", handle="smo_demo", display_name="SMO",
                              platform_info={"boards": [{"value": "549755885175", "label": "Recipes <b>"}]})
    request = pin("<script>x</script>", options={"board": "549755885175", "title": "Tulips <i>"})
    html = render_to_string("scheduler/composer_preview_pinterest.html",
                            {"channel": channel, "request": request, "shown": request.text, "first": IMAGE})
    assert "&lt;script&gt;x&lt;/script&gt;" in html and "<script>x" not in html
    assert "Tulips &lt;i&gt;" in html and "Recipes &lt;b&gt;" in html and 'src="https://smo.example/a.jpg"' in html
    empty = render_to_string("scheduler/composer_preview_pinterest.html",
                             {"channel": channel, "request": pin(options={}, media=()), "shown": "", "first": None})
    assert "No board chosen" in empty and "needs an image or a video" in empty
