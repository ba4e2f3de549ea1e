"""The Facebook Pages (Graph API) dialect over real HTTP: raw requests and facebook-sdk itself."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

GRAPH = "/facebook/v21.0"
PAGE = "smo_demo_page"
PAGE_ID = "102000000000001"


def graph(sb: Any, method: str, path: str, **kwargs: Any) -> requests.Response:
    response = requests.request(method, f"{sb.base_url}{GRAPH}{path}", timeout=10, **kwargs)
    assert response.headers["Content-Type"].startswith("application/json")
    return response


@pytest.fixture
def page_token(sb: Any) -> str:
    return sb.mint_token("facebook", PAGE)["page_access_token"]


def test_mint_returns_page_id_and_tokens(sb: Any) -> None:
    minted = sb.mint_token("facebook", PAGE)
    assert minted["page_id"] == minted["account_id"] == PAGE_ID
    assert minted["access_token"] == minted["page_access_token"] != minted["user_access_token"]
    fresh = sb.mint_token("facebook", "brand_new_page")
    assert fresh["page_id"].isdigit() and fresh["page_id"] != PAGE_ID


def test_form_post_with_token_in_body_and_read_back(sb: Any, page_token: str) -> None:
    created = graph(sb, "POST", f"/{PAGE_ID}/feed", data={"message": "hello form", "access_token": page_token,
                                                          "link": "https://example.org/a"})
    assert created.status_code == 200
    post_id = created.json()["id"]
    assert post_id.startswith(PAGE_ID + "_")
    read = graph(sb, "GET", f"/{post_id}", params={"access_token": page_token,
                                                   "fields": "id,message,link,permalink_url,created_time"}).json()
    assert read["message"] == "hello form" and read["link"] == "https://example.org/a"
    assert read["permalink_url"].startswith("https://www.facebook.com/") and read["created_time"].endswith("+0000")
    [record] = sb.creates("facebook", PAGE)
    assert record["id"] == post_id and record["text"] == "hello form"
    assert sb.requests_log(platform="facebook")[0]["account"] == PAGE  # identified from the form body


def test_json_body_bearer_header_and_duplicate_506(sb: Any, page_token: str) -> None:
    headers = {"Authorization": f"Bearer {page_token}"}
    first = graph(sb, "POST", f"/{PAGE_ID}/feed", json={"message": "same words"}, headers=headers)
    assert first.status_code == 200
    again = graph(sb, "POST", f"/{PAGE_ID}/feed", json={"message": "same words"}, headers=headers)
    error = again.json()["error"]
    assert again.status_code == 400 and error["code"] == 506 and error["type"] == "OAuthException"
    assert error["fbtrace_id"] and sb.stats()["by_platform"]["facebook"] == {"creates": 1, "duplicates": 0}


def test_multi_photo_post_with_attached_media(sb: Any, page_token: str) -> None:
    ids = []
    for n in range(2):
        photo = graph(sb, "POST", f"/{PAGE_ID}/photos", data={"url": f"https://example.org/{n}.jpg",
                                                              "published": "false", "access_token": page_token})
        assert set(photo.json()) == {"id"}
        ids.append(photo.json()["id"])
    media = json.dumps([{"media_fbid": i} for i in ids])
    post = graph(sb, "POST", f"/{PAGE_ID}/feed", data={"message": "album", "attached_media": media,
                                                       "access_token": page_token}).json()
    read = graph(sb, "GET", f"/{post['id']}", params={"access_token": page_token,
                                                      "fields": "attachments,full_picture"}).json()
    assert read["full_picture"] == "https://example.org/0.jpg"
    assert len(read["attachments"]["data"][0]["subattachments"]["data"]) == 2
    reused = graph(sb, "POST", f"/{PAGE_ID}/feed", data={"attached_media": media, "access_token": page_token})
    assert reused.json()["error"]["code"] == 100  # an attached photo cannot be attached again


def test_published_photo_multipart_returns_post_id(sb: Any, page_token: str) -> None:
    answer = graph(sb, "POST", f"/{PAGE_ID}/photos", data={"caption": "pic", "access_token": page_token},
                   files={"source": ("a.jpg", b"\xff\xd8fake", "image/jpeg")}).json()
    assert answer["id"].isdigit() and answer["post_id"].startswith(PAGE_ID + "_")
    missing = graph(sb, "POST", f"/{PAGE_ID}/photos", data={"access_token": page_token}).json()
    assert missing["error"]["code"] == 324


def test_errors_for_tokens(sb: Any, page_token: str) -> None:
    none = graph(sb, "GET", f"/{PAGE_ID}/feed").json()["error"]
    assert none["code"] == 104
    bad = graph(sb, "GET", f"/{PAGE_ID}/feed", params={"access_token": "nope"}).json()["error"]
    assert bad["code"] == 190
    sb.expire_tokens("facebook", token=page_token)
    expired = graph(sb, "POST", f"/{PAGE_ID}/feed", data={"message": "x", "access_token": page_token}).json()
    assert expired["error"]["code"] == 190 and expired["error"]["error_subcode"] == 463
    other = sb.mint_token("facebook", "smo_second_page")["page_access_token"]
    wrong = graph(sb, "POST", f"/{PAGE_ID}/feed", data={"message": "x", "access_token": other})
    assert wrong.json()["error"]["code"] == 200
    unknown = graph(sb, "GET", "/999/feed", params={"access_token": other}).json()["error"]
    assert unknown["code"] == 100 and unknown["error_subcode"] == 33


def test_feed_paging_since_and_fields(sb: Any, page_token: str) -> None:
    for n in range(5):
        graph(sb, "POST", f"/{PAGE_ID}/feed", data={"message": f"post {n}", "access_token": page_token})
    first = graph(sb, "GET", f"/{PAGE_ID}/posts", params={"access_token": page_token, "limit": 2,
                                                          "since": 0, "fields": "id,message"}).json()
    assert [p["message"] for p in first["data"]] == ["post 4", "post 3"]
    next_url = first["paging"]["next"]
    assert parse_qs(urlsplit(next_url).query)["access_token"] == [page_token]
    second = requests.get(next_url, timeout=10).json()
    assert [p["message"] for p in second["data"]] == ["post 2", "post 1"]
    future = graph(sb, "GET", f"/{PAGE_ID}/feed", params={"access_token": page_token, "since": 4102444800}).json()
    assert future["data"] == []
    bad = graph(sb, "GET", f"/{PAGE_ID}/feed", params={"access_token": page_token, "fields": "nope"}).json()
    assert bad["error"]["code"] == 100 and "nope" in bad["error"]["message"]


def test_comments_first_comment_and_listing(sb: Any, page_token: str) -> None:
    post_id = graph(sb, "POST", f"/{PAGE_ID}/feed", data={"message": "root", "access_token": page_token}).json()["id"]
    comment = graph(sb, "POST", f"/{post_id}/comments", data={"message": "first!", "access_token": page_token}).json()
    assert comment["id"].startswith(post_id.split("_")[1] + "_")
    listed = graph(sb, "GET", f"/{post_id}/comments", params={"access_token": page_token,
                                                              "fields": "id,message,from,created_time"}).json()
    assert [(c["message"], c["from"]["id"]) for c in listed["data"]] == [("first!", PAGE_ID)]
    feed = graph(sb, "GET", f"/{PAGE_ID}/feed", params={"access_token": page_token}).json()
    assert [p["id"] for p in feed["data"]] == [post_id]  # comments are not feed posts


def test_injected_faults_are_graph_errors(sb: Any, page_token: str) -> None:
    sb.set_faults({"rules": [{"platform": "facebook", "match": "POST /*/feed", "account": PAGE, "count": 1,
                              "error_rates": {"400": 1.0}}], "facebook_error_codes": {"400": 368}})
    blocked = graph(sb, "POST", f"/{PAGE_ID}/feed", data={"message": "x", "access_token": page_token})
    assert blocked.json()["error"]["code"] == 368 and sb.creates("facebook") == []
    sb.set_faults({"platform": "facebook", "match": "POST /*/feed", "count": 1, "rate_limited": {"reset_in_s": 300}})
    limited = graph(sb, "POST", f"/{PAGE_ID}/feed", data={"message": "x", "access_token": page_token})
    assert limited.json()["error"]["code"] == 4
    usage = json.loads(limited.headers["X-Business-Use-Case-Usage"])
    assert usage[PAGE_ID][0]["estimated_time_to_regain_access"] in (5, 6)  # minutes, rounded up
    sb.set_faults({"platform": "facebook", "count": 1, "error_rates": {"503": 1.0}})
    down = graph(sb, "POST", f"/{PAGE_ID}/feed", data={"message": "x", "access_token": page_token})
    assert down.status_code == 503 and down.json()["error"]["code"] == 2
    sb.set_faults({"platform": "facebook", "count": 1, "error_rates": {"401": 1.0}})
    expired = graph(sb, "GET", f"/{PAGE_ID}/feed", params={"access_token": page_token}).json()["error"]
    assert (expired["code"], expired["error_subcode"]) == (190, 463)
    sb.set_faults({"rules": [{"platform": "facebook", "count": 1, "error_rates": {"401": 1.0}}],
                   "facebook_error_codes": {"401": [190, 460]}})
    changed = graph(sb, "GET", f"/{PAGE_ID}/feed", params={"access_token": page_token}).json()["error"]
    assert (changed["code"], changed["error_subcode"]) == (190, 460)


def test_oauth_dialog_code_exchange_long_lived_and_accounts(sb: Any) -> None:
    redirect = "http://smo.test/callback"
    dialog = requests.get(f"{sb.base_url}/facebook/v21.0/dialog/oauth", timeout=10, params={
        "client_id": "app1", "redirect_uri": redirect, "state": "s1", "scope": "pages_manage_posts,pages_show_list"})
    assert dialog.status_code == 200 and "Approve" in dialog.text
    approved = requests.post(dialog.url, timeout=10, allow_redirects=False, data={
        "client_id": "app1", "redirect_uri": redirect, "state": "s1", "scope": "pages_manage_posts,pages_show_list",
        "username": "sandbox_admin", "decision": "approve"})
    query = parse_qs(urlsplit(approved.headers["Location"]).query)
    assert query["state"] == ["s1"]
    token_url = f"{sb.base_url}/facebook/v21.0/oauth/access_token"
    short = requests.get(token_url, timeout=10, params={"client_id": "app1", "client_secret": "sec",
                                                         "redirect_uri": redirect, "code": query["code"][0]}).json()
    assert short["token_type"] == "bearer" and short["expires_in"] < 86400
    long = requests.get(token_url, timeout=10, params={"grant_type": "fb_exchange_token", "client_id": "app1",
                                                        "client_secret": "sec",
                                                        "fb_exchange_token": short["access_token"]}).json()
    assert long["expires_in"] > 5_000_000
    pages = graph(sb, "GET", "/me/accounts", params={"access_token": long["access_token"]}).json()["data"]
    assert {p["id"] for p in pages} == {PAGE_ID, "102000000000002"} and all(p["access_token"] for p in pages)
    granted = graph(sb, "GET", "/me/permissions", params={"access_token": long["access_token"]}).json()["data"]
    assert {p["permission"] for p in granted} == {"pages_manage_posts", "pages_show_list"}
    replay = requests.get(token_url, timeout=10, params={"client_id": "app1", "client_secret": "sec",
                                                          "redirect_uri": redirect, "code": query["code"][0]}).json()
    assert replay["error"]["error_subcode"] == 36009  # and revokes what it gave
    assert "error" in graph(sb, "GET", "/me/accounts", params={"access_token": long["access_token"]}).json()
    denied = requests.post(dialog.url, timeout=10, allow_redirects=False, data={
        "client_id": "app1", "redirect_uri": redirect, "state": "s2", "decision": "deny"})
    assert parse_qs(urlsplit(denied.headers["Location"]).query)["error_reason"] == ["user_denied"]


def test_feed_page_shows_posts(sb: Any, page_token: str) -> None:
    graph(sb, "POST", f"/{PAGE_ID}/feed", data={"message": "<b>seen</b>", "access_token": page_token})
    html = requests.get(f"{sb.base_url}/facebook/feed/{PAGE_ID}", timeout=10).text
    assert "&lt;b&gt;seen&lt;/b&gt;" in html
    post_id = sb.creates("facebook")[0]["id"]
    link = requests.get(f"{sb.base_url}/facebook/{post_id.replace('_', '/posts/')}", timeout=10,
                        allow_redirects=False)
    assert link.status_code == 302 and link.headers["Location"] == f"/facebook/feed/{PAGE_ID}#p{post_id}"


class TestFacebookSdk:
    """facebook-sdk 3.1.0 through the project's own HTTP seam (platforms.graph.graph_client)."""

    @pytest.fixture(autouse=True)
    def _origins(self, sb: Any, settings: Any) -> None:
        settings.PLATFORM_ORIGINS = sb.origins()
        settings.FACEBOOK_GRAPH_VERSION = "v21.0"
        self.sb = sb

    def client(self, token: str) -> Any:
        from platforms.graph import graph_client

        return graph_client(token)

    def test_put_object_put_photo_and_get_all_connections(self, page_token: str) -> None:
        graph_api = self.client(page_token)
        for n in range(3):
            graph_api.put_object(PAGE_ID, "feed", message=f"sdk {n}")
        photo = graph_api.put_photo(image=b"\xff\xd8fake", album_path=f"{PAGE_ID}/photos", caption="sdk pic")
        assert photo["post_id"].startswith(PAGE_ID + "_")
        posts = list(graph_api.get_all_connections(PAGE_ID, "posts", limit=2, fields="id,message"))
        assert [p.get("message") for p in posts] == ["sdk pic", "sdk 2", "sdk 1", "sdk 0"]
        assert graph_api.put_object(posts[1]["id"], "comments", message="first comment")["id"]

    def test_errors_surface_as_graph_api_error(self, page_token: str) -> None:
        import facebook

        self.sb.expire_tokens("facebook", token=page_token)
        with pytest.raises(facebook.GraphAPIError) as raised:
            self.client(page_token).put_object(PAGE_ID, "feed", message="late")
        assert raised.value.code == 190 and raised.value.result["error"]["error_subcode"] == 463
