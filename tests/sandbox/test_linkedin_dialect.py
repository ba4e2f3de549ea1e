"""The LinkedIn dialect over real HTTP: OAuth, version headers, posts, media uploads, comments, audience."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, quote, urlsplit

import pytest
import requests

from platforms.sandbox.linkedin_api import visible
from platforms.sandbox.linkedin_common import active_versions

ORG = "urn:li:organization:100000001"
MEMBER = "urn:li:person:smoDemo0001"
REDIRECT = "https://smo.example/oauth/linkedin/callback"
# The audience simulator looks up a webhook address for every platform unless one is given; LinkedIn
# items are polled, so this address is never called.
NO_WEBHOOK = "http://127.0.0.1:9/unused"
HEADERS = {"LinkedIn-Version": "202601", "X-Restli-Protocol-Version": "2.0.0"}


class LinkedIn:
    def __init__(self, base_url: str, token: str) -> None:
        self.base = f"{base_url}/linkedin"
        self.session = requests.Session()
        self.session.headers.update({"Authorization": f"Bearer {token}", **HEADERS})

    def call(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        url = path if path.startswith("http") else self.base + path
        return self.session.request(method, url, timeout=10, **kwargs)

    def post(self, author: str, commentary: str, **extra: Any) -> requests.Response:
        return self.call("POST", "/rest/posts", json={"author": author, "commentary": commentary,
                                                     "visibility": "PUBLIC", "lifecycleState": "PUBLISHED", **extra})


@pytest.fixture
def li(sb: Any) -> LinkedIn:
    return LinkedIn(sb.base_url, sb.mint_token("linkedin", "smo_demo")["access_token"])


def local(sb: Any, url: str) -> str:
    return url.replace("https://www.linkedin.com", f"{sb.base_url}/linkedin")


def test_active_versions_are_the_last_twelve_months() -> None:
    from datetime import UTC, datetime
    versions = active_versions(datetime(2026, 11, 5, tzinfo=UTC))
    assert "202611" in versions and "202512" in versions and "202511" not in versions and len(versions) == 12


def test_visible_cuts_at_the_first_unescaped_reserved_character() -> None:
    assert visible(r"Price \(EUR\) \#1") == (r"Price \(EUR\) \#1", "Price (EUR) #1")
    assert visible("Hello (world)") == ("Hello ", "Hello ")
    assert visible("a\\\\(b")[1] == "a\\"  # an escaped backslash does not escape the parenthesis


def test_oauth_code_flow_and_refresh(sb: Any) -> None:
    sb.set_faults({"rules": [], "linkedin_refresh_tokens": True})
    page = requests.get(f"{sb.base_url}/linkedin/oauth/v2/authorization", timeout=10, params={
        "response_type": "code", "client_id": "smo", "redirect_uri": REDIRECT, "state": "s1", "scope": "openid"})
    assert page.status_code == 200 and "Allow" in page.text
    answer = requests.post(f"{sb.base_url}/linkedin/oauth/v2/authorization", allow_redirects=False, timeout=10,
                           data={"client_id": "smo", "redirect_uri": REDIRECT, "state": "s1", "scope": "openid profile",
                                 "username": "smo_demo", "decision": "approve"})
    query = parse_qs(urlsplit(answer.headers["Location"]).query)
    assert query["state"] == ["s1"]
    form = {"grant_type": "authorization_code", "code": query["code"][0], "redirect_uri": REDIRECT,
            "client_id": "smo", "client_secret": "secret"}
    token = requests.post(f"{sb.base_url}/linkedin/oauth/v2/accessToken", data=form, timeout=10)
    assert token.status_code == 200
    grant = token.json()
    assert grant["expires_in"] == 60 * 24 * 3600 and grant["scope"] == "openid,profile" and grant["refresh_token"]
    again = requests.post(f"{sb.base_url}/linkedin/oauth/v2/accessToken", data=form, timeout=10)
    assert again.status_code == 400 and again.json()["error"] == "invalid_request"
    refreshed = requests.post(f"{sb.base_url}/linkedin/oauth/v2/accessToken", timeout=10, data={
        "grant_type": "refresh_token", "refresh_token": grant["refresh_token"], "client_id": "smo",
        "client_secret": "secret"}).json()
    assert refreshed["access_token"] != grant["access_token"]
    assert refreshed["refresh_token"] == grant["refresh_token"]  # TTL not extended, same refresh token
    me = requests.get(f"{sb.base_url}/linkedin/v2/userinfo", timeout=10,
                      headers={"Authorization": f"Bearer {refreshed['access_token']}"}).json()
    assert me["sub"] == "smoDemo0001" and me["name"] == "SMO Demo"


def test_deny_redirects_with_linkedins_error(sb: Any) -> None:
    answer = requests.post(f"{sb.base_url}/linkedin/oauth/v2/authorization", allow_redirects=False, timeout=10,
                           data={"client_id": "smo", "redirect_uri": REDIRECT, "state": "s2", "decision": "deny"})
    assert parse_qs(urlsplit(answer.headers["Location"]).query)["error"] == ["user_cancelled_authorize"]


def test_version_headers_are_required(li: LinkedIn) -> None:
    missing = li.call("GET", "/rest/organizationAcls", params={"q": "roleAssignee"},
                      headers={"LinkedIn-Version": ""})
    assert missing.status_code == 400 and missing.json()["code"] == "VERSION_MISSING"
    old = li.call("GET", "/rest/organizationAcls", params={"q": "roleAssignee"}, headers={"LinkedIn-Version": "202001"})
    assert old.status_code == 426 and old.json() == {"status": 426, "code": "NONEXISTENT_VERSION",
                                                     "message": "Requested version 202001 is not active"}
    no_restli = li.call("GET", "/rest/organizationAcls", params={"q": "roleAssignee"},
                        headers={"X-Restli-Protocol-Version": ""})
    assert no_restli.status_code == 400


def test_bad_token_answers_linkedins_401(sb: Any) -> None:
    answer = LinkedIn(sb.base_url, "nope").call("GET", "/rest/organizationAcls", params={"q": "roleAssignee"})
    assert answer.status_code == 401
    assert answer.json() == {"status": 401, "code": "INVALID_ACCESS_TOKEN", "message": "Invalid access token",
                             "serviceErrorCode": 65600}


def test_organizations_the_member_administers(li: LinkedIn) -> None:
    acls = li.call("GET", "/rest/organizationAcls", params={"q": "roleAssignee"}).json()["elements"]
    assert [row["organization"] for row in acls] == [ORG, "urn:li:organization:100000002"]
    org = li.call("GET", "/rest/organizations/100000001").json()
    assert org["localizedName"] == "SMO Demo Company"


def test_post_create_list_duplicate_and_permission(li: LinkedIn, sb: Any) -> None:
    created = li.post(ORG, r"Launch \#1 \(today\)")
    assert created.status_code == 201 and created.content == b""
    urn = created.headers["x-restli-id"]
    assert urn.startswith("urn:li:share:")
    listed = li.call("GET", "/rest/posts", params={"author": ORG, "q": "author"}).json()["elements"]
    assert [(p["id"], p["commentary"]) for p in listed] == [(urn, r"Launch \#1 \(today\)")]
    assert sb.creates("linkedin")[-1]["text"] == "Launch #1 (today)"
    duplicate = li.post(ORG, r"Launch \#1 \(today\)")
    assert duplicate.status_code == 422 and duplicate.json()["message"] == f"Content is a duplicate of {urn}"
    stranger = LinkedIn(sb.base_url, sb.mint_token("linkedin", "sandbox_fan")["access_token"])
    assert stranger.post(ORG, "Not my company").status_code == 403
    assert li.call("POST", "/rest/posts", json={"commentary": "x"}).status_code == 422


def test_unescaped_reserved_characters_truncate_the_text(li: LinkedIn, sb: Any) -> None:
    assert li.post(MEMBER, "Hello (world) and more").status_code == 201
    assert sb.creates("linkedin")[-1]["text"] == "Hello "


def test_image_upload_then_post(li: LinkedIn, sb: Any) -> None:
    init = li.call("POST", "/rest/images", params={"action": "initializeUpload"},
                   json={"initializeUploadRequest": {"owner": ORG}}).json()["value"]
    assert li.call("PUT", local(sb, init["uploadUrl"]), data=b"\x89PNG").status_code == 201
    status = li.call("GET", f"/rest/images/{quote(init['image'], safe='')}").json()
    assert status["status"] == "AVAILABLE"
    assert li.post(ORG, "With image", content={"media": {"id": init["image"]}}).status_code == 201
    bogus = li.post(ORG, "Other", content={"media": {"id": "urn:li:image:D000"}})
    assert bogus.status_code == 422


def test_video_parts_finalize_and_processing(li: LinkedIn, sb: Any) -> None:
    size = 4 * 1024 * 1024 + 10
    init = li.call("POST", "/rest/videos", params={"action": "initializeUpload"}, json={"initializeUploadRequest": {
        "owner": MEMBER, "fileSizeBytes": size, "uploadCaptions": False, "uploadThumbnail": False}}).json()["value"]
    parts = init["uploadInstructions"]
    assert [(p["firstByte"], p["lastByte"]) for p in parts] == [(0, 4 * 1024 * 1024 - 1), (4 * 1024 * 1024, size - 1)]
    etags = [li.call("PUT", local(sb, p["uploadUrl"]), data=b"v" * (p["lastByte"] - p["firstByte"] + 1))
             .headers["ETag"] for p in parts]
    early = li.post(MEMBER, "Too early", content={"media": {"id": init["video"]}})
    assert early.status_code == 422
    wrong = li.call("POST", "/rest/videos", params={"action": "finalizeUpload"}, json={"finalizeUploadRequest": {
        "video": init["video"], "uploadToken": init["uploadToken"], "uploadedPartIds": etags[:1]}})
    assert wrong.status_code == 400
    done = li.call("POST", "/rest/videos", params={"action": "finalizeUpload"}, json={"finalizeUploadRequest": {
        "video": init["video"], "uploadToken": init["uploadToken"], "uploadedPartIds": etags}})
    assert done.status_code == 200
    path = f"/rest/videos/{quote(init['video'], safe='')}"
    assert [li.call("GET", path).json()["status"] for _ in range(2)] == ["PROCESSING", "AVAILABLE"]
    assert li.post(MEMBER, "Video", content={"media": {"id": init["video"]}}).status_code == 201


def test_comments_replies_and_audience(li: LinkedIn, sb: Any) -> None:
    urn = li.post(ORG, "Comment on me").headers["x-restli-id"]
    made = requests.post(f"{sb.base_url}/_sandbox/audience", timeout=10, json={
        "platform": "linkedin", "account": "smo_demo_company", "comments": 1, "replies": 1,
        "webhook_url": NO_WEBHOOK}).json()
    comment = next(item for item in made["items"] if item["kind"] == "comments")
    reply = next(item for item in made["items"] if item["kind"] == "replies")
    assert reply["parent_id"] == comment["id"] and comment["post_id"] == urn
    top = li.call("GET", f"/rest/socialActions/{quote(urn, safe='')}/comments").json()["elements"]
    assert [c["commentUrn"] for c in top] == [comment["id"]]
    assert top[0]["message"]["text"] == comment["text"] and top[0]["commentsSummary"]["aggregatedTotalComments"] == 1
    nested = li.call("GET", f"/rest/socialActions/{quote(comment['id'], safe='')}/comments").json()["elements"]
    assert [c["parentComment"] for c in nested] == [comment["id"]]
    answer = li.call("POST", f"/rest/socialActions/{quote(comment['id'], safe='')}/comments", json={
        "actor": ORG, "object": urn, "parentComment": comment["id"], "message": {"text": "Thanks!"}})
    assert answer.status_code == 201 and answer.headers["x-restli-id"] == answer.json()["commentUrn"]
    single = li.call("GET", f"/rest/socialActions/{quote(urn, safe='')}/comments/{answer.json()['id']}").json()
    assert single["parentComment"] == comment["id"] and single["actor"] == ORG
    member_posts = requests.post(f"{sb.base_url}/_sandbox/audience", timeout=10, json={
        "platform": "linkedin", "account": "smo_demo", "comments": 1, "webhook_url": NO_WEBHOOK})
    assert member_posts.status_code in (409, 400)


def test_injected_errors_use_linkedins_format(li: LinkedIn, sb: Any) -> None:
    sb.set_faults({"platform": "linkedin", "match": "POST /rest/posts", "error_rates": {"503": 1.0}, "count": 1})
    answer = li.post(MEMBER, "Faulted")
    assert answer.status_code == 503 and answer.json()["status"] == 503 and answer.json()["message"]


def test_feed_and_permalink(li: LinkedIn, sb: Any) -> None:
    urn = li.post(ORG, r"On the feed \<3").headers["x-restli-id"]
    feed = requests.get(f"{sb.base_url}/linkedin/feed/smo_demo_company", timeout=10)
    assert "On the feed &lt;3" in feed.text
    link = requests.get(f"{sb.base_url}/linkedin/feed/update/{urn}", timeout=10, allow_redirects=False)
    assert link.status_code == 302 and link.headers["Location"].endswith(f"#p{urn}")
