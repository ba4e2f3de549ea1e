"""The real tweepy 4.17 client against the sandbox, redirected at the requests-session seam."""

from __future__ import annotations

import base64
import hashlib
import secrets
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from requests.adapters import HTTPAdapter

tweepy = pytest.importorskip("tweepy")

DUPLICATE = "You are not allowed to create a Tweet with duplicate content."


class SandboxRedirect(HTTPAdapter):
    """Send ``https://<real origin>/…`` to the sandbox prefix the origins map names."""

    def __init__(self, origins: dict[str, str]) -> None:
        super().__init__()
        self.origins = origins

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:
        for origin, target in self.origins.items():
            if request.url and request.url.startswith(origin + "/"):
                request.url = target + request.url[len(origin):]
                break
        return super().send(request, **kwargs)


def redirected(session: requests.Session, sb: Any) -> None:
    adapter = SandboxRedirect(sb.origins())
    for origin in sb.origins():
        session.mount(origin + "/", adapter)


def test_create_tweet_and_duplicate_with_oauth2_bearer(sb):
    token = sb.mint_token("x", "smo_demo")["access_token"]
    client = tweepy.Client(bearer_token=token)
    redirected(client.session, sb)
    created = client.create_tweet(text="posted by tweepy", user_auth=False)
    assert created.data["id"].isdigit() and created.data["text"] == "posted by tweepy"
    with pytest.raises(tweepy.errors.Forbidden) as raised:
        client.create_tweet(text="posted by tweepy", user_auth=False)
    assert raised.value.api_messages == [DUPLICATE] and raised.value.api_codes == []
    assert [c["id"] for c in sb.creates("x")] == [created.data["id"]]


def test_reads_and_errors_through_tweepy(sb):
    token = sb.mint_token("x", "smo_demo")["access_token"]
    client = tweepy.Client(bearer_token=token)
    redirected(client.session, sb)
    me = client.get_me(user_fields=["profile_image_url"], user_auth=False).data
    assert me.username == "smo_demo" and me.profile_image_url
    first = client.create_tweet(text="one", user_auth=False).data["id"]
    client.create_tweet(text="two", in_reply_to_tweet_id=first, user_auth=False)
    page = client.get_users_tweets(me.id, max_results=5, tweet_fields=["created_at", "conversation_id"],
                                   user_auth=False)
    assert [t.text for t in page.data] == ["two", "one"]
    assert all(t.conversation_id == int(first) for t in page.data)
    assert page.meta["result_count"] == 2
    with pytest.raises(tweepy.errors.BadRequest):
        client.create_tweet(text="orphan", in_reply_to_tweet_id=1, user_auth=False)
    sb.set_faults({"platform": "x", "account": "smo_demo", "rate_limited": {"reset_in_s": 30}})
    with pytest.raises(tweepy.errors.TooManyRequests) as limited:
        client.create_tweet(text="later", user_auth=False)
    assert limited.value.api_codes == [88]
    sb.expire_tokens("x", "smo_demo")
    sb.clear_faults()
    with pytest.raises(tweepy.errors.Unauthorized):
        client.get_me(user_auth=False)


def test_oauth1_user_context(sb):
    grant = sb.mint_token("x", "curious_cat")
    client = tweepy.Client(consumer_key="ck", consumer_secret="cs", access_token=grant["oauth_token"],
                           access_token_secret=grant["oauth_token_secret"])
    redirected(client.session, sb)
    created = client.create_tweet(text="signed with OAuth 1.0a")  # user_auth=True by default
    assert created.data["id"].isdigit()
    assert sb.creates("x")[0]["username"] == "curious_cat"


def test_oauth2_user_handler_pkce_flow(sb):
    """tweepy's OAuth2UserHandler (requests-oauthlib) completes the whole PKCE flow."""
    handler = tweepy.OAuth2UserHandler(
        client_id="smo-client", client_secret="smo-secret", redirect_uri="https://smo.example/cb",
        scope=["tweet.read", "tweet.write", "users.read", "offline.access"],
    )
    redirected(handler, sb)
    authorize_url = handler.get_authorization_url()
    assert authorize_url.startswith("https://twitter.com/i/oauth2/authorize?")
    sandbox_url = sb.origins()["https://twitter.com"] + authorize_url[len("https://twitter.com"):]
    params = {k: v[0] for k, v in parse_qs(urlsplit(sandbox_url).query).items()}
    verifier = handler._client.code_verifier
    expected = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    assert params["code_challenge"] == expected and params["code_challenge_method"] == "S256"
    assert requests.get(sandbox_url, timeout=10).status_code == 200
    approved = requests.post(sandbox_url.split("?")[0], allow_redirects=False, timeout=10,
                             data={**params, "username": "smo_demo", "decision": "approve"})
    token = handler.fetch_token(approved.headers["Location"])
    assert token["token_type"] == "bearer" and token["refresh_token"]
    client = tweepy.Client(bearer_token=token["access_token"])
    redirected(client.session, sb)
    assert client.get_me(user_auth=False).data.username == "smo_demo"
    assert secrets.compare_digest(params["state"], parse_qs(urlsplit(approved.headers["Location"]).query)["state"][0])
