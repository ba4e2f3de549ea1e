"""The adapter contract for Snapchat against the real sandbox process over HTTP; faults via its control API.

Snapchat has no text-only posts, so the contract's requests are Spotlight videos (the placement whose
description carries the text). The sandbox decrypts every upload with the key and IV SMO sent, so a
published post proves the AES-256-CBC encryption and the multipart upload are right.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from platforms.errors import ContentRejected, NotReady
from platforms.snapchat import SnapchatAdapter, media
from platforms.types import ChannelRef, Credentials, MediaItem, PublishRequest
from tests.platforms.contract import AdapterContract, closed_port_url

ACCOUNT = "contract_snap"
MP4 = b"\x00\x00\x00\x18ftypmp42" + bytes(range(256)) * 4
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF" + bytes(range(256)) * 2
CLIP = MediaItem(url="https://smo.example/m/signed-token/clip.mp4", mime_type="video/mp4", duration_s=12,
                 width=1080, height=1920)
PHOTO = MediaItem(url="https://smo.example/m/signed-token/photo.jpg", mime_type="image/jpeg")


def fake_fetch(item: MediaItem) -> bytes:
    return MP4 if item.kind == "video" else JPEG


class TestSnapchatContractAgainstSandbox(AdapterContract):
    @pytest.fixture(autouse=True)
    def _sandbox(self, live_sandbox: Any, settings: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
        self.sandbox, self.settings = live_sandbox, settings
        settings.PLATFORM_ORIGINS = live_sandbox.origins()
        monkeypatch.setattr(media, "fetch", fake_fetch)
        live_sandbox.set_faults({"rules": [], "snapchat_media_polls": 0})
        self.minted = live_sandbox.mint_token("snapchat", ACCOUNT)
        yield
        live_sandbox.clear_faults()

    def make_adapter(self) -> SnapchatAdapter:
        return SnapchatAdapter()

    def channel(self) -> ChannelRef:
        creds = Credentials(access_token=self.minted["access_token"], refresh_token=self.minted["refresh_token"])
        return ChannelRef(platform="snapchat", external_id=self.minted["account_id"], handle=ACCOUNT,
                          credentials=creds)

    def request(self, text: str | None = None) -> PublishRequest:
        return PublishRequest(channel=self.channel(), text=text or f"Contract spotlight {uuid.uuid4().hex[:12]}",
                              media=(CLIP,), options={"placement": "spotlight"})

    def faults(self, **effect: Any) -> None:
        rule = {"platform": "snapchat", "match": "POST /v1/public_profiles/*/spotlights", "account": ACCOUNT,
                "count": 1, **effect}
        self.sandbox.set_faults({"rules": [rule], "snapchat_media_polls": 0})

    @contextmanager
    def scenario(self, name: str, request: PublishRequest) -> Iterator[None]:
        if name == "duplicate":
            # Snap documents no duplicate check; what the contract asks is that a refusal of the content
            # (a 400 in Snap's error format) is ContentRejected.
            self.faults(error_rates={"400": 1.0})
        elif name == "auth_expired":
            self.sandbox.expire_tokens("snapchat", token=self.minted["access_token"])
        elif name == "rate_limited":
            self.faults(rate_limited={"reset_in_s": 120})
        elif name == "connect_error":
            self.settings.PLATFORM_ORIGINS = {origin: closed_port_url() for origin in self.sandbox.origins()}
        elif name == "timeout_after_send":
            self.settings.PLATFORM_READ_TIMEOUT = 0.5
            self.faults(apply_then_hang={"hang_s": 3})
        elif name != "ok":
            raise ValueError(name)
        yield

    # -- Snapchat's own rules, over HTTP --------------------------------------------------------

    def creates(self) -> list[dict[str, Any]]:
        return self.sandbox.creates("snapchat", ACCOUNT)

    def test_a_story_photo_is_encrypted_uploaded_and_posted(self) -> None:
        before = len(self.creates())
        request = PublishRequest(channel=self.channel(), text="Not shown on a story", media=(PHOTO,))
        result = self.make_adapter().publish(request)
        created = self.creates()[before:]
        assert [record["id"] for record in created] == [result.external_id]
        assert created[0]["text"] == ""  # a Story carries no caption
        assert result.permalink == f"https://www.snapchat.com/add/{ACCOUNT}"

    def test_a_video_waits_for_processing_without_uploading_twice(self) -> None:
        self.sandbox.set_faults({"rules": [], "snapchat_media_polls": 2})
        adapter, request = self.make_adapter(), self.request()
        with pytest.raises(NotReady) as waiting:
            adapter.publish(request)
        progress = waiting.value.progress
        assert set(progress) == {"media_id"}
        containers = [r for r in self.sandbox.requests_log(platform="snapchat") if r["path"].endswith("/media")]
        result = None
        for _ in range(3):
            try:
                result = adapter.publish(PublishRequest(**{**request.__dict__, "progress": progress}))
                break
            except NotReady as exc:
                progress = exc.progress
        assert result is not None and result.external_id
        again = [r for r in self.sandbox.requests_log(platform="snapchat") if r["path"].endswith("/media")]
        assert again == containers  # no second container: the upload happened once
        assert [r["id"] for r in self.creates() if r["text"] == request.text] == [result.external_id]

    def test_wrongly_encrypted_media_fails_processing(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setattr(media, "encrypt", lambda data, key, iv: b"\x01" * 32)  # not AES with that key
        with pytest.raises(ContentRejected) as failed:
            self.make_adapter().publish(self.request())
        assert failed.value.platform_code == "media_failed"

    def test_a_found_story_is_the_one_published(self) -> None:
        adapter = self.make_adapter()
        # A Story shows only its file, so the fingerprint is the file's: a photo of its own here.
        photo = MediaItem(url=f"https://smo.example/m/t/{uuid.uuid4().hex}.jpg", mime_type="image/jpeg")
        request = PublishRequest(channel=self.channel(), text="", media=(photo,), options={"placement": "story"})
        since = datetime.now(UTC) - timedelta(minutes=1)
        published = adapter.publish(request)
        found = adapter.find_published(self.channel(), adapter.fingerprint(request), since)
        assert found is not None and found.external_id == published.external_id
        assert adapter.find_published(self.channel(), adapter.fingerprint(request), datetime.now(UTC)
                                      + timedelta(minutes=1)) is None

    def test_verify_names_the_public_profile(self) -> None:
        account = self.make_adapter().verify(self.channel())
        assert (account.external_id, account.handle) == (self.minted["account_id"], ACCOUNT)
        assert account.info == {"profile_tier": "TIER_PUBLIC"}
