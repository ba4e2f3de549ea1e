"""The audience simulator over real HTTP: strangers' comments, replies, mentions and DMs, stored where
the dialects serve them from, and webhooks signed as the platforms sign them.

The receiver checks signatures with hashlib/hmac here, never with the sandbox's signer.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
import requests

GRAPH = "/facebook/v21.0"
PAGE, PAGE_ID = "smo_demo_page", "102000000000001"
X_DEMO_ID = "1700000000000000001"
META_SECRET, X_SECRET = "meta-secret-for-audience", "x-secret-for-audience"


class Receiver:
    """A tiny webhook endpoint: records each POST and whether its signature was valid."""

    def __init__(self) -> None:
        self.received: list[dict[str, Any]] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's naming
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.received.append({"path": self.path, "body": body, "valid": receiver.valid(self, body),
                                          "json": json.loads(body)})
                self.send_response(200)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    def valid(self, handler: BaseHTTPRequestHandler, body: bytes) -> bool:
        if handler.path.startswith("/meta"):
            expected = "sha256=" + hmac.new(META_SECRET.encode(), body, hashlib.sha256).hexdigest()
            return hmac.compare_digest(expected, handler.headers.get("X-Hub-Signature-256", ""))
        digest = hmac.new(X_SECRET.encode(), body, hashlib.sha256).digest()
        expected = "sha256=" + base64.b64encode(digest).decode()
        return hmac.compare_digest(expected, handler.headers.get("x-twitter-webhooks-signature", ""))


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    hook = Receiver()
    thread = threading.Thread(target=hook.server.serve_forever, daemon=True)
    thread.start()
    yield hook
    hook.server.shutdown()
    hook.server.server_close()


def audience(sb: Any, **body: Any) -> requests.Response:
    return requests.post(f"{sb.base_url}/_sandbox/audience", json=body, timeout=15)


def listing(sb: Any, platform: str, account: str) -> dict[str, Any]:
    return requests.get(f"{sb.base_url}/_sandbox/audience", params={"platform": platform, "account": account},
                        timeout=10).json()


def page_post(sb: Any, message: str) -> str:
    token = sb.mint_token("facebook", PAGE)["page_access_token"]
    response = requests.post(f"{sb.base_url}{GRAPH}/{PAGE_ID}/feed", data={"message": message, "access_token": token},
                             timeout=10)
    assert response.status_code == 200
    return response.json()["id"]


def test_x_comments_replies_and_mentions_are_posts_the_x_api_finds(sb: Any, demo: Any, fan: Any) -> None:
    root = demo.post("Our launch post").json()["data"]["id"]
    made = audience(sb, platform="x", account="smo_demo", comments=2, replies=1, mentions=1, messages=1)
    assert made.status_code == 201
    result = made.json()
    assert len(result["comments"]) == 2 and len(result["replies"]) == 1 and len(result["mentions"]) == 1
    assert result["posts"] == [root]
    thread = fan.get("/2/tweets/search/recent", query=f"conversation_id:{root}").json()
    found = {tweet["id"] for tweet in thread["data"]}
    assert set(result["comments"]) | set(result["replies"]) <= found
    reply = next(item for item in result["items"] if item["kind"] == "replies")
    assert reply["parent_id"] in result["comments"]  # a stranger answering a stranger
    mentions = demo.get(f"/2/users/{X_DEMO_ID}/mentions").json()
    assert set(result["mentions"]) <= {tweet["id"] for tweet in mentions["data"]}
    # Audience posts are not SMO's creates: the duplicate statistics stay about SMO.
    assert [c["id"] for c in sb.creates(platform="x")] == [root]
    (message,) = listing(sb, "x", "smo_demo")["messages"]
    assert message["id"] == result["messages"][0] and message["recipient_id"] == X_DEMO_ID
    low, high = sorted((X_DEMO_ID, message["sender_id"]), key=int)
    assert message["conversation_id"] == f"{low}-{high}"


def test_facebook_comments_replies_and_messages_land_in_the_store(sb: Any) -> None:
    post_id = page_post(sb, "Hello from the page")
    result = audience(sb, platform="facebook", account=PAGE, comments=2, replies=1, messages=1).json()
    stored = listing(sb, "facebook", PAGE)
    comments = {c["id"]: c for c in stored["comments"]}
    assert set(comments) == set(result["comments"]) | set(result["replies"])
    assert all(c["post_id"] == post_id and c["account_id"] == PAGE_ID for c in comments.values())
    (reply_id,) = result["replies"]
    assert comments[reply_id]["parent_id"] in result["comments"]
    assert all(cid.startswith(post_id.split("_")[1] + "_") for cid in comments)  # {post}_{comment}
    assert [m["id"] for m in stored["messages"]] == result["messages"]
    assert stored["messages"][0]["conversation_id"].startswith("t_")


def test_negative_mode_brings_hostile_text_and_names_intact(sb: Any) -> None:
    page_post(sb, "Hostile crowd incoming")
    result = audience(sb, platform="facebook", account=PAGE, comments=11, negative=True).json()
    texts = {c["text"] for c in listing(sb, "facebook", PAGE)["comments"]}
    assert "<script>alert(1)</script>" in texts
    assert any("javascript:alert(document.cookie)" in t for t in texts)
    assert "nul\x00byte, lone \ud800 surrogate, bell\x07" in texts  # JSON escapes carry them through
    assert any(len(t) >= 10_000 for t in texts)
    assert any(item["author"]["name"] == '<img src=x onerror=alert("name")>' for item in result["items"])


def test_text_override_is_used_verbatim(sb: Any) -> None:
    result = audience(sb, platform="instagram", account="smo_demo_ig", messages=2, text="<b>custom</b>").json()
    assert [item["text"] for item in result["items"]] == ["<b>custom</b>"] * 2
    assert [m["text"] for m in listing(sb, "instagram", "smo_demo_ig")["messages"]] == ["<b>custom</b>"] * 2


def test_meta_webhook_is_one_signed_batch_in_metas_shape(sb: Any, receiver: Receiver) -> None:
    post_id = page_post(sb, "Webhook me")
    result = audience(sb, platform="facebook", account=PAGE, comments=1, messages=1, deliver="webhook",
                      webhook_url=f"{receiver.url}/meta", secret=META_SECRET).json()
    assert result["webhooks"] == [{"url": f"{receiver.url}/meta", "status": 200, "error": ""}]
    (delivery,) = receiver.received
    assert delivery["valid"] is True
    payload = delivery["json"]
    assert payload["object"] == "page" and len(payload["entry"]) == 2
    change = payload["entry"][0]["changes"][0]
    assert payload["entry"][0]["id"] == PAGE_ID and change["field"] == "feed"
    assert (change["value"]["item"], change["value"]["verb"]) == ("comment", "add")
    assert (change["value"]["comment_id"], change["value"]["post_id"], change["value"]["parent_id"]) == (
        result["comments"][0], post_id, post_id)
    messaging = payload["entry"][1]["messaging"][0]
    assert messaging["message"]["mid"] == result["messages"][0]
    assert messaging["recipient"]["id"] == PAGE_ID
    assert delivery["body"].isascii() and b", " not in delivery["body"][:40]  # compact, escaped, like Meta


def test_x_webhooks_are_account_activity_events_signed_with_the_consumer_secret(
        sb: Any, demo: Any, receiver: Receiver) -> None:
    root = demo.post("Account activity please").json()["data"]["id"]
    result = audience(sb, platform="x", account="smo_demo", comments=1, messages=1, deliver="webhook",
                      webhook_url=f"{receiver.url}/x", secret=X_SECRET).json()
    assert [hook["status"] for hook in result["webhooks"]] == [200, 200]
    tweet_event, dm_event = (r["json"] for r in receiver.received)
    assert all(r["valid"] for r in receiver.received)
    assert tweet_event["for_user_id"] == X_DEMO_ID
    (tweet,) = tweet_event["tweet_create_events"]
    assert (tweet["id_str"], tweet["in_reply_to_status_id_str"]) == (result["comments"][0], root)
    assert tweet["user"]["id_str"] == result["items"][0]["author"]["id"]
    (dm,) = dm_event["direct_message_events"]
    assert dm["type"] == "message_create" and dm["id"] == result["messages"][0]
    assert dm["message_create"]["target"]["recipient_id"] == X_DEMO_ID
    assert dm["message_create"]["sender_id"] in dm_event["users"]


def test_a_wrong_secret_is_what_the_receiver_refuses(sb: Any, demo: Any, receiver: Receiver) -> None:
    audience(sb, platform="x", account="smo_demo", messages=1, deliver="webhook",
             webhook_url=f"{receiver.url}/x", secret="not-the-secret")
    assert [r["valid"] for r in receiver.received] == [False]


def test_an_unreachable_webhook_is_reported_not_raised(sb: Any) -> None:
    result = audience(sb, platform="instagram", account="smo_demo_ig", messages=1, deliver="webhook",
                      webhook_url="http://127.0.0.1:9/meta", secret=META_SECRET)
    assert result.status_code == 201
    (hook,) = result.json()["webhooks"]
    assert hook["status"] is None and hook["error"].startswith("ConnectionError")


@pytest.mark.parametrize(("body", "status", "message"), [
    ({"platform": "myspace", "account": "x", "comments": 1}, 400, "platform must be one of"),
    ({"platform": "x", "account": "nobody_here", "comments": 1}, 404, "no x account 'nobody_here'"),
    ({"platform": "x", "account": "curious_cat", "comments": 1}, 409, "has no posts to comment on yet"),
    ({"platform": "facebook", "account": PAGE, "mentions": 1}, 400, "mentions are simulated on x only"),
    ({"platform": "x", "account": "smo_demo", "comments": -1}, 400, "comments must be an integer"),
    ({"platform": "x", "account": "smo_demo", "messages": 1, "deliver": "carrier pigeon"}, 400, "deliver must be"),
    ({"platform": "x", "account": "smo_demo"}, 400, "ask for at least one of"),
    ({"platform": "x", "account": "smo_demo", "messages": 1, "per_minute": 5}, 400, "needs both"),
])
def test_bad_requests_are_refused_with_a_reason(sb: Any, body: dict[str, Any], status: int, message: str) -> None:
    response = audience(sb, **body)
    assert response.status_code == status
    assert message in response.json()["error"]


def test_rate_mode_keeps_creating_in_the_event_loop(sb: Any) -> None:
    started = audience(sb, platform="x", account="smo_demo", messages=1, per_minute=600, duration_s=1)
    assert started.status_code == 202 and started.json()["interval_s"] == 0.1
    stream_id = started.json()["stream"]
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        streams = {s["stream"]: s for s in listing(sb, "x", "smo_demo")["streams"]}
        if not streams[stream_id]["running"]:
            break
        time.sleep(0.2)
    assert streams[stream_id]["running"] is False and streams[stream_id]["error"] == ""
    assert 5 <= streams[stream_id]["created"] <= 11
    assert len(listing(sb, "x", "smo_demo")["messages"]) == streams[stream_id]["created"]


def test_delete_stops_running_streams(sb: Any) -> None:
    stream_id = audience(sb, platform="x", account="smo_demo", messages=1, per_minute=60,
                         duration_s=600).json()["stream"]
    stopped = requests.delete(f"{sb.base_url}/_sandbox/audience", timeout=10).json()
    assert stream_id in stopped["stopped"]
    time.sleep(0.2)
    streams = {s["stream"]: s for s in listing(sb, "x", "smo_demo")["streams"]}
    assert streams[stream_id]["running"] is False
