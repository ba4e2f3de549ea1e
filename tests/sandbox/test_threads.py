"""Threads on the sandbox (graph.threads.net dialect), over real HTTP: sign-in, containers, publishing,
lists, replies, mentions, hiding, errors and the audience."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

API = "/threads/v1.0"
USER = "smo_demo_threads"
USER_ID = "26000000000000001"


def call(sb: Any, method: str, path: str, token: str, **values: Any) -> requests.Response:
    response = requests.request(method, f"{sb.base_url}{API}{path}", timeout=10,
                                params={**values, "access_token": token} if method == "GET" else None,
                                data={**values, "access_token": token} if method == "POST" else None)
    assert response.headers["Content-Type"].startswith("application/json")
    return response


def ok(response: requests.Response) -> dict[str, Any]:
    assert response.status_code == 200, response.text
    return response.json()


@pytest.fixture
def token(sb: Any) -> str:
    minted = sb.mint_token("threads", USER)
    assert minted["account_id"] == USER_ID
    return minted["access_token"]


def publish_text(sb: Any, token: str, text: str, **extra: Any) -> str:
    container = ok(call(sb, "POST", f"/{USER_ID}/threads", token, media_type="TEXT", text=text, **extra))["id"]
    return ok(call(sb, "POST", f"/{USER_ID}/threads_publish", token, creation_id=container))["id"]


def test_me_names_the_profile(sb: Any, token: str) -> None:
    me = ok(call(sb, "GET", "/me", token, fields="id,username,name,threads_profile_picture_url"))
    assert me["id"] == USER_ID and me["username"] == USER
    assert me["threads_profile_picture_url"].startswith("https://")


def test_text_post_is_recorded_once_and_listed(sb: Any, token: str) -> None:
    media_id = publish_text(sb, token, "Hello Threads")
    listed = ok(call(sb, "GET", f"/{USER_ID}/threads", token, fields="id,text,permalink,timestamp"))["data"]
    assert [(p["id"], p["text"]) for p in listed] == [(media_id, "Hello Threads")]
    assert listed[0]["permalink"].startswith(f"https://www.threads.net/@{USER}/post/")
    assert [c["text"] for c in sb.creates("threads")] == ["Hello Threads"]
    code = listed[0]["permalink"].rsplit("/", 1)[-1]
    page = requests.get(f"{sb.base_url}/threads/web/@{USER}/post/{code}", timeout=10)
    assert page.status_code == 200 and "Hello Threads" in page.text  # redirected to the feed


def test_a_container_publishes_once(sb: Any, token: str) -> None:
    container = ok(call(sb, "POST", f"/{USER_ID}/threads", token, media_type="TEXT", text="Once"))["id"]
    ok(call(sb, "POST", f"/{USER_ID}/threads_publish", token, creation_id=container))
    again = call(sb, "POST", f"/{USER_ID}/threads_publish", token, creation_id=container)
    assert again.status_code == 400 and again.json()["error"]["code"] == 100
    assert ok(call(sb, "GET", f"/{container}", token, fields="status"))["status"] == "PUBLISHED"


def test_text_limit_counts_emojis_as_bytes(sb: Any, token: str) -> None:
    fits = "a" * 496 + "👋"  # 496 + 4 bytes = 500
    assert call(sb, "POST", f"/{USER_ID}/threads", token, media_type="TEXT", text=fits).status_code == 200
    over = call(sb, "POST", f"/{USER_ID}/threads", token, media_type="TEXT", text="a" * 497 + "👋")
    assert over.status_code == 400 and "500" in over.json()["error"]["message"]


def test_more_than_five_links_fail_at_creation(sb: Any, token: str) -> None:
    text = " ".join(f"https://example.com/{n}" for n in range(6))
    answer = call(sb, "POST", f"/{USER_ID}/threads", token, media_type="TEXT", text=text)
    assert answer.status_code == 400 and "THREADS_API__LINK_LIMIT_EXCEEDED" in answer.json()["error"]["message"]


def test_video_progresses_then_publishes(sb: Any, token: str) -> None:
    container = ok(call(sb, "POST", f"/{USER_ID}/threads", token, media_type="VIDEO",
                        video_url="https://example.org/clip.mp4", text="Clip"))["id"]
    early = call(sb, "POST", f"/{USER_ID}/threads_publish", token, creation_id=container)
    assert early.status_code == 400 and early.json()["error"]["error_subcode"] == 4279009
    statuses = [ok(call(sb, "GET", f"/{container}", token, fields="status,error_message"))["status"]
                for _ in range(3)]
    assert statuses == ["IN_PROGRESS", "IN_PROGRESS", "FINISHED"]
    media_id = ok(call(sb, "POST", f"/{USER_ID}/threads_publish", token, creation_id=container))["id"]
    assert ok(call(sb, "GET", f"/{media_id}", token, fields="id,media_type"))["media_type"] == "VIDEO"


def test_error_switch_and_carousel_rules(sb: Any, token: str) -> None:
    sb.set_faults({"threads_container_final": "ERROR"})
    broken = ok(call(sb, "POST", f"/{USER_ID}/threads", token, media_type="IMAGE",
                     image_url="https://example.org/a.jpg", is_carousel_item="true"))["id"]
    assert ok(call(sb, "GET", f"/{broken}", token, fields="status,error_message"))["status"] == "ERROR"
    sb.clear_faults()
    one = ok(call(sb, "POST", f"/{USER_ID}/threads", token, media_type="IMAGE",
                  image_url="https://example.org/a.jpg", is_carousel_item="true"))["id"]
    too_few = call(sb, "POST", f"/{USER_ID}/threads", token, media_type="CAROUSEL", children=one, text="x")
    assert too_few.status_code == 400
    two = ok(call(sb, "POST", f"/{USER_ID}/threads", token, media_type="IMAGE",
                  image_url="https://example.org/b.jpg", is_carousel_item="true"))["id"]
    parent = ok(call(sb, "POST", f"/{USER_ID}/threads", token, media_type="CAROUSEL", children=f"{one},{two}",
                     text="Album"))["id"]
    media_id = ok(call(sb, "POST", f"/{USER_ID}/threads_publish", token, creation_id=parent))["id"]
    assert ok(call(sb, "GET", f"/{media_id}", token, fields="media_type"))["media_type"] == "CAROUSEL_ALBUM"


def test_publishing_limit_and_quota(sb: Any, token: str) -> None:
    sb.set_faults({"threads_quota_total": 1})
    publish_text(sb, token, "First")
    limit = ok(call(sb, "GET", f"/{USER_ID}/threads_publishing_limit", token, fields="quota_usage,config"))
    assert limit["data"][0]["quota_usage"] == 1 and limit["data"][0]["config"]["quota_total"] == 1
    container = ok(call(sb, "POST", f"/{USER_ID}/threads", token, media_type="TEXT", text="Second"))["id"]
    refused = call(sb, "POST", f"/{USER_ID}/threads_publish", token, creation_id=container)
    assert refused.status_code == 400 and refused.json()["error"]["code"] == 4


def test_audience_replies_conversation_mentions_and_hiding(sb: Any, token: str) -> None:
    root = publish_text(sb, token, "Ask me anything")
    made = requests.post(f"{sb.base_url}/_sandbox/audience", timeout=10, json={
        "platform": "threads", "account": USER, "comments": 1, "replies": 1, "mentions": 1,
        # audience.py looks a webhook URL up for every platform, even polling-only ones: name one.
        "webhook_url": "http://127.0.0.1:9/unused"}).json()["items"]
    comment, reply, mention = made
    assert (comment["parent_id"], reply["parent_id"]) == (root, comment["id"])
    top = ok(call(sb, "GET", f"/{root}/replies", token, fields="id,text,username"))["data"]
    assert [r["id"] for r in top] == [comment["id"]]
    everything = ok(call(sb, "GET", f"/{root}/conversation", token, reverse="false",
                         fields="id,replied_to,root_post,is_reply,hide_status,username"))["data"]
    assert [r["id"] for r in everything] == [comment["id"], reply["id"]]
    assert everything[1]["replied_to"] == {"id": comment["id"]} and everything[1]["root_post"] == {"id": root}
    found = ok(call(sb, "GET", f"/{USER_ID}/mentions", token, fields="id,text,username"))["data"]
    assert [m["id"] for m in found] == [mention["id"]] and found[0]["text"].startswith(f"@{USER} ")
    assert ok(call(sb, "POST", f"/{comment['id']}/manage_reply", token, hide="true")) == {"success": True}
    hidden = ok(call(sb, "GET", f"/{root}/replies", token, fields="id,hide_status"))["data"]
    assert hidden[0]["hide_status"] == "HIDDEN"
    assert sb.creates("threads") and len(sb.creates("threads")) == 1  # the audience is not SMO's creates


def test_our_reply_chains_and_is_not_a_duplicate(sb: Any, token: str) -> None:
    root = publish_text(sb, token, "Part one")
    part = publish_text(sb, token, "Part one", reply_to_id=root)
    answer = ok(call(sb, "GET", f"/{part}", token, fields="id,replied_to,root_post,is_reply_owned_by_me"))
    assert answer == {"id": part, "replied_to": {"id": root}, "root_post": {"id": root},
                      "is_reply_owned_by_me": True}
    assert sb.stats()["duplicates"] == 0


def test_errors_are_graph_envelopes(sb: Any, token: str) -> None:
    assert call(sb, "GET", "/me", "not-a-token").json()["error"]["code"] == 190
    sb.expire_tokens("threads", USER)
    expired = call(sb, "GET", "/me", token).json()["error"]
    assert (expired["code"], expired["error_subcode"]) == (190, 463)
    sb.set_faults({"platform": "threads", "match": "GET /v1.0/me", "rate_limited": {"reset_in_s": 60}})
    fresh = sb.mint_token("threads", USER)["access_token"]
    limited = call(sb, "GET", "/me", fresh)
    assert limited.status_code == 400 and limited.json()["error"]["code"] == 4
    assert "X-Business-Use-Case-Usage" in limited.headers


def test_sign_in_code_long_lived_token_and_refresh(sb: Any) -> None:
    redirect = "https://smo.example/cb"
    dialog = requests.get(f"{sb.base_url}/threads/web/oauth/authorize", timeout=10, params={
        "client_id": "th-app", "redirect_uri": redirect, "scope": "threads_basic", "response_type": "code",
        "state": "s1"})
    assert dialog.status_code == 200 and "Threads profile" in dialog.text
    answer = requests.post(f"{sb.base_url}/threads/web/oauth/authorize", timeout=10, allow_redirects=False, data={
        "client_id": "th-app", "redirect_uri": redirect, "scope": "threads_basic", "response_type": "code",
        "state": "s1", "username": "new_threads_person", "decision": "approve"})
    query = parse_qs(urlsplit(answer.headers["Location"]).query)
    assert query["state"] == ["s1"]
    short = requests.post(f"{sb.base_url}/threads/oauth/access_token", timeout=10, data={
        "client_id": "th-app", "client_secret": "s", "grant_type": "authorization_code",
        "redirect_uri": redirect, "code": query["code"][0]}).json()
    assert str(short["user_id"]).startswith("26")
    long = requests.get(f"{sb.base_url}/threads/access_token", timeout=10, params={
        "grant_type": "th_exchange_token", "client_secret": "s", "access_token": short["access_token"]}).json()
    assert long["expires_in"] > 5_000_000
    too_young = requests.get(f"{sb.base_url}/threads/refresh_access_token", timeout=10, params={
        "grant_type": "th_refresh_token", "access_token": long["access_token"]})
    assert too_young.status_code == 400
    sb.set_faults({"threads_refresh_min_age_s": 0})
    renewed = requests.get(f"{sb.base_url}/threads/refresh_access_token", timeout=10, params={
        "grant_type": "th_refresh_token", "access_token": long["access_token"]}).json()
    assert renewed["access_token"] != long["access_token"]
    me = ok(call(sb, "GET", "/me", renewed["access_token"], fields="id,username"))
    assert me == {"id": str(short["user_id"]), "username": "new_threads_person"}
