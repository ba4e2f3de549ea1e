"""The TikTok dialect over real HTTP: OAuth with rotating refresh tokens, creator info, both init
sources, chunked uploads with Content-Range checks, status progression, the error envelope, rate limits."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from platforms.sandbox.testing import SandboxProcess

MIB = 1024 * 1024
REDIRECT = "https://smo.example/connect/tiktok/callback"


class TikTok:
    def __init__(self, sb: SandboxProcess, token: str) -> None:
        self.base, self.sb = f"{sb.base_url}/tiktok", sb
        self.headers = {"Authorization": f"Bearer {token}"}

    def post(self, path: str, body: dict[str, Any]) -> requests.Response:
        return requests.post(f"{self.base}{path}", json=body, headers=self.headers, timeout=10)

    def init_file(self, size: int, chunk: int, count: int, privacy: str = "PUBLIC_TO_EVERYONE") -> requests.Response:
        return self.post("/v2/post/publish/video/init/", {
            "post_info": {"title": "Clip", "privacy_level": privacy},
            "source_info": {"source": "FILE_UPLOAD", "video_size": size, "chunk_size": chunk,
                            "total_chunk_count": count}})

    def put(self, upload_url: str, data: bytes, first: int, total: int) -> requests.Response:
        local = self.sb.base_url + "/tiktok-upload" + upload_url.split("open-upload.tiktokapis.com", 1)[1]
        return requests.put(local, data=data, timeout=30, headers={
            "Content-Type": "video/mp4", "Content-Range": f"bytes {first}-{first + len(data) - 1}/{total}"})

    def status(self, publish_id: str) -> dict[str, Any]:
        return self.post("/v2/post/publish/status/fetch/", {"publish_id": publish_id}).json()["data"]


@pytest.fixture
def tiktok(sb: SandboxProcess) -> TikTok:
    return TikTok(sb, sb.mint_token("tiktok", "smo_demo")["access_token"])


def authorize(sb: SandboxProcess) -> str:
    query = {"client_key": "ck", "scope": "user.info.basic,video.publish", "response_type": "code",
             "redirect_uri": REDIRECT, "state": "s1"}
    consent = requests.get(f"{sb.base_url}/tiktok/v2/auth/authorize/", params=query, timeout=10)
    assert consent.status_code == 200 and "Approve" in consent.text
    answer = requests.post(f"{sb.base_url}/tiktok/v2/auth/authorize/", data={**query, "decision": "approve",
                           "username": "smo_demo"}, allow_redirects=False, timeout=10)
    assert answer.status_code == 302
    params = parse_qs(urlsplit(answer.headers["Location"]).query)
    assert params["state"] == ["s1"]
    return params["code"][0]


def token(sb: SandboxProcess, **form: str) -> requests.Response:
    return requests.post(f"{sb.base_url}/tiktok/v2/oauth/token/", timeout=10,
                         data={"client_key": "ck", "client_secret": "cs", **form})


def test_code_exchange_then_refresh_rotates_and_the_old_refresh_token_stops_working(sb: SandboxProcess) -> None:
    first = token(sb, code=authorize(sb), grant_type="authorization_code", redirect_uri=REDIRECT).json()
    assert first["open_id"] and first["expires_in"] == 86400 and first["scope"] == "user.info.basic,video.publish"
    second = token(sb, grant_type="refresh_token", refresh_token=first["refresh_token"]).json()
    assert second["refresh_token"] != first["refresh_token"]
    replay = token(sb, grant_type="refresh_token", refresh_token=first["refresh_token"])
    assert replay.status_code == 400 and replay.json()["error"] == "invalid_grant" and replay.json()["log_id"]
    assert token(sb, grant_type="refresh_token", refresh_token=second["refresh_token"]).status_code == 200


def test_denied_consent_redirects_with_access_denied(sb: SandboxProcess) -> None:
    query = {"client_key": "ck", "scope": "video.publish", "response_type": "code", "redirect_uri": REDIRECT,
             "state": "s2", "decision": "deny"}
    answer = requests.post(f"{sb.base_url}/tiktok/v2/auth/authorize/", data=query, allow_redirects=False, timeout=10)
    assert parse_qs(urlsplit(answer.headers["Location"]).query)["error"] == ["access_denied"]


def test_creator_info_and_the_error_envelope(sb: SandboxProcess, tiktok: TikTok) -> None:
    info = tiktok.post("/v2/post/publish/creator_info/query/", {}).json()
    assert info["error"]["code"] == "ok" and info["data"]["creator_username"] == "smo_demo"
    assert "SELF_ONLY" in info["data"]["privacy_level_options"]
    bad = TikTok(sb, "not-a-token").post("/v2/post/publish/creator_info/query/", {})
    assert bad.status_code == 401
    assert bad.json()["data"] == {} and bad.json()["error"]["code"] == "access_token_invalid"
    assert bad.json()["error"]["log_id"]


def test_chunked_upload_checks_ranges_then_completes_and_publishes(sb: SandboxProcess, tiktok: TikTok) -> None:
    size = 12 * MIB  # two chunks: 5 MB, then the remaining 7 MB
    assert tiktok.init_file(size, 5 * MIB, 3).json()["error"]["code"] == "invalid_params"  # floor(12/5) is 2
    init = tiktok.init_file(size, 5 * MIB, 2).json()["data"]
    assert init["publish_id"].startswith("v_pub_file~")
    data = bytes(size)
    assert tiktok.put(init["upload_url"], data[5 * MIB:], 5 * MIB, size).status_code == 416  # out of order
    assert tiktok.status(init["publish_id"])["status"] == "PROCESSING_UPLOAD"
    assert tiktok.put(init["upload_url"], data[:5 * MIB], 0, size).status_code == 206
    assert tiktok.status(init["publish_id"])["uploaded_bytes"] == 5 * MIB
    assert sb.creates("tiktok") == []  # nothing is published before the last byte
    assert tiktok.put(init["upload_url"], data[5 * MIB:], 5 * MIB, size).status_code == 201
    assert [s["status"] for s in (tiktok.status(init["publish_id"]), tiktok.status(init["publish_id"]))] == \
        ["PROCESSING_DOWNLOAD", "PUBLISH_COMPLETE"]
    done = tiktok.status(init["publish_id"])
    assert [str(i) for i in done["publicaly_available_post_id"]] == [sb.creates("tiktok")[0]["id"]]


def test_pull_from_url_photo_and_failure_switch(sb: SandboxProcess, tiktok: TikTok) -> None:
    photo = tiktok.post("/v2/post/publish/content/init/", {
        "media_type": "PHOTO", "post_mode": "DIRECT_POST",
        "post_info": {"title": "Trip", "description": "Our trip", "privacy_level": "SELF_ONLY"},
        "source_info": {"source": "PULL_FROM_URL", "photo_cover_index": 0,
                        "photo_images": ["https://m.example/1.jpg", "https://m.example/2.jpg"]}}).json()["data"]
    assert re.match(r"^p_pub_url~", photo["publish_id"])
    tiktok.status(photo["publish_id"])
    private = tiktok.status(photo["publish_id"])
    assert private["status"] == "PUBLISH_COMPLETE" and private["publicaly_available_post_id"] == []
    assert sb.creates("tiktok")[0]["text"] == "Our trip"
    sb.set_faults({"tiktok_fail_reason": "video_pull_failed", "tiktok_status_polls": 0})
    video = tiktok.post("/v2/post/publish/video/init/", {
        "post_info": {"title": "Pulled", "privacy_level": "PUBLIC_TO_EVERYONE"},
        "source_info": {"source": "PULL_FROM_URL", "video_url": "https://m.example/v.mp4"}}).json()["data"]
    failed = tiktok.status(video["publish_id"])
    assert failed["status"] == "FAILED" and failed["fail_reason"] == "video_pull_failed"
    assert len(sb.creates("tiktok")) == 1


def test_privacy_rules_and_the_init_rate_limit(sb: SandboxProcess, tiktok: TikTok) -> None:
    sb.set_faults({"tiktok_privacy_levels": ["SELF_ONLY"]})
    mismatch = tiktok.init_file(1000, 1000, 1)
    assert mismatch.status_code == 400 and mismatch.json()["error"]["code"] == "privacy_level_option_mismatch"
    sb.set_faults({"tiktok_unaudited": True})
    unaudited = tiktok.init_file(1000, 1000, 1).json()["error"]["code"]
    assert unaudited == "unaudited_client_can_only_post_to_private_accounts"
    sb.set_faults({"tiktok_init_per_minute": 3})  # the two refused inits above count: every request does
    allowed = tiktok.init_file(1000, 1000, 1, "SELF_ONLY")
    limited = tiktok.init_file(1000, 1000, 1, "SELF_ONLY")
    assert allowed.status_code == 200 and limited.status_code == 429
    assert limited.json()["error"]["code"] == "rate_limit_exceeded"


def test_injected_faults_use_the_envelope_and_video_list_finds_posts(sb: SandboxProcess, tiktok: TikTok) -> None:
    sb.set_faults({"platform": "tiktok", "match": "POST /v2/post/publish/video/init/", "count": 1,
                   "error_rates": {"503": 1.0}})
    fault = tiktok.init_file(1000, 1000, 1)
    assert fault.status_code == 503 and fault.json()["error"]["code"] == "internal_error"
    tiktok.post("/v2/post/publish/video/init/", {
        "post_info": {"title": "Listed", "privacy_level": "PUBLIC_TO_EVERYONE"},
        "source_info": {"source": "PULL_FROM_URL", "video_url": "https://m.example/v.mp4"}})
    listed = requests.post(f"{tiktok.base}/v2/video/list/?fields=id,video_description", json={"max_count": 20},
                           headers=tiktok.headers, timeout=10).json()["data"]
    assert [v["video_description"] for v in listed["videos"]] == ["Listed"]
    feed = requests.get(f"{sb.base_url}/tiktok/feed/smo_demo", timeout=10)
    assert feed.status_code == 200 and "Listed" in feed.text
