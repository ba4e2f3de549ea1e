"""The sandbox's Instagram Login host (dialog, tokens, /me) and inbox endpoints, over real HTTP."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit

import requests

IG_ID = "17841400000000001"
REDIRECT = "https://smo.example/cb"


def authorize(sb: Any, username: str, decision: str = "approve") -> dict[str, list[str]]:
    url = f"{sb.base_url}/facebook/instagram/oauth/authorize"
    query = {"client_id": "ig-app", "redirect_uri": REDIRECT, "response_type": "code", "state": "s1",
             "scope": "instagram_business_basic,instagram_business_content_publish"}
    dialog = requests.get(url, params=query, timeout=10)
    assert dialog.status_code == 200 and "instagram_business_content_publish" in dialog.text
    answer = requests.post(url, data={**query, "username": username, "decision": decision}, timeout=10,
                           allow_redirects=False)
    assert answer.status_code == 302
    return parse_qs(urlsplit(answer.headers["Location"]).query)


def exchange(sb: Any, code: str, **overrides: str) -> requests.Response:
    form = {"client_id": "ig-app", "client_secret": "s", "grant_type": "authorization_code",
            "redirect_uri": REDIRECT, "code": code, **overrides}
    return requests.post(f"{sb.base_url}/instagram/oauth/access_token", data=form, timeout=10)


def ig_get(sb: Any, path: str, **query: str) -> requests.Response:
    return requests.get(f"{sb.base_url}/instagram{path}", params=query, timeout=10)


def test_instagram_login_round_trip(sb: Any) -> None:
    redirect = authorize(sb, "new_ig_brand")
    assert redirect["state"] == ["s1"]
    short = exchange(sb, redirect["code"][0]).json()
    assert set(short) == {"access_token", "user_id", "permissions"} and str(short["user_id"]).startswith("17841")
    long = ig_get(sb, "/access_token", grant_type="ig_exchange_token", client_secret="s",
                  access_token=short["access_token"]).json()
    assert long["token_type"] == "bearer" and long["expires_in"] == 5183944
    me = ig_get(sb, "/v21.0/me", fields="user_id,username", access_token=long["access_token"]).json()
    assert me == {"user_id": str(short["user_id"]), "username": "new_ig_brand"}
    too_young = ig_get(sb, "/refresh_access_token", grant_type="ig_refresh_token", access_token=long["access_token"])
    assert too_young.json()["error"]["code"] == 100 and "24 hours" in too_young.json()["error"]["message"]
    sb.set_faults({"instagram_refresh_min_age_s": 0})
    fresh = ig_get(sb, "/refresh_access_token", grant_type="ig_refresh_token", access_token=long["access_token"])
    assert fresh.status_code == 200 and fresh.json()["access_token"] != long["access_token"]


def test_denied_dialog_and_wrong_redirect(sb: Any) -> None:
    assert authorize(sb, "someone", decision="deny")["error"] == ["access_denied"]
    code = authorize(sb, "smo_demo_ig")["code"][0]
    assert "redirect_uri" in exchange(sb, code, redirect_uri="https://evil.example/").json()["error_message"]
    token = exchange(sb, code).json()["access_token"]
    assert exchange(sb, code).json()["error_type"] == "OAuthException"  # a code works once; a replay revokes
    assert ig_get(sb, "/v21.0/me", access_token=token).json()["error"]["code"] == 190


def test_page_tokens_do_not_work_on_graph_instagram_com_and_facebook_me_stays_facebook(sb: Any) -> None:
    page = sb.mint_token("facebook", "smo_demo_page")
    refused = ig_get(sb, f"/v21.0/{IG_ID}/media", access_token=page["page_access_token"]).json()
    assert refused["error"]["code"] == 190
    fb_me = requests.get(f"{sb.base_url}/facebook/v21.0/me", params={"access_token": page["page_access_token"]},
                         timeout=10).json()
    assert fb_me["id"] == page["account_id"]  # not taken over by the Instagram routes


def test_video_containers_progress_per_kind(sb: Any) -> None:
    token = sb.mint_token("instagram", "smo_demo_ig")["access_token"]
    post = f"{sb.base_url}/instagram/v21.0/{IG_ID}/media"
    reel = requests.post(post, data={"media_type": "REELS", "video_url": "https://example.org/r.mp4",
                                     "caption": "r", "access_token": token}, timeout=10).json()["id"]
    image = requests.post(post, data={"image_url": "https://example.org/i.jpg", "access_token": token},
                          timeout=10).json()["id"]
    statuses = [ig_get(sb, f"/v21.0/{reel}", fields="status_code", access_token=token).json()["status_code"]
                for _ in range(3)]
    assert statuses == ["IN_PROGRESS", "IN_PROGRESS", "FINISHED"]
    assert ig_get(sb, f"/v21.0/{image}", fields="status_code", access_token=token).json()["status_code"] == "FINISHED"
    child = requests.post(post, data={"media_type": "VIDEO", "video_url": "https://example.org/c.mp4",
                                      "is_carousel_item": "true", "access_token": token}, timeout=10).json()["id"]
    early = requests.post(post, data={"media_type": "CAROUSEL", "children": f"{child},{image}",
                                      "access_token": token}, timeout=10).json()
    assert early["error"]["error_subcode"] == 2207027  # children must be FINISHED first


def test_messages_need_a_conversation_started_by_the_person(sb: Any) -> None:
    token = sb.mint_token("instagram", "smo_demo_ig")["access_token"]
    sent = requests.post(f"{sb.base_url}/instagram/v21.0/me/messages", timeout=10,
                         data={"recipient": '{"id": "123"}', "message": '{"text": "hi"}', "access_token": token})
    assert sent.json()["error"]["error_subcode"] == 2534014
    listed = ig_get(sb, "/v21.0/me/conversations", platform="instagram", access_token=token).json()
    assert listed == {"data": []}
