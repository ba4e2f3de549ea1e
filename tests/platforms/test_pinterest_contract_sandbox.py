"""The adapter contract for Pinterest against the real sandbox process over HTTP, plus the flows only a
live dialect can show: carousels, the video upload -> processing -> pin sequence, boards, refresh."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import requests

from platforms.errors import ContentRejected, NotReady, OutcomeUnknown
from platforms.pinterest import PinterestAdapter, media
from platforms.types import ChannelRef, Credentials, MediaItem, PublishRequest
from tests.platforms.contract import AdapterContract, closed_port_url

ACCOUNT = "contract_pinterest"
IMAGE = MediaItem(url="https://smo.example/m/flower.jpg", mime_type="image/jpeg", alt_text="A red tulip")
CLIP = MediaItem(url="https://smo.example/m/clip.mp4", mime_type="video/mp4")


def pinterest_get(sandbox: Any, token: str, path: str, **params: Any) -> dict[str, Any]:
    response = requests.get(f"{sandbox.base_url}/pinterest/v5{path}", params=params, timeout=10,
                            headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200, response.text
    return response.json()


def media_posts(sandbox: Any) -> list[dict[str, Any]]:
    return [r for r in sandbox.requests_log(limit=1000, platform="pinterest")
            if r["method"] == "POST" and r["path"] == "/v5/media"]


class TestPinterestContractAgainstSandbox(AdapterContract):
    @pytest.fixture(autouse=True)
    def _sandbox(self, live_sandbox: Any, settings: Any) -> Iterator[None]:
        self.sandbox, self.settings = live_sandbox, settings
        settings.PLATFORM_ORIGINS = live_sandbox.origins()
        self.minted = live_sandbox.mint_token("pinterest", ACCOUNT)
        self.boards = PinterestAdapter().verify(self.channel()).info["boards"]
        yield
        live_sandbox.clear_faults()

    def make_adapter(self) -> PinterestAdapter:
        return PinterestAdapter()

    def channel(self) -> ChannelRef:
        creds = Credentials(access_token=self.minted["access_token"], refresh_token=self.minted["refresh_token"])
        return ChannelRef(platform="pinterest", external_id=self.minted["account_id"], handle=ACCOUNT,
                          credentials=creds)

    def request(self, text: str | None = None, **changes: Any) -> PublishRequest:
        """A Pin needs a board and an image: the contract's text-only post gets both."""
        base = super().request(text)
        fields = {"media": (IMAGE,), "options": {"board": self.boards[0]["value"]}, **changes}
        return PublishRequest(channel=base.channel, text=base.text, **fields)

    @contextmanager
    def scenario(self, name: str, request: PublishRequest) -> Iterator[None]:
        rule = {"platform": "pinterest", "match": "POST /v5/pins", "account": ACCOUNT, "count": 1}
        if name == "duplicate":
            # Pinterest has no duplicate check; the contract's point is that a refused Pin is ContentRejected.
            self.sandbox.set_faults({**rule, "error_rates": {"400": 1.0}})
        elif name == "auth_expired":
            self.sandbox.expire_tokens("pinterest", token=self.minted["access_token"])
        elif name == "rate_limited":
            self.sandbox.set_faults({**rule, "rate_limited": {"reset_in_s": 120}})
        elif name == "connect_error":
            self.settings.PLATFORM_ORIGINS = {origin: closed_port_url() for origin in self.sandbox.origins()}
        elif name == "timeout_after_send":
            self.settings.PLATFORM_READ_TIMEOUT = 0.5
            self.sandbox.set_faults({**rule, "apply_then_hang": {"hang_s": 3}})
        elif name != "ok":
            raise ValueError(name)
        yield

    # -- Pinterest specifics -----------------------------------------------------------------

    def test_verify_lists_the_accounts_boards(self) -> None:
        account = self.make_adapter().verify(self.channel())
        assert account.handle == ACCOUNT and account.external_id == self.minted["account_id"]
        assert [board["label"] for board in account.info["boards"]] == ["Ideas", "Products"]

    def test_pin_carries_board_title_link_and_alt_text(self) -> None:
        board = self.boards[1]["value"]
        request = self.request(link="https://example.com/tulips", options={"board": board, "title": "Tulips"})
        result = self.make_adapter().publish(request)
        pin = pinterest_get(self.sandbox, self.minted["access_token"], f"/pins/{result.external_id}")
        assert (pin["board_id"], pin["title"], pin["description"]) == (board, "Tulips", request.text)
        assert pin["link"] == "https://example.com/tulips" and pin["alt_text"] == "A red tulip"
        assert result.permalink == f"https://www.pinterest.com/pin/{result.external_id}/"

    def test_carousel_of_three_images(self) -> None:
        images = tuple(MediaItem(url=f"https://smo.example/m/{n}.jpg", mime_type="image/jpeg") for n in range(3))
        result = self.make_adapter().publish(self.request(media=images))
        pin = pinterest_get(self.sandbox, self.minted["access_token"], f"/pins/{result.external_id}")
        assert pin["media"]["media_type"] == "multiple_images"
        assert [item["images"]["originals"]["url"] for item in pin["media"]["items"]] == [m.url for m in images]

    def test_unknown_board_is_content_rejected_naming_the_board(self) -> None:
        request = self.request(options={"board": "999999"})
        error = self.expect_error(ContentRejected, lambda: self.make_adapter().publish(request))
        assert "board" in error.message

    def test_video_waits_for_processing_then_pins_once(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setattr(media, "fetch", lambda item: b"\x00\x00\x00\x18ftypmp42 sandbox video")
        cover = MediaItem(url="https://smo.example/m/cover.jpg", mime_type="image/jpeg")
        request = self.request(media=(CLIP, cover))
        before, adapter = len(media_posts(self.sandbox)), self.make_adapter()
        with pytest.raises(NotReady) as waiting:
            adapter.publish(request)  # uploaded; Pinterest answers "processing" once
        assert set(waiting.value.progress) == {"media_id"}
        result = adapter.publish(PublishRequest(**{**request.__dict__, "progress": waiting.value.progress}))
        assert len(media_posts(self.sandbox)) == before + 1  # the second call only read the status
        pin = pinterest_get(self.sandbox, self.minted["access_token"], f"/pins/{result.external_id}")
        assert pin["media"]["media_type"] == "video" and pin["media"]["cover_image_url"] == cover.url

    def test_failed_video_processing_is_content_rejected(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setattr(media, "fetch", lambda item: b"video bytes")
        self.sandbox.set_faults({"pinterest_media_processing_polls": 0, "pinterest_media_final": "failed"})
        self.expect_error(ContentRejected, lambda: self.make_adapter().publish(self.request(media=(CLIP,))))

    def test_lost_answer_is_found_by_reconciliation_exactly_once(self) -> None:
        request, adapter = self.request(f"Lost answer {uuid.uuid4().hex[:8]}"), self.make_adapter()
        since = datetime.now(UTC) - timedelta(minutes=1)
        with self.scenario("timeout_after_send", request):
            self.expect_error(OutcomeUnknown, lambda: adapter.publish(request))
        self.settings.PLATFORM_READ_TIMEOUT = 20
        found = adapter.find_published(self.channel(), adapter.fingerprint(request), since)
        created = [r for r in self.sandbox.creates("pinterest", ACCOUNT) if r["text"] == request.text]
        assert found is not None and [r["id"] for r in created] == [found.external_id]

    def test_refresh_keeps_the_refresh_token_unless_rotated(self) -> None:
        # Minted tokens belong to the control API's default client.
        self.settings.PINTEREST_APP_ID, self.settings.PINTEREST_APP_SECRET = "sandbox-client", "any-secret"
        adapter = self.make_adapter()
        first = adapter.refresh(self.channel())
        assert first.access_token and first.access_token != self.minted["access_token"]
        assert first.refresh_token == "" and first.expires_at and first.expires_at > datetime.now(UTC)
        self.sandbox.set_faults({"pinterest_rotate_refresh": True})
        rotated = adapter.refresh(self.channel())
        assert rotated.refresh_token and rotated.refresh_token != self.minted["refresh_token"]
