"""The adapter contract for YouTube against `responses` fixtures shaped like the Data API v3 (reference §5)."""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
import requests
import responses
from urllib3.exceptions import MaxRetryError, NewConnectionError

from platforms.types import ChannelRef, Credentials, MediaItem, PublishRequest
from tests.platforms.contract import AdapterContract
from tests.platforms.test_youtube_support import SteppingYouTube

pytestmark = pytest.mark.django_db
CHANNEL_ID = "UCsmo_demo_channel_00001"
ACCESS_TOKEN = "ya29.a0AfB_contract-access-token-91c2"
UPLOAD = re.compile(r"^https://www\.googleapis\.com/upload/youtube/v3/videos(\?.*)?$")
API = "https://www.googleapis.com/youtube/v3"
VIDEO_URL = "https://smo.example/m/clip.mp4"
VIDEO = b"\x00\x00\x00\x18ftypmp42" + b"v" * 2000
JSON = {"Content-Type": "application/json; charset=UTF-8"}


def google_error(code: int, reason: str, message: str, status: str, domain: str = "youtube.video") -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "errors": [{"message": message, "domain": domain,
                                                                     "reason": reason}], "status": status}}


class FakeYouTube:
    """The resumable upload, channels.list and playlistItems.list: what was uploaded shows in the playlist."""

    def __init__(self, mock: responses.RequestsMock) -> None:
        self.mock = mock
        self.videos: list[dict[str, Any]] = []
        self.sessions: dict[str, dict[str, Any]] = {}

    def install_ok(self) -> None:
        self.mock.add(responses.GET, VIDEO_URL, body=VIDEO, content_type="video/mp4")
        self.mock.add_callback(responses.POST, UPLOAD, callback=self._open)
        self.mock.add_callback(responses.PUT, UPLOAD, callback=self._put)
        self.mock.add(responses.GET, f"{API}/channels", json={"kind": "youtube#channelListResponse", "items": [{
            "kind": "youtube#channel", "id": CHANNEL_ID,
            "contentDetails": {"relatedPlaylists": {"likes": "", "uploads": "UU" + CHANNEL_ID[2:]}}}]})
        self.mock.add_callback(responses.GET, f"{API}/playlistItems", callback=self._playlist)

    def _open(self, request: requests.PreparedRequest) -> tuple[int, dict[str, str], str]:
        assert request.headers["Authorization"] == f"Bearer {ACCESS_TOKEN}"
        assert request.headers["X-Upload-Content-Length"] == str(len(VIDEO))
        upload_id = f"ADPycdv{len(self.sessions)}"
        self.sessions[upload_id] = {"meta": json.loads(request.body or b"{}"), "received": 0}
        location = f"https://www.googleapis.com/upload/youtube/v3/videos?uploadType=resumable&upload_id={upload_id}"
        return 200, {"Location": location}, ""

    def _put(self, request: requests.PreparedRequest) -> tuple[int, dict[str, str], str]:
        session = self.sessions[str(request.url).rsplit("upload_id=", 1)[1]]
        content_range = request.headers["Content-Range"]
        if content_range == f"bytes */{len(VIDEO)}":
            return 308, {}, ""  # nothing received yet: no Range header, as Google answers
        session["received"] = len(VIDEO)
        snippet = session["meta"]["snippet"]
        video = {"kind": "youtube#video", "id": f"dQw4w9WgX{len(self.videos):02d}",
                 "snippet": {**snippet, "publishedAt": "2026-11-24T10:00:00Z", "channelId": CHANNEL_ID}}
        self.videos.append(video)
        return 200, JSON, json.dumps(video)

    def _playlist(self, request: requests.PreparedRequest) -> tuple[int, dict[str, str], str]:
        items = [{"kind": "youtube#playlistItem", "snippet": {
            **video["snippet"], "resourceId": {"kind": "youtube#video", "videoId": video["id"]}}}
            for video in reversed(self.videos)]
        return 200, JSON, json.dumps({"kind": "youtube#playlistItemListResponse", "items": items})

    def lose_final_answer(self, request: requests.PreparedRequest) -> tuple[int, dict[str, str], str]:
        """The probe answers "nothing yet"; the chunk reaches Google and its answer never comes back."""
        if request.headers["Content-Range"].startswith("bytes */"):
            return 308, {}, ""
        raise requests.ReadTimeout("read timed out")

    def fail_open(self, status: int, body: dict[str, Any]) -> None:
        self.mock.replace(responses.POST, UPLOAD, json=body, status=status)

    def raise_on(self, method: str, exc: Exception) -> None:
        self.mock.replace(method, UPLOAD, body=exc)


class TestYouTubeContractWithFixtures(AdapterContract):
    @pytest.fixture(autouse=True)
    def _fake(self, settings: Any) -> Iterator[None]:
        settings.PLATFORM_ORIGINS = {}  # talk to the real hosts, which `responses` intercepts
        with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
            self.fake = FakeYouTube(mock)
            self.fake.install_ok()
            yield

    def make_adapter(self) -> SteppingYouTube:
        return SteppingYouTube()

    def channel(self) -> ChannelRef:
        return ChannelRef(platform="youtube", external_id=CHANNEL_ID, handle="smo_demo_yt",
                          credentials=Credentials(access_token=ACCESS_TOKEN, refresh_token="1//0g-refresh-secret"))

    def request(self, text: str | None = None) -> PublishRequest:
        return PublishRequest(channel=self.channel(), text=text or f"Contract video {uuid.uuid4().hex[:12]}",
                              media=(MediaItem(url=VIDEO_URL, mime_type="video/mp4", size_bytes=len(VIDEO)),),
                              options={"title": "Fixture video"})

    @contextmanager
    def scenario(self, name: str, request: PublishRequest) -> Iterator[None]:
        if name == "duplicate":
            self.fake.fail_open(400, google_error(400, "invalidDescription", "The request metadata specifies an "
                                                  "invalid video description.", "INVALID_ARGUMENT"))
        elif name == "auth_expired":
            self.fake.fail_open(401, google_error(401, "authError", "Request had invalid authentication "
                                                  "credentials.", "UNAUTHENTICATED", "global"))
        elif name == "rate_limited":
            self.fake.fail_open(403, google_error(403, "quotaExceeded", "The request cannot be completed because "
                                                  "you have exceeded your quota.", "PERMISSION_DENIED",
                                                  "youtube.quota"))
        elif name == "connect_error":
            reason = NewConnectionError(None, "Failed to establish a new connection: [Errno 111] Connection refused")
            self.fake.raise_on(responses.POST, requests.ConnectionError(MaxRetryError(None, "/", reason)))  # type: ignore[arg-type]
        elif name == "timeout_after_send":
            self.fake.mock.replace(responses.PUT, UPLOAD, body=b"")
            self.fake.mock.remove(responses.PUT, UPLOAD)
            self.fake.mock.add_callback(responses.PUT, UPLOAD, callback=self.fake.lose_final_answer)
        elif name != "ok":
            raise ValueError(name)
        yield

    def test_the_upload_sends_googles_resumable_headers(self) -> None:
        result = self.make_adapter().publish(self.request("Headers checked"))
        calls = [c.request for c in self.fake.mock.calls if c.request.method == "PUT"]
        assert [c.headers["Content-Range"] for c in calls] == [f"bytes */{len(VIDEO)}",
                                                               f"bytes 0-{len(VIDEO) - 1}/{len(VIDEO)}"]
        assert calls[1].headers["Content-Type"] == "video/mp4"
        opened = next(c.request for c in self.fake.mock.calls if c.request.method == "POST")
        assert "uploadType=resumable" in str(opened.url) and "part=snippet%2Cstatus" in str(opened.url)
        body = json.loads(opened.body or b"{}")
        assert body["snippet"] == {"title": "Fixture video", "description": "Headers checked", "categoryId": "22"}
        assert body["status"] == {"privacyStatus": "public", "selfDeclaredMadeForKids": False}
        assert result.external_id == "dQw4w9WgX00"
