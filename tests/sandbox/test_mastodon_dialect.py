"""The Mastodon dialect over real HTTP: app registration, OAuth, statuses with options, notifications,
conversations, context and the audience simulator."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit

import requests

from platforms.sandbox.testing import SandboxProcess

REDIRECT = "https://smo.example/w/acme/channels/callback/mastodon/"
# audience.py looks up a webhook path for every platform; Mastodon is polled, so any URL will do.
UNUSED_WEBHOOK = {"webhook_url": "http://127.0.0.1:9/unused"}


def base(sb: SandboxProcess) -> str:
    return f"{sb.base_url}/mastodon"


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def register(sb: SandboxProcess, scopes: str = "read write") -> dict[str, Any]:
    response = requests.post(f"{base(sb)}/api/v1/apps", timeout=10,
                             data={"client_name": "SMO", "redirect_uris": REDIRECT, "scopes": scopes})
    assert response.status_code == 200, response.text
    return response.json()


def authorize(sb: SandboxProcess, app: dict[str, Any], *, decision: str = "approve", username: str = "smo_demo",
              redirect_uri: str = REDIRECT) -> requests.Response:
    form = {"response_type": "code", "client_id": app["client_id"], "redirect_uri": redirect_uri,
            "scope": "read write", "state": "s-1", "decision": decision, "username": username}
    return requests.post(f"{base(sb)}/oauth/authorize", data=form, allow_redirects=False, timeout=10)


def code_from(response: requests.Response) -> str:
    assert response.status_code == 302, response.text
    query = parse_qs(urlsplit(response.headers["Location"]).query)
    assert query["state"] == ["s-1"]
    return query["code"][0]


def exchange(sb: SandboxProcess, app: dict[str, Any], code: str, **override: str) -> requests.Response:
    form = {"grant_type": "authorization_code", "code": code, "client_id": app["client_id"],
            "client_secret": app["client_secret"], "redirect_uri": REDIRECT, **override}
    return requests.post(f"{base(sb)}/oauth/token", data=form, timeout=10)


def test_app_registration_and_code_flow_issue_a_token_that_never_expires(sb: SandboxProcess) -> None:
    app = register(sb)
    assert app["client_id"] and app["client_secret"] and app["redirect_uri"] == REDIRECT
    page = requests.get(f"{base(sb)}/oauth/authorize", timeout=10, params={
        "response_type": "code", "client_id": app["client_id"], "redirect_uri": REDIRECT, "scope": "read write",
        "state": "s-1"})
    assert page.status_code == 200 and "Approve" in page.text and "SMO" in page.text
    token = exchange(sb, app, code_from(authorize(sb, app)))
    assert token.status_code == 200, token.text
    body = token.json()
    assert body["token_type"] == "Bearer" and body["scope"] == "read write" and "expires_in" not in body
    me = requests.get(f"{base(sb)}/api/v1/accounts/verify_credentials", headers=bearer(body["access_token"]),
                      timeout=10)
    assert me.json()["acct"] == "smo_demo"


def test_token_endpoint_errors_are_doorkeeper_shaped(sb: SandboxProcess) -> None:
    app = register(sb)
    code = code_from(authorize(sb, app))
    wrong_secret = exchange(sb, app, code, client_secret="nope")
    assert wrong_secret.status_code == 401 and wrong_secret.json()["error"] == "invalid_client"
    assert exchange(sb, app, code).status_code == 200
    replayed = exchange(sb, app, code)
    assert replayed.status_code == 400 and replayed.json()["error"] == "invalid_grant"


def test_a_reset_instance_forgets_apps_and_the_authorize_page_refuses_them(sb: SandboxProcess) -> None:
    app = register(sb)
    sb.reset()
    page = requests.get(f"{base(sb)}/oauth/authorize", timeout=10, params={
        "response_type": "code", "client_id": app["client_id"], "redirect_uri": REDIRECT, "scope": "read",
        "state": "s"})
    assert page.status_code == 400 and "unknown client" in page.text
    forgotten = requests.post(f"{base(sb)}/oauth/token", timeout=10, data={
        "grant_type": "client_credentials", "client_id": app["client_id"], "client_secret": app["client_secret"]})
    assert forgotten.status_code == 401 and forgotten.json()["error"] == "invalid_client"


def test_deny_and_a_foreign_redirect_uri(sb: SandboxProcess) -> None:
    app = register(sb)
    denied = authorize(sb, app, decision="deny")
    assert denied.status_code == 302 and "error=access_denied" in denied.headers["Location"]
    foreign = authorize(sb, app, redirect_uri="https://evil.example/cb")
    assert foreign.status_code == 400 and "redirect uri" in foreign.text


def test_status_options_and_a_mention_notify_and_thread(sb: SandboxProcess) -> None:
    demo, fan = sb.mint_token("mastodon", "smo_demo"), sb.mint_token("mastodon", "sandbox_fan")
    ours = requests.post(f"{base(sb)}/api/v1/statuses", headers=bearer(demo["access_token"]), timeout=10,
                         json={"status": "Launch day", "spoiler_text": "spoilers", "visibility": "unlisted",
                               "language": "en"}).json()
    assert (ours["spoiler_text"], ours["visibility"], ours["language"], ours["sensitive"]) == \
        ("spoilers", "unlisted", "en", True)
    answer = requests.post(f"{base(sb)}/api/v1/statuses", headers=bearer(fan["access_token"]), timeout=10,
                           json={"status": "@smo_demo congrats!", "in_reply_to_id": ours["id"]}).json()
    assert answer["in_reply_to_account_id"] == demo["account_id"]
    notes = requests.get(f"{base(sb)}/api/v1/notifications", headers=bearer(demo["access_token"]), timeout=10,
                         params={"types[]": "mention"}).json()
    assert [(n["type"], n["status"]["id"], n["account"]["acct"]) for n in notes] == \
        [("mention", answer["id"], "sandbox_fan")]
    after = requests.get(f"{base(sb)}/api/v1/notifications", headers=bearer(demo["access_token"]), timeout=10,
                         params={"types[]": "mention", "min_id": notes[0]["id"]}).json()
    assert after == []
    context = requests.get(f"{base(sb)}/api/v1/statuses/{answer['id']}/context", timeout=10,
                           headers=bearer(demo["access_token"])).json()
    assert [s["id"] for s in context["ancestors"]] == [ours["id"]] and context["descendants"] == []


def test_spoiler_text_counts_toward_the_limit(sb: SandboxProcess) -> None:
    demo = sb.mint_token("mastodon", "smo_demo")
    response = requests.post(f"{base(sb)}/api/v1/statuses", headers=bearer(demo["access_token"]), timeout=10,
                             json={"status": "x" * 450, "spoiler_text": "y" * 51})
    assert response.status_code == 422 and "character limit of 500" in response.json()["error"]


def test_audience_messages_open_one_conversation_and_replies_thread_on_our_post(sb: SandboxProcess) -> None:
    demo = sb.mint_token("mastodon", "smo_demo")
    post = requests.post(f"{base(sb)}/api/v1/statuses", headers=bearer(demo["access_token"]), timeout=10,
                         json={"status": "Ask me anything"}).json()
    made = requests.post(f"{sb.base_url}/_sandbox/audience", timeout=10, json={
        "platform": "mastodon", "account": "smo_demo", "comments": 1, "mentions": 1, "messages": 2, **UNUSED_WEBHOOK})
    assert made.status_code == 201, made.text
    items = made.json()["items"]
    comment = next(i for i in items if i["kind"] == "comments")
    assert comment["post_id"] == post["id"] and comment["parent_id"] == post["id"]
    conversations = requests.get(f"{base(sb)}/api/v1/conversations", headers=bearer(demo["access_token"]),
                                 timeout=10).json()
    messages = [i for i in items if i["kind"] == "messages"]
    # The two messages come from two strangers: two conversations, each ending with its message.
    assert sorted(c["last_status"]["id"] for c in conversations) == sorted(m["id"] for m in messages)
    assert all(c["last_status"]["visibility"] == "direct" for c in conversations)
    notes = requests.get(f"{base(sb)}/api/v1/notifications", headers=bearer(demo["access_token"]), timeout=10,
                         params={"types[]": "mention"}).json()
    assert {n["status"]["id"] for n in notes} == {i["id"] for i in items}
    assert len(sb.creates("mastodon", "smo_demo")) == 1  # the audience's statuses are not SMO's creates


def test_the_feed_page_shows_statuses_escaped(sb: SandboxProcess) -> None:
    demo = sb.mint_token("mastodon", "smo_demo")
    requests.post(f"{base(sb)}/api/v1/statuses", headers=bearer(demo["access_token"]), timeout=10,
                  json={"status": "<b>Feed</b> check"})
    page = requests.get(f"{base(sb)}/feed/smo_demo", timeout=10)
    assert page.status_code == 200 and "&lt;b&gt;Feed&lt;/b&gt; check" in page.text
