"""The Snapchat dialect over real HTTP: Snap's OAuth pages and token endpoint, the encrypted media
container flow, story and spotlight creates in Snap's envelope and error format, and the profile page."""

from __future__ import annotations

import base64
import os
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
import requests
from cryptography.hazmat.primitives import padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from platforms.sandbox.testing import SandboxProcess
from tests.platforms.sandbox_browser import sandbox_decide

MP4 = b"\x00\x00\x00\x18ftypisom" + os.urandom(3000)
JPEG = b"\xff\xd8\xff\xe0" + os.urandom(500)
REDIRECT = "https://smo.example/w/acme/channels/callback/snapchat/"


def encrypt(data: bytes, key: bytes, iv: bytes) -> bytes:
    padder = padding.PKCS7(128).padder()
    encryptor = Cipher(algorithms.AES(key), modes.CBC(iv)).encryptor()
    return encryptor.update(padder.update(data) + padder.finalize()) + encryptor.finalize()


class Snap:
    def __init__(self, sb: SandboxProcess, account: str = "smo_demo_snap") -> None:
        self.base = f"{sb.base_url}/snapchat"
        minted = sb.mint_token("snapchat", account)
        self.profile = minted["account_id"]
        self.session = requests.Session()
        self.session.headers["Authorization"] = f"Bearer {minted['access_token']}"

    def call(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        return self.session.request(method, f"{self.base}{path}", timeout=10, **kwargs)

    def upload(self, data: bytes, kind: str = "VIDEO", *, wrong_key: bool = False) -> str:
        key, iv = os.urandom(32), os.urandom(16)
        created = self.call("POST", f"/v1/public_profiles/{self.profile}/media", json={
            "type": kind, "name": "clip", "key": base64.b64encode(key).decode(), "iv": base64.b64encode(iv).decode()})
        assert created.status_code == 200, created.text
        body = created.json()
        encrypted = encrypt(data, os.urandom(32) if wrong_key else key, iv)
        half = len(encrypted) // 32 * 16
        for number, part in enumerate((encrypted[:half], encrypted[half:]), start=1):
            added = self.call("POST", body["add_path"], data={"part_number": str(number)}, files={"file": part})
            assert added.status_code == 200, added.text
        assert self.call("POST", body["finalize_path"]).status_code == 200
        return body["media_id"]

    def ready(self, media_id: str) -> None:
        states = [self.status(media_id) for _ in range(3)]
        assert states[-1] == "READY", states

    def status(self, media_id: str) -> str:
        body = self.call("GET", f"/v1/public_profiles/{self.profile}/media/{media_id}").json()
        return body["media"][0]["media"]["media_status"]


@pytest.fixture
def snap(sb: SandboxProcess) -> Snap:
    sb.set_faults({"rules": [], "snapchat_media_polls": 1})
    return Snap(sb)


def test_consent_code_exchange_refresh_and_replay(sb: SandboxProcess) -> None:
    sb.register_client("snapchat", "smo-app", "s3cret")
    query = urlencode({"client_id": "smo-app", "redirect_uri": REDIRECT, "response_type": "code",
                       "scope": "snapchat-profile-api", "state": "st4te"})
    location = sandbox_decide(f"{sb.base_url}/snapchat-accounts/accounts/oauth2/auth?{query}", "brand_profile")
    params = parse_qs(urlsplit(location).query)
    assert location.startswith(REDIRECT) and params["state"] == ["st4te"]
    token_url = f"{sb.base_url}/snapchat-accounts/login/oauth2/access_token"
    form = {"grant_type": "authorization_code", "code": params["code"][0], "redirect_uri": REDIRECT,
            "client_id": "smo-app", "client_secret": "s3cret"}
    assert requests.post(token_url, data={**form, "client_secret": "nope"}, timeout=10).json()["error"] == \
        "invalid_client"
    grant = requests.post(token_url, data=form, timeout=10).json()
    assert grant["token_type"] == "Bearer" and grant["expires_in"] > 0 and grant["refresh_token"]
    refresh = {"grant_type": "refresh_token", "client_id": "smo-app", "client_secret": "s3cret",
               "refresh_token": grant["refresh_token"]}
    refreshed = requests.post(token_url, data=refresh, timeout=10).json()
    assert refreshed["access_token"] != grant["access_token"] and refreshed["refresh_token"] == grant["refresh_token"]
    replay = requests.post(token_url, data=form, timeout=10)
    assert replay.status_code == 400 and replay.json()["error"] == "invalid_grant"
    revoked = requests.post(token_url, data=refresh, timeout=10)  # a replayed code revokes its whole grant
    assert revoked.status_code == 400 and revoked.json()["error"] == "invalid_grant"


def test_deny_and_a_bad_authorize_request(sb: SandboxProcess) -> None:
    query = {"client_id": "smo-app", "redirect_uri": REDIRECT, "response_type": "code", "scope": "snapchat-profile-api",
             "state": "s"}
    denied = sandbox_decide(f"{sb.base_url}/snapchat-accounts/accounts/oauth2/auth?{urlencode(query)}", "x_brand",
                            decision="deny")
    assert parse_qs(urlsplit(denied).query)["error"] == ["access_denied"]
    bad = requests.get(f"{sb.base_url}/snapchat-accounts/accounts/oauth2/auth",
                       params={**query, "scope": "everything"}, timeout=10)
    assert bad.status_code == 400 and "Unknown scope" in bad.text


def test_errors_use_snaps_envelope(snap: Snap, sb: SandboxProcess) -> None:
    other = Snap(sb, "sandbox_snap_fan")
    forbidden = snap.call("POST", f"/v1/public_profiles/{other.profile}/stories", json={"media_id": "x"})
    assert forbidden.status_code == 403
    assert set(forbidden.json()) == {"request_status", "request_id", "debug_message", "display_message", "error_code"}
    assert forbidden.json()["request_status"] == "ERROR"
    anonymous = requests.get(f"{snap.base}/v1/me/public_profiles", timeout=10)
    assert anonymous.status_code == 401 and anonymous.json()["error_code"].startswith("E")
    bad_key = snap.call("POST", f"/v1/public_profiles/{snap.profile}/media",
                        json={"type": "VIDEO", "name": "n", "key": "c2hvcnQ=", "iv": "c2hvcnQ="})
    assert bad_key.status_code == 400


def test_video_processes_then_posts_to_spotlight_once(snap: Snap, sb: SandboxProcess) -> None:
    media_id = snap.upload(MP4)
    path = f"/v1/public_profiles/{snap.profile}/spotlights"
    early = snap.call("POST", path, json={"media_id": media_id, "description": "hi", "locale": "en_US"})
    assert early.status_code == 400 and "not ready" in early.json()["debug_message"]
    assert snap.status(media_id) == "PROCESSING" and snap.status(media_id) == "READY"
    created = snap.call("POST", path, json={"media_id": media_id, "description": "Launch #day", "locale": "en_US",
                                           "skip_save_to_profile": False})
    spotlight = created.json()["spotlights"][0]["spotlight"]
    assert created.json()["request_status"] == "SUCCESS" and spotlight["description"] == "Launch #day"
    listed = snap.call("GET", path, params={"limit": 10}).json()["spotlights"]
    assert [item["spotlight"]["id"] for item in listed] == [spotlight["id"]]
    assert snap.call("GET", f"/v1/public_profiles/{snap.profile}/stories").json()["stories"] == []
    assert [c["id"] for c in sb.creates("snapchat")] == [spotlight["id"]]


def test_spotlight_refuses_a_photo_and_a_long_description(snap: Snap) -> None:
    photo = snap.upload(JPEG, "IMAGE")
    assert snap.status(photo) == "READY"  # photos need no processing
    path = f"/v1/public_profiles/{snap.profile}/spotlights"
    assert snap.call("POST", path, json={"media_id": photo, "description": "x", "locale": "en_US"}).status_code == 400
    story = snap.call("POST", f"/v1/public_profiles/{snap.profile}/stories", json={"media_id": photo})
    assert story.status_code == 200 and story.json()["stories"][0]["story"]["media_id"] == photo
    video = snap.upload(MP4)
    snap.ready(video)
    too_long = snap.call("POST", path, json={"media_id": video, "description": "x" * 161, "locale": "en_US"})
    assert too_long.status_code == 400 and "160" in too_long.json()["debug_message"]


def test_media_encrypted_with_another_key_fails(snap: Snap) -> None:
    media_id = snap.upload(MP4, wrong_key=True)
    assert snap.status(media_id) == "FAILED"


def test_profile_page_escapes_descriptions(snap: Snap, sb: SandboxProcess) -> None:
    video = snap.upload(MP4)
    snap.ready(video)
    snap.call("POST", f"/v1/public_profiles/{snap.profile}/spotlights",
              json={"media_id": video, "description": "<script>alert(1)</script>", "locale": "en_US"})
    page = requests.get(f"{sb.base_url}/snapchat/profile/smo_demo_snap", timeout=10)
    assert page.status_code == 200 and "&lt;script&gt;" in page.text and "<script>" not in page.text
    assert "Spotlight" in page.text
    index = requests.get(f"{sb.base_url}/", timeout=10).text
    assert "/snapchat/profile/smo_demo_snap" in index
