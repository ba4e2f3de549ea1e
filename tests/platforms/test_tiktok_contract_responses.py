"""The adapter contract for TikTok against `responses` fixtures shaped like the Content Posting API
(reference §7): every answer in the `{"data", "error"}` envelope, a FILE_UPLOAD video whose status is
PUBLISH_COMPLETE at the first read, and the Display API's video list for reconciliation."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

import pytest
import requests
import responses

from platforms.errors import NotSupported, OutcomeUnknown, TransientError
from platforms.tiktok import TikTokAdapter, posting
from platforms.types import ChannelRef, Credentials, MediaItem, PublishRequest
from tests.platforms.contract import AdapterContract
from tests.platforms.test_bluesky_contract_responses import connect_refused

API = "https://open.tiktokapis.com"
UPLOAD_URL = "https://open-upload.tiktokapis.com/video/?upload_id=67890&upload_token=Xza123"
ACCESS_TOKEN = "act.example12345Example12345Example"
OPEN_ID = "723f24d7-e717-40f8-a2b6-cb8464cd23b4"
CREATOR_INFO = {"creator_avatar_url": "https://lf16-tt4d.tiktokcdn.com/obj/avatar.jpeg",
                "creator_username": "tiktok_creator", "creator_nickname": "TikTok Creator",
                "privacy_level_options": ["PUBLIC_TO_EVERYONE", "MUTUAL_FOLLOW_FRIENDS", "SELF_ONLY"],
                "comment_disabled": False, "duet_disabled": False, "stitch_disabled": True,
                "max_video_post_duration_sec": 300}
VIDEO = MediaItem(url="https://media.smo.example/clip.mp4", mime_type="video/mp4", duration_s=20.0)


def envelope(data: dict[str, Any], code: str = "ok", message: str = "") -> dict[str, Any]:
    return {"data": data, "error": {"code": code, "message": message, "log_id": "202206221854370101130062290C"}}


class FakeTikTok:
    def __init__(self, mock: responses.RequestsMock) -> None:
        self.mock = mock
        self.videos: list[dict[str, Any]] = []
        self.inits: list[dict[str, Any]] = []
        mock.add(responses.POST, f"{API}/v2/post/publish/creator_info/query/", json=envelope(CREATOR_INFO))

    def install_ok(self) -> None:
        self.mock.add_callback(responses.POST, f"{API}/v2/post/publish/video/init/", callback=self._init)
        self.mock.add(responses.PUT, UPLOAD_URL, status=201)
        self.mock.add_callback(responses.POST, f"{API}/v2/post/publish/status/fetch/", callback=self._status)
        self.mock.add_callback(responses.POST, f"{API}/v2/video/list/", callback=self._list)

    def _init(self, request: requests.PreparedRequest) -> tuple[int, dict[str, str], str]:
        assert request.headers["Authorization"] == f"Bearer {ACCESS_TOKEN}"
        assert request.headers["Content-Type"] == "application/json; charset=UTF-8"
        body = json.loads(request.body or b"{}")
        self.inits.append(body)
        video_id = str(7300000000000000000 + len(self.videos))
        self.videos.insert(0, {"id": video_id, "title": body["post_info"]["title"],
                               "video_description": body["post_info"]["title"], "create_time": int(time.time()),
                               "share_url": f"https://www.tiktok.com/@tiktok_creator/video/{video_id}"})
        data = {"publish_id": f"v_pub_file~v2-1.{video_id}", "upload_url": UPLOAD_URL}
        return 200, {"Content-Type": "application/json"}, json.dumps(envelope(data))

    def _status(self, request: requests.PreparedRequest) -> tuple[int, dict[str, str], str]:
        publish_id = json.loads(request.body or b"{}")["publish_id"]
        data = {"status": "PUBLISH_COMPLETE", "fail_reason": "", "uploaded_bytes": 2048, "downloaded_bytes": 0,
                "publicaly_available_post_id": [int(publish_id.rsplit(".", 1)[1])]}
        return 200, {"Content-Type": "application/json"}, json.dumps(envelope(data))

    def _list(self, request: requests.PreparedRequest) -> tuple[int, dict[str, str], str]:
        assert "fields=" in (request.url or "")
        data = {"videos": self.videos, "cursor": 1700000000000, "has_more": False}
        return 200, {"Content-Type": "application/json"}, json.dumps(envelope(data))

    def fail_init(self, status: int, code: str, message: str) -> None:
        self.mock.add(responses.POST, f"{API}/v2/post/publish/video/init/", status=status,
                      json=envelope({}, code, message))

    def raise_on_init(self, exc: Exception) -> None:
        self.mock.add(responses.POST, f"{API}/v2/post/publish/video/init/", body=exc)


class TestTikTokContractWithFixtures(AdapterContract):
    @pytest.fixture(autouse=True)
    def _fake(self, settings: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
        settings.PLATFORM_ORIGINS = {}
        settings.TIKTOK_VIDEO_SOURCE = "FILE_UPLOAD"
        monkeypatch.setattr(posting, "fetch", lambda item: bytes(2048))
        with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
            self.fake = FakeTikTok(mock)
            yield

    def make_adapter(self) -> TikTokAdapter:
        return TikTokAdapter()

    def channel(self) -> ChannelRef:
        return ChannelRef(platform="tiktok", external_id=OPEN_ID, handle="tiktok_creator",
                          credentials=Credentials(access_token=ACCESS_TOKEN, refresh_token="rft.example9876"))

    def request(self, text: str | None = None) -> PublishRequest:
        return PublishRequest(channel=self.channel(), text=text or "Contract clip", media=(VIDEO,),
                              options={"privacy_level": "PUBLIC_TO_EVERYONE", "disable_comment": True})

    @contextmanager
    def scenario(self, name: str, request: PublishRequest) -> Iterator[None]:
        fake = self.fake
        if name == "ok":
            fake.install_ok()
        elif name == "duplicate":  # TikTok has no duplicate check; its refusal of a caption is spam_risk_text
            fake.fail_init(400, "spam_risk_text", "The caption was flagged as spam.")
        elif name == "auth_expired":
            fake.fail_init(401, "access_token_invalid", "The access token is invalid or not found in the request.")
        elif name == "rate_limited":
            fake.fail_init(429, "rate_limit_exceeded", "The API rate limit was exceeded. Please try again later.")
        elif name == "connect_error":
            fake.raise_on_init(connect_refused(f"{API}/v2/post/publish/video/init/"))
        elif name == "timeout_after_send":
            fake.raise_on_init(requests.ReadTimeout("Read timed out. (read timeout=20.0)"))
        else:
            raise ValueError(name)
        yield

    def test_init_sends_post_info_with_the_creators_disabled_interactions_and_the_upload_plan(self) -> None:
        self.fake.install_ok()
        result = self.make_adapter().publish(self.request("Caption #smo"))
        sent = self.fake.inits[-1]
        assert sent["post_info"] == {"privacy_level": "PUBLIC_TO_EVERYONE", "disable_comment": True,
                                     "brand_content_toggle": False, "brand_organic_toggle": False,
                                     "title": "Caption #smo", "disable_duet": False, "disable_stitch": True}
        assert sent["source_info"] == {"source": "FILE_UPLOAD", "video_size": 2048, "chunk_size": 2048,
                                       "total_chunk_count": 1}
        put = next(call.request for call in self.fake.mock.calls if call.request.method == "PUT")
        assert put.headers["Content-Range"] == "bytes 0-2047/2048" and put.headers["Content-Type"] == "video/mp4"
        assert result.permalink == f"https://www.tiktok.com/@tiktok_creator/video/{result.external_id}"

    def test_a_5xx_to_the_init_is_unknown_unless_refused_at_once_and_reads_are_transient(self) -> None:
        self.fake.fail_init(504, "internal_error", "Something went wrong.")
        with pytest.raises(OutcomeUnknown):
            self.make_adapter().publish(self.request())
        self.fake.mock.add(responses.POST, f"{API}/v2/video/list/", status=500, json=envelope({}, "internal_error"))
        with pytest.raises(TransientError):
            self.make_adapter().find_published(self.channel(), "x", datetime.now(UTC))

    def test_an_envelope_error_in_a_200_is_still_an_error(self) -> None:
        self.fake.fail_init(200, "unaudited_client_can_only_post_to_private_accounts", "Unaudited client.")
        with pytest.raises(NotSupported):
            self.make_adapter().publish(self.request())
