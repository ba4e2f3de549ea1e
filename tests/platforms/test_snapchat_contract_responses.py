"""The adapter contract for Snapchat against `responses` fixtures shaped like Snap's Public Profile API
(reference §11): the Marketing API envelope (`request_status`, sub-request wrappers) and its error body."""

from __future__ import annotations

import base64
import json
import re
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

import pytest
import requests
import responses
from urllib3.exceptions import MaxRetryError, NewConnectionError

from platforms.errors import ContentRejected, NotSupported, TransientError
from platforms.snapchat import SnapchatAdapter, media
from platforms.types import ChannelRef, Credentials, MediaItem, PublishRequest
from tests.platforms.contract import AdapterContract

API = "https://businessapi.snapchat.com/v1"
PROFILE = "5f1c2b3a-0d4e-4f5a-9b6c-7d8e9f00abcd"
ACCESS_TOKEN = "snap-contract-access-9c1d7e"
CLIP = MediaItem(url="https://smo.example/m/tok/clip.mp4", mime_type="video/mp4", duration_s=15, width=1080,
                 height=1920)
JSON = {"Content-Type": "application/json"}
Answer = tuple[int, dict[str, str], str]


def snap_error(status: int, code: str, message: str) -> str:
    return json.dumps({"request_status": "ERROR", "request_id": str(uuid.uuid4()), "debug_message": message,
                       "display_message": message, "error_code": code})


def ok(payload: dict[str, Any]) -> Answer:
    return 200, JSON, json.dumps({"request_status": "SUCCESS", "request_id": str(uuid.uuid4()), **payload})


class FakeSnap:
    """Media containers, spotlight creates and the spotlight list over `responses`; what was created is listed."""

    def __init__(self, mock: responses.RequestsMock) -> None:
        self.mock = mock
        self.media: dict[str, dict[str, Any]] = {}
        self.spotlights: list[dict[str, Any]] = []
        base = re.escape(f"{API}/public_profiles/{PROFILE}/media")
        mock.add_callback(responses.POST, re.compile(base + "$"), callback=self._container)
        mock.add_callback(responses.POST, re.compile(base + r"/[\w-]+/multipart-upload\?action=\w+$"),
                          callback=self._upload)
        mock.add_callback(responses.GET, re.compile(base + r"/[\w-]+$"), callback=self._read)

    def _container(self, request: requests.PreparedRequest) -> Answer:
        assert request.headers["Authorization"] == f"Bearer {ACCESS_TOKEN}"
        body = json.loads(request.body or b"{}")
        assert body["type"] == "VIDEO" and len(base64.b64decode(body["key"])) == 32
        media_id = str(uuid.uuid4())
        self.media[media_id] = {"name": body["name"], "parts": 0}
        path = f"/v1/public_profiles/{PROFILE}/media/{media_id}/multipart-upload"
        return ok({"media_id": media_id, "add_path": f"{path}?action=ADD", "finalize_path": f"{path}?action=FINALIZE"})

    def _upload(self, request: requests.PreparedRequest) -> Answer:
        media_id = (request.url or "").split("/media/")[1].split("/")[0]
        if "action=ADD" in (request.url or ""):
            assert b'name="part_number"' in (request.body or b"")
            self.media[media_id]["parts"] += 1
        return ok({})

    def _read(self, request: requests.PreparedRequest) -> Answer:
        item = self.media[(request.url or "").rsplit("/", 1)[1]]
        status = "READY" if item["parts"] else "PENDING_UPLOAD"
        return ok({"media": [{"sub_request_status": "SUCCESS", "media": {"name": item["name"],
                                                                          "media_status": status}}]})

    def install_ok(self) -> None:
        self.mock.add_callback(responses.POST, f"{API}/public_profiles/{PROFILE}/spotlights", callback=self._create)
        self.mock.add_callback(responses.GET, re.compile(re.escape(f"{API}/public_profiles/{PROFILE}/") +
                                                         r"(stories|spotlights)\?limit=50$"), callback=self._list)

    def _create(self, request: requests.PreparedRequest) -> Answer:
        body = json.loads(request.body or b"{}")
        assert body["locale"] == "en_US" and body["skip_save_to_profile"] is False
        spotlight = {"id": str(uuid.uuid4()), "media_id": body["media_id"], "description": body["description"],
                     "created_at": datetime.now(UTC).isoformat().replace("+00:00", "Z")}
        self.spotlights.append(spotlight)
        return ok({"spotlights": [{"sub_request_status": "SUCCESS", "spotlight": spotlight}]})

    def _list(self, request: requests.PreparedRequest) -> Answer:
        if "/stories" in (request.url or ""):
            return ok({"stories": []})
        return ok({"spotlights": [{"sub_request_status": "SUCCESS", "spotlight": s}
                                  for s in reversed(self.spotlights)]})

    def fail_create(self, status: int, code: str, message: str, headers: dict[str, str] | None = None) -> None:
        self.mock.add(responses.POST, f"{API}/public_profiles/{PROFILE}/spotlights", status=status,
                      body=snap_error(status, code, message), headers={**JSON, **(headers or {})})

    def raise_on_create(self, exc: Exception) -> None:
        self.mock.add(responses.POST, f"{API}/public_profiles/{PROFILE}/spotlights", body=exc)


class TestSnapchatContractWithFixtures(AdapterContract):
    @pytest.fixture(autouse=True)
    def _fake(self, settings: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
        settings.PLATFORM_ORIGINS = {}  # the real hosts, which `responses` intercepts
        monkeypatch.setattr(media, "fetch", lambda item: b"\x00\x00\x00\x18ftypmp42" + bytes(64))
        with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
            self.fake = FakeSnap(mock)
            yield

    def make_adapter(self) -> SnapchatAdapter:
        return SnapchatAdapter()

    def channel(self) -> ChannelRef:
        return ChannelRef(platform="snapchat", external_id=PROFILE, handle="smo_brand",
                          credentials=Credentials(access_token=ACCESS_TOKEN, refresh_token="snap-refresh-4e2a"))

    def request(self, text: str | None = None) -> PublishRequest:
        return PublishRequest(channel=self.channel(), text=text or f"Contract spotlight {uuid.uuid4().hex[:12]}",
                              media=(CLIP,), options={"placement": "spotlight"})

    @contextmanager
    def scenario(self, name: str, request: PublishRequest) -> Iterator[None]:
        fake = self.fake
        if name == "ok":
            fake.install_ok()
        elif name == "duplicate":  # unverified code; Snap documents no duplicate check, this is its 400 shape
            fake.fail_create(400, "E1006", "description may hold at most 160 characters.")
        elif name == "auth_expired":
            fake.fail_create(401, "E3001", "Unauthorized: the access token is invalid or expired.")
        elif name == "rate_limited":
            fake.fail_create(429, "E3005", "Too many requests.", {"Retry-After": "30"})
        elif name == "connect_error":
            url = f"{API}/public_profiles/{PROFILE}/spotlights"
            reason = NewConnectionError(None, "Failed to establish a new connection: [Errno 111] Connection refused")
            fake.raise_on_create(requests.ConnectionError(MaxRetryError(None, url, reason)))  # type: ignore[arg-type]
        elif name == "timeout_after_send":
            fake.raise_on_create(requests.ReadTimeout("Read timed out. (read timeout=20.0)"))
        else:
            raise ValueError(name)
        yield

    def test_spotlight_sends_the_description_and_the_fingerprinted_media_name(self) -> None:
        self.fake.install_ok()
        adapter, request = self.make_adapter(), self.request("Behind the scenes #launch")
        result = adapter.publish(request)
        created = self.fake.spotlights[-1]
        assert (created["id"], created["description"]) == (result.external_id, "Behind the scenes #launch")
        assert self.fake.media[created["media_id"]]["name"] == "smo-" + adapter.fingerprint(request)[:40]
        assert result.permalink == f"https://www.snapchat.com/spotlight/{result.external_id}"

    def test_an_error_inside_a_200_is_still_an_error(self) -> None:
        self.fake.mock.add(responses.POST, f"{API}/public_profiles/{PROFILE}/spotlights", status=200, headers=JSON,
                           body=snap_error(200, "E3003", "This app may not act for this profile."))
        with pytest.raises(ContentRejected) as caught:
            self.make_adapter().publish(self.request())
        assert "may not act for this profile" in str(caught.value)

    def test_forbidden_names_the_allowlist_and_a_read_5xx_is_transient(self) -> None:
        self.fake.fail_create(403, "E3003", "This app may not act for this profile.")
        with pytest.raises(NotSupported) as refused:
            self.make_adapter().publish(self.request())
        assert "allowlist" in refused.value.message
        self.fake.mock.add(responses.GET, f"{API}/public_profiles/{PROFILE}/stories?limit=50", status=502,
                           body=snap_error(502, "E4001", "Upstream failure"), headers=JSON)
        with pytest.raises(TransientError):
            self.make_adapter().find_published(self.channel(), "f" * 64, datetime.now(UTC))
