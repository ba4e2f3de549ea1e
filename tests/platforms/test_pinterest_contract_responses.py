"""The adapter contract for Pinterest against `responses` fixtures shaped like API v5 (reference §6), plus
request shapes, pagination, and the OAuth token calls with Basic client authentication."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs

import pytest
import requests
import responses
from urllib3.exceptions import MaxRetryError, NewConnectionError

from platforms.errors import AuthExpired, NotSupported, RateLimited, TransientError
from platforms.pinterest import PinterestAdapter
from platforms.types import ChannelRef, Credentials, MediaItem, PublishRequest
from tests.platforms.contract import AdapterContract

API = "https://api.pinterest.com/v5"
ACCESS_TOKEN = "pina_AMAZQ3QWADCHEAAAGAAK4DL5contractfixture"
BOARD = "549755885175"
IMAGE = MediaItem(url="https://smo.example/m/flower.jpg", mime_type="image/jpeg")
JSON = {"Content-Type": "application/json"}
# Shaped like Pinterest's answers: a Pin (201 from POST /v5/pins) and the error body.
PIN = {"id": "813744226420795884", "created_at": "2026-03-01T10:00:00", "link": None, "title": "",
       "description": "", "alt_text": None, "board_id": BOARD, "board_section_id": None,
       "board_owner": {"username": "smo_demo"}, "is_owner": True, "dominant_color": "#e4e4e4",
       "parent_pin_id": None, "note": "", "creative_type": "REGULAR",
       "media": {"media_type": "image", "images": {"originals": {"url": IMAGE.url, "width": 1000, "height": 1500}}}}


def connect_refused(url: str) -> requests.ConnectionError:
    reason = NewConnectionError(None, "Failed to establish a new connection: [Errno 111] Connection refused")
    return requests.ConnectionError(MaxRetryError(None, url, reason))  # type: ignore[arg-type]


class FakePinterest:
    """POST /v5/pins and GET /v5/pins over `responses`: created Pins are listed newest first."""

    def __init__(self, mock: responses.RequestsMock) -> None:
        self.mock = mock
        self.pins: list[dict[str, Any]] = []
        self.bodies: list[dict[str, Any]] = []

    def install_ok(self) -> None:
        self.mock.add_callback(responses.POST, f"{API}/pins", callback=self._create)
        self.mock.add_callback(responses.GET, f"{API}/pins", callback=self._list)

    def _create(self, request: requests.PreparedRequest) -> tuple[int, dict[str, str], str]:
        assert request.headers["Authorization"] == f"Bearer {ACCESS_TOKEN}"
        body = json.loads(request.body or b"{}")
        self.bodies.append(body)
        pin = {**PIN, "id": str(813744226420795884 + len(self.pins)), "description": body.get("description", ""),
               "title": body.get("title", ""), "link": body.get("link"), "board_id": body["board_id"],
               "created_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S")}
        self.pins.append(pin)
        return 201, JSON, json.dumps(pin)

    def _list(self, request: requests.PreparedRequest) -> tuple[int, dict[str, str], str]:
        return 200, JSON, json.dumps({"items": list(reversed(self.pins)), "bookmark": None})

    def fail_create(self, status: int, code: int, message: str, headers: dict[str, str] | None = None) -> None:
        self.mock.add(responses.POST, f"{API}/pins", json={"code": code, "message": message}, status=status,
                      headers=headers or {})

    def raise_on_create(self, exc: Exception) -> None:
        self.mock.add(responses.POST, f"{API}/pins", body=exc)


class TestPinterestContractWithFixtures(AdapterContract):
    @pytest.fixture(autouse=True)
    def _fake(self, settings: Any) -> Iterator[None]:
        settings.PLATFORM_ORIGINS = {}  # talk to the real hosts, which `responses` intercepts
        settings.PINTEREST_APP_ID, settings.PINTEREST_APP_SECRET = "1484362", "app-secret-7f2e"
        with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
            self.fake = FakePinterest(mock)
            yield

    def make_adapter(self) -> PinterestAdapter:
        return PinterestAdapter()

    def channel(self) -> ChannelRef:
        creds = Credentials(access_token=ACCESS_TOKEN, refresh_token="pinr_contract_refresh_9d1c")
        return ChannelRef(platform="pinterest", external_id="1130000000000000001", handle="smo_demo",
                          credentials=creds)

    def request(self, text: str | None = None, **changes: Any) -> PublishRequest:
        base = super().request(text)
        fields = {"media": (IMAGE,), "options": {"board": BOARD}, **changes}
        return PublishRequest(channel=base.channel, text=base.text, **fields)

    @contextmanager
    def scenario(self, name: str, request: PublishRequest) -> Iterator[None]:
        fake = self.fake
        if name == "ok":
            fake.install_ok()
        elif name == "duplicate":  # no duplicate check on Pinterest: a refused Pin is the permanent case
            fake.fail_create(400, 1, "Invalid parameters.")
        elif name == "auth_expired":
            fake.fail_create(401, 2, "Authentication failed.")
        elif name == "rate_limited":
            fake.fail_create(429, 29, "You have exceeded your rate limit. Try again later.",
                             {"X-RateLimit-Limit": "1000", "X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "42"})
        elif name == "connect_error":
            fake.raise_on_create(connect_refused(f"{API}/pins"))
        elif name == "timeout_after_send":
            fake.raise_on_create(requests.ReadTimeout("Read timed out. (read timeout=20.0)"))
        else:
            raise ValueError(name)
        yield

    # -- request shapes ------------------------------------------------------------------------

    def test_image_pin_body(self) -> None:
        self.fake.install_ok()
        request = self.request("Spring tulips", link="https://example.com/t",
                               options={"board": BOARD, "title": "Tulips", "alt_text": "Red tulips"})
        self.make_adapter().publish(request)
        assert self.fake.bodies[-1] == {
            "board_id": BOARD, "title": "Tulips", "description": "Spring tulips", "link": "https://example.com/t",
            "alt_text": "Red tulips", "media_source": {"source_type": "image_url", "url": IMAGE.url}}

    def test_carousel_body_lists_every_image(self) -> None:
        self.fake.install_ok()
        images = tuple(MediaItem(url=f"https://smo.example/m/{n}.png", mime_type="image/png") for n in range(2))
        self.make_adapter().publish(self.request("Two looks", media=images))
        source = self.fake.bodies[-1]["media_source"]
        assert source["source_type"] == "multiple_image_urls"
        assert [item["url"] for item in source["items"]] == [m.url for m in images]

    def test_rate_limit_uses_the_reset_seconds(self) -> None:
        self.fake.fail_create(429, 29, "Rate limit", {"X-RateLimit-Reset": "42"})
        error = self.expect_error(RateLimited, lambda: self.make_adapter().publish(self.request()))
        assert isinstance(error, RateLimited) and error.retry_at is not None
        wait = (error.retry_at - datetime.now(UTC)).total_seconds()
        assert 35 < wait <= 42

    def test_find_published_ignores_pins_older_than_since(self) -> None:
        self.fake.install_ok()
        adapter, request = self.make_adapter(), self.request("Old and new")
        adapter.publish(request)
        self.fake.pins[-1]["created_at"] = "2020-01-01T00:00:00"
        assert adapter.find_published(self.channel(), adapter.fingerprint(request),
                                      datetime.now(UTC) - timedelta(minutes=1)) is None

    # -- verify and OAuth ----------------------------------------------------------------------

    def test_verify_reads_the_account_and_every_board_page(self) -> None:
        mock = self.fake.mock
        mock.add(responses.GET, f"{API}/user_account", json={"account_type": "BUSINESS", "id": "77", "username":
                 "smo_demo", "business_name": "SMO Demo", "profile_image": "https://i.pinimg.com/a.jpg"})
        mock.add(responses.GET, f"{API}/boards", json={"items": [{"id": "1", "name": "One"}], "bookmark": "b2"},
                 match=[responses.matchers.query_param_matcher({"page_size": "250"})])
        mock.add(responses.GET, f"{API}/boards", json={"items": [{"id": "2", "name": "Two"}], "bookmark": None},
                 match=[responses.matchers.query_param_matcher({"page_size": "250", "bookmark": "b2"})])
        account = self.make_adapter().verify(self.channel())
        assert (account.external_id, account.handle, account.display_name) == ("77", "smo_demo", "SMO Demo")
        assert account.info == {"boards": [{"value": "1", "label": "One"}, {"value": "2", "label": "Two"}]}

    def test_code_exchange_uses_basic_auth_and_form(self) -> None:
        self.fake.mock.add(responses.POST, f"{API}/oauth/token", json={
            "access_token": "pina_new", "refresh_token": "pinr_new", "response_type": "authorization_code",
            "token_type": "bearer", "expires_in": 2592000, "refresh_token_expires_in": 31536000,
            "scope": "boards:read,pins:write"})
        grant = self.make_adapter().exchange_code("code-123", "https://smo.example/cb", "")
        sent = self.fake.mock.calls[-1].request
        assert sent.headers["Authorization"] == "Basic " + base64.b64encode(b"1484362:app-secret-7f2e").decode()
        assert parse_qs(sent.body) == {"grant_type": ["authorization_code"], "code": ["code-123"],
                                       "redirect_uri": ["https://smo.example/cb"]}
        assert (grant.access_token, grant.refresh_token, grant.scopes) == ("pina_new", "pinr_new",
                                                                         ("boards:read", "pins:write"))
        assert grant.expires_at and grant.expires_at > datetime.now(UTC) + timedelta(days=29)

    def test_token_endpoint_failures(self) -> None:
        token_url = f"{API}/oauth/token"
        self.fake.mock.add(responses.POST, token_url, status=400, json={"code": 1, "message": "Invalid refresh token."})
        with pytest.raises(AuthExpired) as dead:
            self.make_adapter().refresh(self.channel())
        assert "pinr_contract_refresh_9d1c" not in dead.value.message
        self.fake.mock.add(responses.POST, token_url, status=401, json={"code": 2, "message": "Authentication failed."})
        with pytest.raises(NotSupported):
            self.make_adapter().refresh(self.channel())
        self.fake.mock.add(responses.POST, token_url, status=503, json={"code": 9, "message": "Unavailable"})
        with pytest.raises(TransientError):
            self.make_adapter().refresh(self.channel())
