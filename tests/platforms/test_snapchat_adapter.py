"""Snapchat's rules without a network: placement, description, media pre-flight, fingerprint, encryption,
error translation and the partner-approval facts the channel screens show."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import requests
from cryptography.hazmat.primitives import padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from platforms.catalogue import platform_facts
from platforms.errors import AuthExpired, ContentRejected, NotSupported, OutcomeUnknown, RateLimited, TransientError
from platforms.options import clean_options, option_fields
from platforms.registry import adapter_class
from platforms.snapchat import SnapchatAdapter, media
from platforms.snapchat.translate import SnapApiError, translate
from platforms.types import ChannelRef, Credentials, MediaItem, PublishRequest
from scheduler.counter import shown_text

CHANNEL = ChannelRef("snapchat", "5f1c2b3a-0d4e-4f5a-9b6c-7d8e9f00abcd", "smo_brand", Credentials("token-abc"))
CLIP = MediaItem("https://smo.example/m/a/clip.mp4", "video/mp4", size_bytes=5_000_000, width=1080, height=1920,
                 duration_s=20)
PHOTO = MediaItem("https://smo.example/m/a/photo.png", "image/png", size_bytes=900_000)


def req(text: str = "Hello", media_items: tuple[MediaItem, ...] = (PHOTO,), **options: Any) -> PublishRequest:
    return PublishRequest(channel=CHANNEL, text=text, media=media_items, options=options)


def problems(request: PublishRequest) -> list[str]:
    return SnapchatAdapter().validate(request)


def test_registered_with_partner_approval_and_options() -> None:
    assert adapter_class("snapchat") is SnapchatAdapter
    facts = platform_facts("snapchat")
    assert facts.needs_partner_approval and "allowlist" in facts.partner_note
    assert not facts.has_inbox and facts.connect == "oauth"
    fields = {f.name: f for f in option_fields(SnapchatAdapter)}
    assert [value for value, _ in fields["placement"].choices] == ["story", "spotlight"]
    assert clean_options(tuple(fields.values()), {"placement": " spotlight ", "other": "x"}) == \
        {"placement": "spotlight"}


def test_a_story_photo_and_a_spotlight_video_are_fine() -> None:
    assert problems(req("Ignored on a story")) == []
    assert problems(req("#launch day", (CLIP,), placement="spotlight", locale="de_DE")) == []


def test_a_story_sends_no_text_and_a_spotlight_sends_its_description() -> None:
    assert SnapchatAdapter.composed_text(req("Caption")) == ""
    spotlight = req("  Caption #tag ", (CLIP,), placement="spotlight")
    assert SnapchatAdapter.composed_text(spotlight) == "Caption #tag"
    assert shown_text("snapchat", spotlight) == "Caption #tag"  # what the composer's counter and preview use


@pytest.mark.parametrize(("request_", "fragment"), [
    (req(media_items=()), "needs one photo or video"),
    (req(media_items=(PHOTO, PHOTO)), "exactly one photo or video"),
    (req(media_items=(MediaItem("https://x/a.gif", "image/gif"),)), "JPEG or PNG"),
    (req(placement="spotlight"), "Spotlight takes videos only"),
    (req(placement="reel"), "Story or to Spotlight"),
    (req("a" * 161, (CLIP,), placement="spotlight"), "160 characters"),
    (req("Hi", (CLIP,), placement="spotlight", locale="english"), "en_US"),
    (req(media_items=(MediaItem("https://x/a.mp4", "video/mp4", duration_s=3),)), "between 5 and 300 seconds"),
    (req(media_items=(MediaItem("https://x/a.mp4", "video/mp4", width=480, height=640),)), "540x960"),
    (req(media_items=(MediaItem("https://x/a.jpg", "image/jpeg", size_bytes=21_000_000),)), "20 MB"),
    (PublishRequest(channel=CHANNEL, text="x", media=(PHOTO,), thread=("more",)), "no threads"),
])
def test_each_rule_is_one_sentence_naming_snapchat(request_: PublishRequest, fragment: str) -> None:
    found = problems(request_)
    assert any(fragment in problem for problem in found), found
    assert all("Snapchat" in problem for problem in found)


def test_long_text_on_a_story_is_not_a_problem_because_it_is_not_sent() -> None:
    assert problems(req("a" * 500)) == []


def test_fingerprint_ignores_the_signed_url_but_not_the_file_or_description() -> None:
    adapter = SnapchatAdapter()
    resigned = MediaItem("https://smo.example/m/other-signature/photo.png", "image/png", size_bytes=900_000)
    assert adapter.fingerprint(req()) == adapter.fingerprint(req(media_items=(resigned,)))
    assert adapter.fingerprint(req("one")) == adapter.fingerprint(req("two"))  # a story shows no text
    assert adapter.fingerprint(req("one", (CLIP,), placement="spotlight")) != \
        adapter.fingerprint(req("two", (CLIP,), placement="spotlight"))
    other_file = MediaItem("https://smo.example/m/a/other.png", "image/png", size_bytes=900_000)
    assert adapter.fingerprint(req()) != adapter.fingerprint(req(media_items=(other_file,)))


def test_encrypt_is_aes_256_cbc_with_pkcs7_padding() -> None:
    key, iv, data = bytes(range(32)), bytes(range(16)), b"\x89PNG\r\n\x1a\n" + b"pixels" * 10
    encrypted = media.encrypt(data, key, iv)
    assert len(encrypted) % 16 == 0 and encrypted != data
    decryptor = Cipher(algorithms.AES(key), modes.CBC(iv)).decryptor()
    unpadder = padding.PKCS7(128).unpadder()
    assert unpadder.update(decryptor.update(encrypted) + decryptor.finalize()) + unpadder.finalize() == data


def answer(status: int, body: dict[str, Any] | None = None, headers: dict[str, str] | None = None,
           elapsed_s: float = 0.1) -> SnapApiError:
    response = requests.Response()
    response.status_code, response.headers = status, requests.structures.CaseInsensitiveDict(headers or {})
    response._content = json.dumps(body or {}).encode()
    response.elapsed = timedelta(seconds=elapsed_s)
    return SnapApiError(response)


def test_translation_of_snap_answers() -> None:
    body = {"request_status": "ERROR", "debug_message": "token abc expired", "error_code": "E3001"}
    expired = translate(answer(401, body), create=True, secrets=["abc"])
    assert isinstance(expired, AuthExpired) and "abc" not in expired.message and expired.platform_code == "E3001"
    limited = translate(answer(429, {}, {"Retry-After": "90"}), create=True)
    assert isinstance(limited, RateLimited) and limited.retry_at and limited.retry_at > datetime.now(UTC)
    assert isinstance(translate(answer(403), create=True), NotSupported)
    assert isinstance(translate(answer(400, {"display_message": "bad media"}), create=True), ContentRejected)
    assert isinstance(translate(answer(503), create=True), TransientError)  # a quick 503: refused before writing
    assert isinstance(translate(answer(504), create=True), OutcomeUnknown)
    assert isinstance(translate(answer(504), create=False), TransientError)
    assert isinstance(translate(requests.ReadTimeout("read timed out"), create=True), OutcomeUnknown)
    with pytest.raises(KeyError):
        translate(KeyError("a bug"), create=True)


def test_unconfigured_server_explains_the_settings(settings: Any) -> None:
    settings.SNAPCHAT_CLIENT_ID = ""
    with pytest.raises(NotSupported) as refused:
        SnapchatAdapter().authorization_url("https://smo.example/callback/")
    assert "SNAPCHAT_CLIENT_ID" in refused.value.message
