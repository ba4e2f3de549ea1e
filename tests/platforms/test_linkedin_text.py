"""LinkedIn's text rules: "little" format escaping, what the composer counts, validate() and errors."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
import requests

from platforms.errors import AuthExpired, ContentRejected, NotSupported, OutcomeUnknown, RateLimited, TransientError
from platforms.linkedin import LinkedInAdapter
from platforms.linkedin.text import (
    MAX_COMMENTARY,
    RESERVED,
    composed_text,
    escape_little,
    fingerprint,
    fingerprint_parts,
    unescape_little,
)
from platforms.linkedin.translate import from_response
from platforms.types import ChannelRef, Credentials, MediaItem, PublishRequest

CHANNEL = ChannelRef(platform="linkedin", external_id="urn:li:organization:1", handle="acme",
                     credentials=Credentials(access_token="t"))


def req(text: str = "Hi", **kwargs: Any) -> PublishRequest:
    return PublishRequest(channel=CHANNEL, text=text, **kwargs)


@pytest.mark.parametrize("char", sorted(RESERVED))
def test_every_reserved_character_is_escaped(char: str) -> None:
    assert escape_little(f"a{char}b") == f"a\\{char}b"


def test_the_reference_list_of_reserved_characters() -> None:
    assert set("\\|{}@[]()<>#*_~") == RESERVED


def test_plain_text_is_untouched() -> None:
    text = "Grüße, 日本 🎉 50% off! ok? yes: \"quoted\" 'single' & more / slash $ ^ + = ; , ."
    assert escape_little(text) == text


def test_escaping_round_trips() -> None:
    text = r"C:\path (x) [y] {z} <a> #tag @name *b* _i_ ~s~ a|b \\ end"
    assert unescape_little(escape_little(text)) == text
    assert escape_little("\\(") == "\\\\\\("


def test_a_backslash_is_escaped_before_what_follows() -> None:
    assert escape_little("\\#") == "\\\\\\#"  # an escaped backslash, then an escaped hash


def test_the_composer_counts_the_unescaped_text() -> None:
    text = "(" * MAX_COMMENTARY  # 3,000 visible characters, 6,000 once escaped
    request = req(text)
    assert LinkedInAdapter.composed_text(request) == text
    assert LinkedInAdapter.text_length(LinkedInAdapter.composed_text(request)) == MAX_COMMENTARY
    assert len(escape_little(text)) == 2 * MAX_COMMENTARY
    assert LinkedInAdapter().validate(request) == []
    problems = LinkedInAdapter().validate(req(text + "("))
    assert problems and all("LinkedIn" in p and "3000" in p for p in problems)


def test_a_link_with_media_goes_into_the_text_and_without_media_becomes_an_article() -> None:
    image = MediaItem(url="https://smo.example/a.png", mime_type="image/png")
    assert composed_text(req("Look", link="https://example.com")) == "Look"
    assert composed_text(req("Look", link="https://example.com", media=(image,))) == "Look\n\nhttps://example.com"
    assert composed_text(req("Look https://example.com", link="https://example.com", media=(image,))) == \
        "Look https://example.com"


def test_fingerprint_matches_what_linkedin_returns() -> None:
    request = req("Launch #1 (today)  ")
    assert fingerprint(request) == fingerprint_parts(unescape_little(escape_little("Launch #1 (today)")))
    article = req("Read", link="https://example.com/a")
    assert fingerprint(article) == fingerprint_parts("Read", "https://example.com/a")
    assert fingerprint(article) != fingerprint(req("Read"))


def test_validate_media_rules() -> None:
    adapter = LinkedInAdapter()
    image = MediaItem(url="https://smo.example/a.png", mime_type="image/png")
    video = MediaItem(url="https://smo.example/a.mp4", mime_type="video/mp4", duration_s=2)
    pdf = MediaItem(url="https://smo.example/a.pdf", mime_type="application/pdf", size_bytes=101 * 1024 * 1024)
    assert adapter.validate(req(media=(image,) * 20)) == []
    assert any("20" in p for p in adapter.validate(req(media=(image,) * 21)))
    assert any("on its own" in p for p in adapter.validate(req(media=(image, video))))
    assert any("3 seconds" in p for p in adapter.validate(req(media=(video,))))
    problems = adapter.validate(req(media=(pdf,)))
    assert any("title" in p for p in problems) and any("100 MB" in p for p in problems)
    assert all("LinkedIn" in p for p in problems)
    assert adapter.validate(req("", link="https://example.com")) == []
    assert adapter.validate(req("")) and adapter.validate(req("x", poll_options=("a", "b")))


def answer(status: int, body: Any = None, headers: dict[str, str] | None = None) -> requests.Response:
    import json
    response = requests.Response()
    response.status_code = status
    response._content = json.dumps(body).encode() if body is not None else b""
    response.headers.update(headers or {})
    return response


def test_translate_maps_linkedin_errors() -> None:
    assert isinstance(from_response(answer(401, {"status": 401, "serviceErrorCode": 65600,
                                                 "message": "Invalid access token"}), create=True), AuthExpired)
    duplicate = from_response(answer(422, {"status": 422, "message": "Content is a duplicate of urn:li:share:1"}),
                              create=True)
    assert isinstance(duplicate, ContentRejected) and "duplicate" in duplicate.message
    old = from_response(answer(426, {"status": 426, "code": "NONEXISTENT_VERSION", "message": "not active"}),
                        create=False)
    assert isinstance(old, NotSupported) and old.platform_code == "NONEXISTENT_VERSION"
    assert isinstance(from_response(answer(403, {"message": "nope"}), create=True), NotSupported)
    assert isinstance(from_response(answer(504, {"message": "gw"}), create=True), OutcomeUnknown)
    assert isinstance(from_response(answer(504, {"message": "gw"}), create=False), TransientError)
    assert isinstance(from_response(answer(503, {"message": "down"}), create=True), TransientError)


def test_rate_limit_waits_for_retry_after_or_midnight_utc() -> None:
    limited = from_response(answer(429, {"status": 429, "message": "throttled"}, {"Retry-After": "30"}), create=True)
    assert isinstance(limited, RateLimited) and limited.retry_at is not None
    assert 0 < (limited.retry_at - datetime.now(UTC)).total_seconds() <= 31
    daily = from_response(answer(429, {"status": 429, "message": "throttled"}), create=True)
    assert isinstance(daily, RateLimited) and daily.retry_at is not None
    assert (daily.retry_at.hour, daily.retry_at.minute) == (0, 0) and daily.retry_at > datetime.now(UTC)


def test_the_preview_card_escapes_text_and_shows_the_document_title() -> None:
    from django.template.loader import render_to_string
    pdf = MediaItem(url="https://files.example/deck.pdf", mime_type="application/pdf")
    request = req("<script>x</script> (50%)", media=(pdf,), options={"document_title": "<i>Q3</i>"})
    html = render_to_string("scheduler/composer_preview_linkedin.html", {
        "channel": {"display_name": "Acme", "external_id": "urn:li:organization:1"}, "request": request,
        "shown": LinkedInAdapter.composed_text(request), "first": pdf})
    assert "&lt;script&gt;x&lt;/script&gt; (50%)" in html and "<script>" not in html
    assert "&lt;i&gt;Q3&lt;/i&gt;" in html and "PDF" in html and "LinkedIn" in html
    article = req("Read", link="https://example.com/a", options={"article_title": "A story"})
    card = render_to_string("scheduler/composer_preview_linkedin.html", {
        "channel": {"display_name": "Acme", "external_id": "urn:li:person:x"}, "request": article,
        "shown": "Read", "first": None})
    assert "A story" in card and "https://example.com/a" in card
