"""The Facebook dialect's videos, comments and Messenger over real HTTP (reference §2.2-2.3)."""

from __future__ import annotations

import json
from typing import Any

import pytest
import requests

GRAPH = "/facebook/v21.0"
PAGE = "smo_demo_page"
PAGE_ID = "102000000000001"


def graph(sb: Any, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
    response = requests.request(method, f"{sb.base_url}{GRAPH}{path}", timeout=10, **kwargs)
    assert response.headers["Content-Type"].startswith("application/json")
    return response.json()


@pytest.fixture
def page_token(sb: Any) -> str:
    return sb.mint_token("facebook", PAGE)["page_access_token"]


@pytest.fixture
def fan_token(sb: Any) -> str:
    return sb.mint_token("facebook", "sandbox_fan")["access_token"]


def feed_ids(sb: Any, token: str) -> list[str]:
    return [p["id"] for p in graph(sb, "GET", f"/{PAGE_ID}/feed", params={"access_token": token})["data"]]


def test_video_processes_for_one_read_then_is_on_the_feed(sb: Any, page_token: str) -> None:
    video = graph(sb, "POST", f"/{PAGE_ID}/videos", data={"file_url": "https://example.org/v.mp4",
                                                          "description": "clip", "access_token": page_token})
    assert set(video) == {"id"}
    fields = {"access_token": page_token, "fields": "status,post_id,permalink_url"}
    first = graph(sb, "GET", f"/{video['id']}", params=fields)
    assert first["status"]["video_status"] == "processing" and feed_ids(sb, page_token) == []
    second = graph(sb, "GET", f"/{video['id']}", params=fields)
    assert second["status"]["video_status"] == "ready"
    assert second["permalink_url"] == f"/{PAGE_ID}/videos/{video['id']}/"
    assert feed_ids(sb, page_token) == [second["post_id"]]
    assert [c["text"] for c in sb.creates("facebook", PAGE)] == ["clip"]


def test_video_switches_and_validation(sb: Any, page_token: str) -> None:
    sb.set_faults({"facebook_video_processing_reads": 0, "facebook_video_final": "error"})
    video = graph(sb, "POST", f"/{PAGE_ID}/videos", data={"file_url": "https://example.org/v.mp4",
                                                          "access_token": page_token})
    status = graph(sb, "GET", f"/{video['id']}", params={"access_token": page_token, "fields": "status"})["status"]
    assert status["video_status"] == "error" and status["processing_phase"]["errors"][0]["code"] == 1363008
    missing = graph(sb, "POST", f"/{PAGE_ID}/videos", data={"description": "x", "access_token": page_token})
    assert missing["error"]["code"] == 100
    bad_field = graph(sb, "GET", f"/{video['id']}", params={"access_token": page_token, "fields": "nope"})
    assert bad_field["error"]["code"] == 100


def test_comments_replies_stream_hide_and_delete(sb: Any, page_token: str, fan_token: str) -> None:
    post_id = graph(sb, "POST", f"/{PAGE_ID}/feed", data={"message": "root", "access_token": page_token})["id"]
    top = graph(sb, "POST", f"/{post_id}/comments", data={"message": "<b>hi</b>", "access_token": fan_token})["id"]
    reply = graph(sb, "POST", f"/{top}/comments", data={"message": "thanks", "access_token": page_token})["id"]
    nested = graph(sb, "POST", f"/{reply}/comments", data={"message": "again", "access_token": fan_token})["id"]
    fields = "id,message,from,parent{id},is_hidden,permalink_url"
    stream = graph(sb, "GET", f"/{post_id}/comments", params={"access_token": page_token, "fields": fields,
                                                             "filter": "stream", "order": "reverse_chronological"})
    assert [c["id"] for c in stream["data"]] == [nested, reply, top]
    assert stream["data"][2]["message"] == "<b>hi</b>" and stream["data"][2]["from"]["id"] == "100000000000002"
    assert stream["data"][0]["parent"] == {"id": top}  # one level: a reply to a reply joins the top comment
    assert stream["data"][2]["permalink_url"].endswith(f"?comment_id={top.split('_')[1]}")
    toplevel = graph(sb, "GET", f"/{post_id}/comments", params={"access_token": page_token})
    assert [c["id"] for c in toplevel["data"]] == [top]
    assert graph(sb, "POST", f"/{top}", data={"is_hidden": "true", "access_token": fan_token})["error"]["code"] == 200
    assert graph(sb, "POST", f"/{top}", data={"is_hidden": "true", "access_token": page_token}) == {"success": True}
    node = graph(sb, "GET", f"/{top}", params={"access_token": page_token, "fields": "is_hidden,comment_count"})
    assert node == {"is_hidden": True, "comment_count": 2}
    fan_view = graph(sb, "GET", f"/{post_id}/comments", params={"access_token": fan_token})
    assert fan_view["data"] == []
    assert graph(sb, "DELETE", f"/{nested}", params={"access_token": page_token}) == {"success": True}
    assert graph(sb, "GET", f"/{nested}", params={"access_token": page_token})["error"]["code"] == 100


def test_conversations_send_api_and_window(sb: Any, page_token: str) -> None:
    wrote = requests.post(f"{sb.base_url}/facebook/_sandbox/messages", timeout=10,
                          json={"page": PAGE, "user": "sandbox_fan", "text": "Do you ship to Spain?"}).json()
    fields = "id,updated_time,messages{id,message,from,to,created_time}"
    listed = graph(sb, "GET", f"/{PAGE_ID}/conversations", params={"access_token": page_token,
                                                                   "platform": "messenger", "fields": fields})
    [thread] = listed["data"]
    assert thread["id"] == wrote["conversation_id"]
    [message] = thread["messages"]["data"]
    assert message["message"] == "Do you ship to Spain?" and message["from"]["id"] == wrote["sender_id"]
    assert message["to"]["data"][0]["id"] == PAGE_ID
    sent = graph(sb, "POST", f"/{PAGE_ID}/messages", data={
        "recipient": json.dumps({"id": wrote["sender_id"]}), "messaging_type": "RESPONSE",
        "message": json.dumps({"text": "Yes!"}), "access_token": page_token})
    assert sent["recipient_id"] == wrote["sender_id"] and sent["message_id"].startswith("m_")
    again = graph(sb, "GET", f"/{PAGE_ID}/conversations", params={"access_token": page_token, "fields": fields})
    assert [m["message"] for m in again["data"][0]["messages"]["data"]] == ["Yes!", "Do you ship to Spain?"]
    stranger = graph(sb, "POST", f"/{PAGE_ID}/messages", data={
        "recipient": json.dumps({"id": "999"}), "messaging_type": "RESPONSE",
        "message": json.dumps({"text": "hi"}), "access_token": page_token})
    assert (stranger["error"]["code"], stranger["error"]["error_subcode"]) == (100, 2018001)
    sb.set_faults({"facebook_messaging_window_s": 0})
    late = graph(sb, "POST", f"/{PAGE_ID}/messages", data={
        "recipient": json.dumps({"id": wrote["sender_id"]}), "messaging_type": "RESPONSE",
        "message": json.dumps({"text": "late"}), "access_token": page_token})
    assert (late["error"]["code"], late["error"]["error_subcode"]) == (10, 2018278)
    user_token = sb.mint_token("facebook", "sandbox_admin")["access_token"]
    denied = graph(sb, "GET", f"/{PAGE_ID}/conversations", params={"access_token": user_token})
    assert denied["error"]["code"] == 190
