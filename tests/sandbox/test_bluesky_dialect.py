"""The sandbox's Bluesky dialect over HTTP: notifications, threads, chat, service auth and the video service."""

from __future__ import annotations

import time
from typing import Any

import pytest
import requests

from platforms.sandbox.testing import SandboxProcess

HANDLE = "smodemo.bsky.social"


class Pds:
    def __init__(self, sb: SandboxProcess) -> None:
        minted = sb.mint_token("bluesky", HANDLE)
        self.base, self.did = sb.base_url, minted["did"]
        self.session = requests.Session()
        self.session.headers["Authorization"] = f"Bearer {minted['access_token']}"

    def get(self, nsid: str, *, proxy: bool = False, **params: Any) -> requests.Response:
        headers = {"atproto-proxy": "did:web:api.bsky.chat#bsky_chat"} if proxy else {}
        return self.session.get(f"{self.base}/bluesky/xrpc/{nsid}", params=params, headers=headers, timeout=10)

    def post(self, nsid: str, body: dict[str, Any], *, proxy: bool = False) -> requests.Response:
        headers = {"atproto-proxy": "did:web:api.bsky.chat#bsky_chat"} if proxy else {}
        return self.session.post(f"{self.base}/bluesky/xrpc/{nsid}", json=body, headers=headers, timeout=10)

    def create(self, text: str) -> dict[str, Any]:
        record = {"$type": "app.bsky.feed.post", "text": text, "createdAt": "2026-01-01T00:00:00.000Z"}
        response = self.post("com.atproto.repo.createRecord",
                             {"repo": self.did, "collection": "app.bsky.feed.post", "record": record})
        assert response.status_code == 200, response.text
        return response.json()


@pytest.fixture
def pds(sb: SandboxProcess) -> Pds:
    return Pds(sb)


def audience(sb: SandboxProcess, **body: Any) -> list[dict[str, Any]]:
    response = requests.post(f"{sb.base_url}/_sandbox/audience", timeout=10, json={
        "platform": "bluesky", "account": HANDLE, "webhook_url": "http://127.0.0.1:9/", **body})
    assert response.status_code == 201, response.text
    return response.json()["items"]


def test_notifications_name_replies_mentions_and_likes_newest_first(sb: SandboxProcess, pds: Pds) -> None:
    created = pds.create("Hello")
    post = {"uri": created["uri"], "cid": created["cid"]}
    made = audience(sb, replies=1, mentions=1)
    notes = pds.get("app.bsky.notification.listNotifications").json()["notifications"]
    assert sorted(n["reason"] for n in notes) == ["like", "mention", "reply"] and notes[0]["reason"] == "mention"
    reply = next(n for n in notes if n["reason"] == "reply")
    assert reply["uri"] == made[0]["id"] and reply["record"]["reply"]["parent"] == post
    assert next(n for n in notes if n["reason"] == "like")["record"]["subject"] == post
    assert notes[0]["record"]["facets"][0]["features"][0]["did"] == pds.did
    assert [n["indexedAt"] for n in notes] == sorted((n["indexedAt"] for n in notes), reverse=True)
    page = pds.get("app.bsky.notification.listNotifications", limit=1).json()
    assert len(page["notifications"]) == 1 and page["cursor"] == "1"


def test_get_post_thread_gives_the_strong_ref_and_unknown_posts_are_not_found(pds: Pds) -> None:
    post = pds.create("Thread me")
    thread = pds.get("app.bsky.feed.getPostThread", uri=post["uri"]).json()["thread"]
    assert thread["post"]["cid"] == post["cid"] and thread["post"]["record"]["text"] == "Thread me"
    missing = pds.get("app.bsky.feed.getPostThread", uri=post["uri"] + "x")
    assert missing.status_code == 400 and missing.json()["error"] == "NotFound"


def test_chat_lists_reads_and_sends_only_through_the_proxy(sb: SandboxProcess, pds: Pds) -> None:
    made = audience(sb, messages=2)
    assert pds.get("chat.bsky.convo.listConvos").status_code == 501
    convos = pds.get("chat.bsky.convo.listConvos", proxy=True).json()["convos"]
    assert {c["id"] for c in convos} == {m["conversation_id"] for m in made}
    convo = next(c for c in convos if c["id"] == made[0]["conversation_id"])
    assert {m["did"] for m in convo["members"]} == {pds.did, made[0]["author"]["id"]}
    sent = pds.post("chat.bsky.convo.sendMessage", {"convoId": convo["id"], "message": {"text": "Hi!"}}, proxy=True)
    assert sent.status_code == 200 and sent.json()["sender"]["did"] == pds.did
    messages = pds.get("chat.bsky.convo.getMessages", proxy=True, convoId=convo["id"]).json()["messages"]
    assert [m["text"] for m in messages][0] == "Hi!" and len(messages) == 2
    unknown = pds.post("chat.bsky.convo.sendMessage", {"convoId": "nope", "message": {"text": "x"}}, proxy=True)
    assert unknown.status_code == 400 and unknown.json()["error"] == "InvalidConvo"


def test_video_service_needs_a_service_token_and_reports_the_job(sb: SandboxProcess, pds: Pds) -> None:
    video = f"{sb.base_url}/bluesky-video/xrpc"
    data = b"\x00\x00\x00\x18ftypmp42 sandbox"
    refused = requests.post(f"{video}/app.bsky.video.uploadVideo", params={"did": pds.did}, data=data, timeout=10,
                            headers={"Content-Type": "video/mp4", "Authorization": "Bearer nope"})
    assert refused.status_code == 401
    too_late = pds.get("com.atproto.server.getServiceAuth", aud="did:web:bsky.social",
                       lxm="com.atproto.repo.uploadBlob", exp=int(time.time()) + 7200)
    assert too_late.status_code == 400 and too_late.json()["error"] == "BadExpiration"
    token = pds.get("com.atproto.server.getServiceAuth", aud="did:web:bsky.social",
                    lxm="com.atproto.repo.uploadBlob", exp=int(time.time()) + 600).json()["token"]
    headers = {"Content-Type": "video/mp4", "Authorization": f"Bearer {token}"}
    job = requests.post(f"{video}/app.bsky.video.uploadVideo", params={"did": pds.did, "name": "a.mp4"},
                        data=data, headers=headers, timeout=10).json()
    again = requests.post(f"{video}/app.bsky.video.uploadVideo", params={"did": pds.did, "name": "a.mp4"},
                          data=data, headers=headers, timeout=10)
    assert again.status_code == 409 and again.json()["jobId"] == job["jobId"]
    states = [requests.get(f"{video}/app.bsky.video.getJobStatus", params={"jobId": job["jobId"]},
                           timeout=10).json()["jobStatus"] for _ in range(2)]
    assert [s["state"] for s in states] == ["JOB_STATE_ENCODING", "JOB_STATE_COMPLETED"]
    record = {"$type": "app.bsky.feed.post", "text": "clip", "createdAt": "2026-01-01T00:00:00.000Z",
              "embed": {"$type": "app.bsky.embed.video", "video": states[1]["blob"], "alt": "alt"}}
    body = {"repo": pds.did, "collection": "app.bsky.feed.post", "record": record}
    assert pds.post("com.atproto.repo.createRecord", body).status_code == 200
    record["embed"]["video"] = {"$type": "blob", "ref": {"$link": "bafyreinotuploaded"}, "mimeType": "video/mp4"}
    assert pds.post("com.atproto.repo.createRecord", body).status_code == 400


def test_two_factor_accounts_ask_for_a_sign_in_code(sb: SandboxProcess) -> None:
    response = requests.post(f"{sb.base_url}/bluesky/xrpc/com.atproto.server.createSession", timeout=10,
                             json={"identifier": HANDLE, "password": "needs-2fa"})
    assert response.status_code == 401 and response.json()["error"] == "AuthFactorTokenRequired"
