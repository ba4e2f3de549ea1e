"""The Pinterest dialect over real HTTP: OAuth with Basic client auth, boards, Pins, the video upload flow,
Pinterest's error bodies and rate-limit headers, and the boards page."""

from __future__ import annotations

import base64
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
import requests

from tests.platforms.sandbox_browser import sandbox_decide

BOARD = "1130000000000100001"  # smo_demo's "Spring launch"
IMAGE = {"source_type": "image_url", "url": "https://smo.example/m/a.jpg"}
REDIRECT = "https://smo.example/callback"


def basic(client_id: str = "smo-app", secret: str = "smo-secret") -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{client_id}:{secret}".encode()).decode()}


class Api:
    def __init__(self, sb: Any, token: str) -> None:
        self.base, self.headers = f"{sb.base_url}/pinterest/v5", {"Authorization": f"Bearer {token}"}

    def get(self, path: str, **params: Any) -> requests.Response:
        return requests.get(self.base + path, params=params, headers=self.headers, timeout=10)

    def post(self, path: str, body: dict[str, Any]) -> requests.Response:
        return requests.post(self.base + path, json=body, headers=self.headers, timeout=10)


@pytest.fixture
def api(sb: Any) -> Api:
    return Api(sb, sb.mint_token("pinterest", "smo_demo")["access_token"])


def authorize_url(sb: Any, **overrides: str) -> str:
    params = {"client_id": "smo-app", "redirect_uri": REDIRECT, "response_type": "code",
              "scope": "boards:read,pins:write", "state": "st-1", **overrides}
    return f"{sb.base_url}/pinterest/oauth/?{urlencode(params)}"


def token(sb: Any, form: dict[str, str], headers: dict[str, str] | None = None) -> requests.Response:
    return requests.post(f"{sb.base_url}/pinterest/v5/oauth/token", data=form, timeout=10,
                         headers=basic() if headers is None else headers)


def test_oauth_code_exchange_refresh_and_replay(sb: Any) -> None:
    location = sandbox_decide(authorize_url(sb), "new_pinner")
    query = parse_qs(urlsplit(location).query)
    assert location.startswith(REDIRECT) and query["state"] == ["st-1"]
    form = {"grant_type": "authorization_code", "code": query["code"][0], "redirect_uri": REDIRECT}
    assert token(sb, form, headers={}).status_code == 401  # Basic client auth is required
    granted = token(sb, form)
    assert granted.status_code == 200, granted.text
    body = granted.json()
    assert body["scope"] == "boards:read,pins:write" and body["expires_in"] == 30 * 86400 and body["refresh_token"]
    boards = Api(sb, body["access_token"]).get("/boards").json()["items"]
    assert [b["name"] for b in boards] == ["Ideas", "Products"]  # a new account gets default boards
    refreshed = token(sb, {"grant_type": "refresh_token", "refresh_token": body["refresh_token"]}).json()
    assert refreshed["access_token"] != body["access_token"] and "refresh_token" not in refreshed
    replay = token(sb, form)
    assert replay.status_code == 400 and replay.json() == {"code": 1, "message": "Invalid authorization code."}
    assert Api(sb, body["access_token"]).get("/user_account").status_code == 401  # the replay revoked the grant


def test_deny_and_bad_authorize_requests(sb: Any) -> None:
    denied = parse_qs(urlsplit(sandbox_decide(authorize_url(sb), "smo_demo", decision="deny")).query)
    assert denied == {"error": ["access_denied"], "state": ["st-1"]}
    page = requests.get(authorize_url(sb, scope="pins:launch_missiles"), timeout=10)
    assert page.status_code == 400 and "Unknown scope" in page.text


def test_boards_page_through_bookmarks(api: Api) -> None:
    first = api.get("/boards", page_size=2).json()
    second = api.get("/boards", page_size=2, bookmark=first["bookmark"]).json()
    names = [b["name"] for b in first["items"] + second["items"]]
    assert names == ["Spring launch", "Recipes", "Behind the scenes"] and second["bookmark"] is None


def test_pin_create_get_and_list(api: Api) -> None:
    created = api.post("/pins", {"board_id": BOARD, "title": "Tulips", "description": "Spring",
                                 "link": "https://example.com", "media_source": IMAGE})
    assert created.status_code == 201, created.text
    pin = created.json()
    assert (pin["board_id"], pin["title"], pin["description"], pin["media"]["media_type"]) == (
        BOARD, "Tulips", "Spring", "image")
    assert api.get(f"/pins/{pin['id']}").json() == pin
    assert [p["id"] for p in api.get("/pins").json()["items"]] == [pin["id"]]
    assert [p["id"] for p in api.get(f"/boards/{BOARD}/pins").json()["items"]] == [pin["id"]]


@pytest.mark.parametrize(("body", "status", "message"), [
    ({"board_id": "42", "media_source": IMAGE}, 404, "Board not found."),
    ({"board_id": BOARD, "media_source": {"source_type": "image_url", "url": "ftp://x"}}, 400, "Unable to reach"),
    ({"board_id": BOARD, "media_source": {"source_type": "multiple_image_urls", "items": [IMAGE] * 6}}, 400,
     "maxItems=5"),
    ({"board_id": BOARD, "title": "t" * 101, "media_source": IMAGE}, 400, "maxLength=100"),
    ({"board_id": BOARD, "media_source": {"source_type": "video_id", "media_id": "1"}}, 400, "media"),
])
def test_pin_refusals_use_pinterest_error_bodies(api: Api, body: dict[str, Any], status: int, message: str) -> None:
    refused = api.post("/pins", body)
    assert refused.status_code == status and message in refused.json()["message"]
    assert isinstance(refused.json()["code"], int)


def test_video_register_upload_process_and_pin(sb: Any, api: Api) -> None:
    registered = api.post("/media", {"media_type": "video"}).json()
    media_id, params = registered["media_id"], registered["upload_parameters"]
    assert registered["upload_url"] == "https://pinterest-media-upload.s3-accelerate.amazonaws.com/"
    assert api.get(f"/media/{media_id}").json()["status"] == "registered"
    upload = f"{sb.base_url}/pinterest-upload/"
    forged = requests.post(upload, data={**params, "x-amz-signature": "0"}, files={"file": b"v"}, timeout=10)
    assert forged.status_code == 403 and "<Code>AccessDenied</Code>" in forged.text
    assert requests.post(upload, data=params, files={"file": ("v.mp4", b"video", "video/mp4")},
                         timeout=10).status_code == 204
    assert api.get(f"/media/{media_id}").json()["status"] == "processing"
    early = {"board_id": BOARD, "media_source": {"source_type": "video_id", "media_id": media_id,
                                                 "cover_image_key_frame_time": 0}}
    assert api.post("/pins", early).status_code == 400  # still processing
    assert api.get(f"/media/{media_id}").json()["status"] == "succeeded"
    pin = api.post("/pins", early).json()
    assert pin["media"]["media_type"] == "video" and pin["creative_type"] == "VIDEO"


def test_failed_processing_switch(sb: Any, api: Api) -> None:
    sb.set_faults({"pinterest_media_processing_polls": 0, "pinterest_media_final": "failed"})
    registered = api.post("/media", {"media_type": "video"}).json()
    requests.post(registered["upload_url"].replace("https://pinterest-media-upload.s3-accelerate.amazonaws.com",
                                                   f"{sb.base_url}/pinterest-upload"),
                  data=registered["upload_parameters"], files={"file": b"video"}, timeout=10)
    assert api.get(f"/media/{registered['media_id']}").json()["status"] == "failed"


def test_rate_limits_answer_429_with_headers(sb: Any, api: Api) -> None:
    ok = api.get("/user_account")
    assert ok.headers["X-RateLimit-Limit"] == "1000" and int(ok.headers["X-RateLimit-Remaining"]) < 1000
    sb.set_faults({"platform": "pinterest", "match": "POST /v5/pins", "rate_limited": {"reset_in_s": 30}})
    limited = api.post("/pins", {"board_id": BOARD, "media_source": IMAGE})
    assert limited.status_code == 429 and limited.json()["code"] == 29
    assert limited.headers["X-RateLimit-Remaining"] == "0" and 0 < int(limited.headers["Retry-After"]) <= 31
    sb.set_faults({"pinterest_requests_per_minute": 1})
    api.get("/user_account")
    assert api.get("/user_account").status_code == 429


def test_boards_page_shows_pins_per_board_escaped(sb: Any, api: Api) -> None:
    pin = api.post("/pins", {"board_id": BOARD, "title": "<b>bold</b>", "description": "<script>x</script>",
                             "media_source": IMAGE}).json()
    page = requests.get(f"{sb.base_url}/pinterest/boards/smo_demo", timeout=10).text
    assert "&lt;script&gt;x&lt;/script&gt;" in page and "<script>x" not in page and "&lt;b&gt;bold" in page
    assert page.index("Spring launch") < page.index(pin["id"]) < page.index("Recipes")
    moved = requests.get(f"{sb.base_url}/pinterest/pin/{pin['id']}/", allow_redirects=False, timeout=10)
    assert moved.status_code == 302 and moved.headers["Location"] == f"/pinterest/boards/smo_demo#p{pin['id']}"
