"""The YouTube dialect over real HTTP: OAuth, resumable upload semantics, quota, comments and moderation."""

from __future__ import annotations

import base64
import hashlib
import re
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from platforms.sandbox.testing import SandboxProcess

QUANTUM = 256 * 1024
# The audience simulator looks up a webhook path for every platform unless one is given; YouTube has no webhooks.
UNUSED_HOOK = "http://127.0.0.1:9/unused"
META = {"snippet": {"title": "Launch", "description": "Our launch video", "categoryId": "22"},
        "status": {"privacyStatus": "public"}}


class YouTube:
    def __init__(self, sb: SandboxProcess, account: str = "smo_demo_yt") -> None:
        self.sb = sb
        self.grant = sb.mint_token("youtube", account)
        self.base = f"{sb.base_url}/youtube"
        self.session = requests.Session()
        self.session.headers["Authorization"] = f"Bearer {self.grant['access_token']}"

    def open(self, total: int, meta: dict[str, Any] | None = None) -> requests.Response:
        return self.session.post(f"{self.base}/upload/youtube/v3/videos", timeout=10,
                                 params={"uploadType": "resumable", "part": "snippet,status"}, json=meta or META,
                                 headers={"X-Upload-Content-Length": str(total), "X-Upload-Content-Type": "video/mp4"})

    def session_url(self, total: int) -> str:
        response = self.open(total)
        assert response.status_code == 200, response.text
        location = response.headers["Location"]
        assert location.startswith("https://www.googleapis.com/upload/youtube/v3/videos?")
        return self.base + location.removeprefix("https://www.googleapis.com")

    def put(self, url: str, content_range: str, data: bytes = b"") -> requests.Response:
        return self.session.put(url, data=data, headers={"Content-Range": content_range}, timeout=10,
                                allow_redirects=False)

    def get(self, path: str, **params: Any) -> requests.Response:
        return self.session.get(f"{self.base}/youtube/v3/{path}", params=params, timeout=10)

    def post(self, path: str, body: dict[str, Any], **params: Any) -> requests.Response:
        return self.session.post(f"{self.base}/youtube/v3/{path}", params=params, json=body, timeout=10)


@pytest.fixture
def yt(sb: SandboxProcess) -> YouTube:
    return YouTube(sb)


def upload(yt: YouTube, data: bytes) -> dict[str, Any]:
    url = yt.session_url(len(data))
    response = yt.put(url, f"bytes 0-{len(data) - 1}/{len(data)}", data)
    assert response.status_code == 200, response.text
    return response.json()


def test_resumable_upload_reports_range_and_finishes_with_the_video(yt: YouTube, sb: SandboxProcess) -> None:
    data = bytes(range(256)) * (3 * QUANTUM // 256) + b"tail"
    total = len(data)
    url = yt.session_url(total)
    probe = yt.put(url, f"bytes */{total}")
    assert probe.status_code == 308 and "Range" not in probe.headers  # nothing yet: no Range at all
    first = yt.put(url, f"bytes 0-{2 * QUANTUM - 1}/{total}", data[:2 * QUANTUM])
    assert first.status_code == 308 and first.headers["Range"] == f"bytes=0-{2 * QUANTUM - 1}"
    skipped = yt.put(url, f"bytes {3 * QUANTUM}-{total - 1}/{total}", data[3 * QUANTUM:])
    assert skipped.status_code == 400
    assert "exceeds already uploaded size of 524288" in skipped.json()["error"]["message"]
    rest = yt.put(url, f"bytes {2 * QUANTUM}-{total - 1}/{total}", data[2 * QUANTUM:])
    assert rest.status_code == 200
    video = rest.json()
    assert re.fullmatch(r"[A-Za-z0-9_-]{11}", video["id"]) and video["snippet"]["title"] == "Launch"
    again = yt.put(url, f"bytes */{total}")
    assert again.status_code == 200 and again.json()["id"] == video["id"]  # a finished session answers the video
    assert [c["id"] for c in sb.creates("youtube")] == [video["id"]]
    [log] = requests.get(f"{sb.base_url}/youtube/_uploads", timeout=5).json()["sessions"]
    assert log["received"] == total and [e["kind"] for e in log["events"]] == ["probe", "chunk", "chunk", "chunk",
                                                                                "probe"]


def test_a_partial_block_is_not_kept_and_unknown_sessions_are_404(yt: YouTube) -> None:
    total = 2 * QUANTUM
    url = yt.session_url(total)
    short = yt.put(url, f"bytes 0-{QUANTUM + 99}/{total}", b"a" * (QUANTUM + 100))
    assert short.headers["Range"] == f"bytes=0-{QUANTUM - 1}"  # only whole 256 KiB blocks count
    gone = yt.put(url.replace("upload_id=", "upload_id=nope"), f"bytes */{total}")
    assert gone.status_code == 404 and gone.json()["error"]["code"] == 404


def test_metadata_is_checked_when_the_session_opens(yt: YouTube) -> None:
    bad_title = yt.open(10, {"snippet": {"title": "a<b"}, "status": {}})
    assert bad_title.json()["error"]["errors"][0]["reason"] == "invalidTitle"
    scheduled_public = yt.open(10, {"snippet": {"title": "t"}, "status": {"privacyStatus": "public",
                                                                         "publishAt": "2030-01-01T00:00:00Z"}})
    assert scheduled_public.json()["error"]["errors"][0]["reason"] == "invalidPublishAt"


def test_quota_runs_out_with_googles_403(yt: YouTube, sb: SandboxProcess) -> None:
    sb.set_faults({"rules": [], "youtube_daily_quota": 1601})
    assert yt.open(10).status_code == 200  # 1,600 units
    assert yt.get("channels", part="snippet", mine="true").status_code == 200  # 1 unit: 1,601
    refused = yt.get("channels", part="snippet", mine="true")
    assert refused.status_code == 403
    error = refused.json()["error"]
    assert error["errors"][0] == {**error["errors"][0], "reason": "quotaExceeded", "domain": "youtube.quota"}


def test_channels_playlist_and_thumbnail(yt: YouTube) -> None:
    [channel] = yt.get("channels", part="snippet,contentDetails", mine="true").json()["items"]
    assert channel["id"].startswith("UC") and len(channel["id"]) == 24
    assert channel["snippet"]["customUrl"] == "@smo_demo_yt"
    video = upload(yt, b"v" * 1000)
    playlist = channel["contentDetails"]["relatedPlaylists"]["uploads"]
    [item] = yt.get("playlistItems", part="snippet", playlistId=playlist).json()["items"]
    assert item["snippet"]["resourceId"]["videoId"] == video["id"]
    thumb = yt.session.post(f"{yt.base}/upload/youtube/v3/thumbnails/set", params={"videoId": video["id"]},
                            data=b"\xff\xd8jpeg", headers={"Content-Type": "image/jpeg"}, timeout=10)
    assert thumb.status_code == 200 and thumb.json()["items"][0]["default"]["url"]


def test_comments_replies_and_moderation(yt: YouTube, sb: SandboxProcess) -> None:
    video = upload(yt, b"v" * 10)
    created = requests.post(f"{sb.base_url}/_sandbox/audience", timeout=10, json={
        "platform": "youtube", "account": "smo_demo_yt", "comments": 1, "replies": 1, "webhook_url": UNUSED_HOOK})
    assert created.status_code == 201, created.text
    comment, reply = created.json()["items"]
    assert (comment["kind"], reply["kind"], reply["parent_id"]) == ("comments", "replies", comment["id"])
    threads = yt.get("commentThreads", part="snippet,replies", allThreadsRelatedToChannelId=yt.grant["account_id"])
    [thread] = threads.json()["items"]
    assert thread["snippet"]["videoId"] == video["id"] and thread["snippet"]["totalReplyCount"] == 1
    answer = yt.post("comments", {"snippet": {"parentId": thread["id"], "textOriginal": "Thanks!"}}, part="snippet")
    assert answer.status_code == 200 and answer.json()["id"].startswith(thread["id"] + ".")
    nested = yt.post("comments", {"snippet": {"parentId": answer.json()["id"], "textOriginal": "x"}}, part="snippet")
    assert nested.status_code == 400
    held = yt.session.post(f"{yt.base}/youtube/v3/comments/setModerationStatus", timeout=10,
                           params={"id": thread["id"], "moderationStatus": "heldForReview"})
    assert held.status_code == 204
    assert yt.get("commentThreads", part="snippet", videoId=video["id"]).json()["items"] == []


def _challenge(verifier: str) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()


def test_oauth_consent_code_exchange_and_refresh_keeping_the_refresh_token(sb: SandboxProcess) -> None:
    base = f"{sb.base_url}/youtube"
    params = {"response_type": "code", "client_id": "smo-yt", "redirect_uri": "http://smo.test/cb", "state": "s1",
              "scope": "https://www.googleapis.com/auth/youtube.upload", "access_type": "offline",
              "prompt": "consent", "code_challenge": _challenge("v" * 50), "code_challenge_method": "S256"}
    page = requests.get(f"{base}/o/oauth2/v2/auth", params=params, timeout=10)
    assert page.status_code == 200 and "Approve" in page.text
    decided = requests.post(f"{base}/o/oauth2/v2/auth", data={**params, "decision": "approve",
                                                              "username": "new_creator"},
                            allow_redirects=False, timeout=10)
    query = parse_qs(urlsplit(decided.headers["Location"]).query)
    assert query["state"] == ["s1"]
    form = {"grant_type": "authorization_code", "code": query["code"][0], "redirect_uri": "http://smo.test/cb",
            "client_id": "smo-yt", "client_secret": "secret"}
    assert requests.post(f"{base}/token", data={**form, "code_verifier": "wrong"}, timeout=10).status_code == 400
    grant = requests.post(f"{base}/token", data={**form, "code_verifier": "v" * 50}, timeout=10).json()
    assert grant["refresh_token"] and grant["token_type"] == "Bearer"
    refreshed = requests.post(f"{base}/token", timeout=10, data={
        "grant_type": "refresh_token", "refresh_token": grant["refresh_token"], "client_id": "smo-yt",
        "client_secret": "secret"}).json()
    assert "refresh_token" not in refreshed and refreshed["access_token"] != grant["access_token"]
    again = requests.post(f"{base}/token", timeout=10, data={
        "grant_type": "refresh_token", "refresh_token": grant["refresh_token"], "client_id": "smo-yt",
        "client_secret": "secret"})
    assert again.status_code == 200  # Google does not rotate refresh tokens
    denied = requests.post(f"{base}/o/oauth2/v2/auth", data={**params, "decision": "deny"}, allow_redirects=False,
                           timeout=10)
    assert "error=access_denied" in denied.headers["Location"]
