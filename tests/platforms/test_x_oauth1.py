"""X OAuth 1.0a 3-legged connect: exact requests (responses), then the whole flow through the views
against the live sandbox, ending with a post published with the stored OAuth 1.0a credentials."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any
from urllib.parse import parse_qs, parse_qsl, unquote, urlsplit

import pytest
import requests
import responses
from django.urls import reverse
from django.utils import timezone

from platforms import services, views
from platforms.errors import AuthExpired, NotSupported, RateLimited, TransientError
from platforms.models import Channel, Health
from platforms.sandbox.x_oauth1 import signature
from platforms.selectors import channel_ref, channels_needing_refresh
from platforms.types import ChannelRef, Credentials, PublishRequest
from platforms.x import XAdapter, oauth1
from smo import crypto
from tests.factories import ChannelFactory
from tests.platforms.sandbox_browser import sandbox_decide
from workspaces.models import Workspace

KEY, SECRET = "oauth1-test-consumer", "oauth1-test-consumer-secret"
CALLBACK = "https://smo.example/w/acme/channels/callback/x/"
REQUEST_TOKEN_URL = "https://api.x.com/oauth/request_token"
ACCESS_TOKEN_URL = "https://api.x.com/oauth/access_token"
FORM = {"Content-Type": "application/x-www-form-urlencoded"}
KEPT = oauth1.KEPT_PREFIX + '{"oauth_token": "req-token-1", "oauth_token_secret": "req-secret-1"}'


@pytest.fixture
def mock(settings: Any) -> Any:
    settings.PLATFORM_ORIGINS = {}
    settings.X_AUTH_MODE = "oauth1"
    settings.X_CONSUMER_KEY, settings.X_CONSUMER_SECRET = KEY, SECRET
    with responses.RequestsMock() as rsps:
        yield rsps


def oauth_header(call: Any) -> dict[str, str]:
    header = call.request.headers["Authorization"]  # requests-oauthlib sets it as bytes
    scheme, _, value = (header.decode() if isinstance(header, bytes) else header).partition(" ")
    assert scheme == "OAuth"
    return {k: unquote(v) for k, v in re.findall(r'(\w+)="([^"]*)"', value)}


def assert_signed(call: Any, url: str, token_secret: str) -> dict[str, str]:
    """The header's HMAC-SHA1 signature is right for `url`, recomputed by the sandbox's own code."""
    fields = oauth_header(call)
    assert (fields["oauth_signature_method"], fields["oauth_version"]) == ("HMAC-SHA1", "1.0")
    assert fields["oauth_consumer_key"] == KEY and fields["oauth_nonce"] and fields["oauth_timestamp"].isdigit()
    assert fields["oauth_signature"] == signature("POST", url, list(fields.items()), SECRET, token_secret)
    return fields


# -- adapter: request token and authorize URL -----------------------------------------------

def test_start_gets_a_request_token_and_keeps_its_secret_out_of_the_url(mock: Any) -> None:
    mock.post(REQUEST_TOKEN_URL, headers=FORM,
              body="oauth_token=req-token-1&oauth_token_secret=req-secret-1&oauth_callback_confirmed=true")
    start = XAdapter().authorization_url(CALLBACK)

    call = mock.calls[0]
    assert (call.request.method, call.request.url) == ("POST", REQUEST_TOKEN_URL)
    assert not call.request.body
    fields = assert_signed(call, REQUEST_TOKEN_URL, token_secret="")
    assert fields["oauth_callback"] == CALLBACK and "oauth_token" not in fields
    assert start.url == "https://api.x.com/oauth/authorize?oauth_token=req-token-1"
    assert start.state == "req-token-1"
    assert oauth1.is_kept(start.code_verifier) and "req-secret-1" in start.code_verifier
    assert "req-secret-1" not in start.url


def test_the_authorize_url_goes_through_platform_origins(mock: Any, settings: Any) -> None:
    settings.PLATFORM_ORIGINS = {"https://api.x.com": "http://sandbox.test/x"}
    mock.post("http://sandbox.test/x/oauth/request_token", headers=FORM,
              body="oauth_token=t&oauth_token_secret=s&oauth_callback_confirmed=true")
    start = XAdapter().authorization_url(CALLBACK)
    assert start.url == "http://sandbox.test/x/oauth/authorize?oauth_token=t"
    assert mock.calls[0].request.headers["X-Forwarded-Host"] == "api.x.com"
    assert_signed(mock.calls[0], REQUEST_TOKEN_URL, token_secret="")  # signed over the real URL


def test_an_unconfirmed_callback_is_not_trusted(mock: Any) -> None:
    mock.post(REQUEST_TOKEN_URL, headers=FORM, body="oauth_token=t&oauth_token_secret=s")
    with pytest.raises(TransientError, match="without a usable request token"):
        XAdapter().authorization_url(CALLBACK)


@pytest.mark.parametrize(("status", "body", "error", "message"), [
    (401, '{"errors":[{"code":32,"message":"Could not authenticate you."}]}', NotSupported, "X_CONSUMER_KEY"),
    (403, '<?xml version="1.0"?><errors><error code="415">Callback URL not approved for this client '
          'application.</error></errors>', NotSupported, "callback URL"),
    (429, '{"errors":[{"code":88,"message":"Rate limit exceeded"}]}', RateLimited, "rate limited"),
    (503, "Service Unavailable", TransientError, "server error \\(503\\)"),
])
def test_request_token_errors_are_explained(mock: Any, status: int, body: str, error: type, message: str) -> None:
    mock.post(REQUEST_TOKEN_URL, status=status, body=body)
    with pytest.raises(error, match=message):
        XAdapter().authorization_url(CALLBACK)


def test_network_errors_are_transient(mock: Any) -> None:
    mock.post(REQUEST_TOKEN_URL, body=requests.ConnectionError("refused"))
    with pytest.raises(TransientError, match="Could not reach X's sign-in endpoint"):
        XAdapter().authorization_url(CALLBACK)


def test_missing_consumer_credentials_fail_before_any_request(mock: Any, settings: Any) -> None:
    settings.X_CONSUMER_KEY = None
    with pytest.raises(NotSupported, match="X_CONSUMER_KEY and X_CONSUMER_SECRET"):
        XAdapter().authorization_url(CALLBACK)
    assert len(mock.calls) == 0


def test_an_unknown_mode_is_refused(mock: Any, settings: Any) -> None:
    settings.X_AUTH_MODE = "oauth3"
    with pytest.raises(NotSupported, match="X_AUTH_MODE must be 'oauth2' or 'oauth1'"):
        XAdapter().authorization_url(CALLBACK)


# -- adapter: access token ------------------------------------------------------------------

def test_exchange_signs_with_the_request_token_and_verifier(mock: Any) -> None:
    mock.post(ACCESS_TOKEN_URL, headers=FORM, body="oauth_token=42-user-token&oauth_token_secret=user-secret"
                                                    "&user_id=42&screen_name=acme")
    grant = XAdapter().exchange_code("verifier-9", CALLBACK, KEPT)

    call = mock.calls[0]
    assert (call.request.method, call.request.url) == ("POST", ACCESS_TOKEN_URL)
    fields = assert_signed(call, ACCESS_TOKEN_URL, token_secret="req-secret-1")
    assert (fields["oauth_token"], fields["oauth_verifier"]) == ("req-token-1", "verifier-9")
    assert (grant.access_token, grant.token_secret) == ("42-user-token", "user-secret")
    assert (grant.refresh_token, grant.expires_at) == ("", None)
    assert grant.extra == {"user_id": "42", "screen_name": "acme"}


@pytest.mark.parametrize(("body", "message"), [
    ("Error processing your OAuth request: Invalid oauth_verifier parameter", "verifier is wrong or was already"),
    ("Error processing your OAuth request: Invalid request token.", "expired or was already used"),
])
def test_refused_exchanges_ask_to_start_again(mock: Any, body: str, message: str) -> None:
    mock.post(ACCESS_TOKEN_URL, status=401, body=body)
    with pytest.raises(AuthExpired, match=message) as caught:
        XAdapter().exchange_code("v", CALLBACK, KEPT)
    assert "Error processing" not in caught.value.message  # X's own text is not echoed


def test_an_answer_without_a_secret_is_not_a_grant(mock: Any) -> None:
    mock.post(ACCESS_TOKEN_URL, headers=FORM, body="oauth_token=only-half")
    with pytest.raises(TransientError, match="without an access token"):
        XAdapter().exchange_code("v", CALLBACK, KEPT)


@pytest.mark.parametrize("kept", [oauth1.KEPT_PREFIX + "not json", oauth1.KEPT_PREFIX + '{"oauth_token": "x"}'])
def test_a_damaged_kept_request_token_fails_cleanly(mock: Any, kept: str) -> None:
    with pytest.raises(AuthExpired, match="request token is missing"):
        XAdapter().exchange_code("v", CALLBACK, kept)
    assert len(mock.calls) == 0


def test_a_pkce_flow_still_finishes_with_oauth2_after_the_mode_changed(mock: Any, settings: Any) -> None:
    settings.X_CLIENT_ID, settings.X_CLIENT_SECRET = "cid", "csecret"
    mock.post("https://api.x.com/2/oauth2/token", json={"access_token": "a", "expires_in": 7200, "scope": "x"})
    grant = XAdapter().exchange_code("code-1", CALLBACK, "plain-pkce-verifier")
    assert grant.access_token == "a" and grant.token_secret == ""
    assert parse_qs(mock.calls[0].request.body)["code_verifier"] == ["plain-pkce-verifier"]


def test_refresh_of_an_oauth1_channel_is_not_supported_and_sends_nothing(mock: Any) -> None:
    ref = ChannelRef("x", "42", "acme", Credentials(access_token="42-t", token_secret="s"))
    with pytest.raises(NotSupported, match="do not expire and cannot be renewed"):
        XAdapter().refresh(ref)
    assert len(mock.calls) == 0


# -- services -------------------------------------------------------------------------------

@pytest.mark.django_db
def test_the_refresh_job_skips_oauth1_channels(workspace: Workspace) -> None:
    oauth1_channel = ChannelFactory(workspace=workspace, platform="x", external_id="1",
                                    credentials={"access_token": "1-t", "token_secret": "s"}, token_expires_at=None)
    expiring = ChannelFactory(workspace=workspace, platform="x", external_id="2",
                              credentials={"access_token": "a", "refresh_token": "r"},
                              token_expires_at=timezone.now() + timedelta(minutes=5))
    assert list(channels_needing_refresh(timedelta(minutes=15))) == [expiring]
    assert oauth1_channel not in channels_needing_refresh(timedelta(days=3650))


# -- the whole flow through the views, against the live sandbox -----------------------------

@pytest.fixture
def oauth1_sandbox(x_sandbox: Any, settings: Any) -> Any:
    settings.X_AUTH_MODE = "oauth1"
    settings.X_CONSUMER_KEY, settings.X_CONSUMER_SECRET = KEY, SECRET
    x_sandbox.register_client("x", KEY, SECRET)  # the sandbox now checks every signature
    return x_sandbox


def url(name: str, **kwargs: Any) -> str:
    return reverse(f"platforms:{name}", kwargs={"slug": "acme", **kwargs})


def start(client: Any) -> str:
    response = client.post(url("connect", platform="x"))
    assert response.status_code == 302, response.content
    return response["Location"]


def path_of(location: str) -> str:
    parts = urlsplit(location)
    return f"{parts.path}?{parts.query}"


@pytest.mark.django_db
def test_connect_with_oauth1_then_publish_with_the_stored_token(admin_client: Any, oauth1_sandbox: Any,
                                                                 workspace: Workspace) -> None:
    authorize = start(admin_client)
    assert authorize.startswith(oauth1_sandbox.base_url + "/x/oauth/authorize?oauth_token=")
    request_token = parse_qs(urlsplit(authorize).query)["oauth_token"][0]
    sealed = admin_client.session[views.PENDING_KEY][request_token]["verifier"]
    # The request token secret waits in the server-side session, encrypted.
    assert oauth1.is_kept(crypto.decrypt(sealed).decode()) and "oauth_token_secret" not in sealed

    location = sandbox_decide(authorize, "acme_oauth1")
    assert location.startswith("http://testserver/w/acme/channels/callback/x/?")
    response = admin_client.get(path_of(location), follow=True)

    channel = Channel.objects.get(workspace=workspace, platform="x")
    creds = channel.credentials
    assert (channel.handle, channel.health, channel.last_error) == ("acme_oauth1", Health.OK, "")
    assert creds["access_token"].startswith(channel.external_id + "-") and creds["token_secret"]
    assert (creds["refresh_token"], channel.token_expires_at) == ("", None)
    page = response.content.decode()
    assert "Connected Acme Oauth1 on X." in page
    assert creds["access_token"] not in page and creds["token_secret"] not in page

    # The token is an OAuth 1.0a one: the sandbox only accepts it in a signed OAuth header, never as Bearer.
    result = XAdapter().publish(PublishRequest(channel=channel_ref(channel), text="Hello from OAuth 1.0a"))
    created = oauth1_sandbox.creates("x", account="acme_oauth1")
    assert result.external_id in [create["id"] for create in created]
    assert channel not in channels_needing_refresh(timedelta(days=3650))


@pytest.mark.django_db
def test_denied_sign_in_is_explained(admin_client: Any, oauth1_sandbox: Any, workspace: Workspace) -> None:
    location = sandbox_decide(start(admin_client), "acme_oauth1", decision="deny")
    assert "denied=" in location
    response = admin_client.get(path_of(location))
    assert response.status_code == 400
    assert "You did not allow SMO to use your X account" in response.content.decode()
    assert not Channel.objects.filter(workspace=workspace).exists()


@pytest.mark.django_db
def test_a_reused_request_token_is_refused(admin_client: Any, oauth1_sandbox: Any) -> None:
    location = sandbox_decide(start(admin_client), "acme_oauth1")
    assert admin_client.get(path_of(location)).status_code == 302
    replay = admin_client.get(path_of(location))
    assert replay.status_code == 400 and "does not match a connection started" in replay.content.decode()


@pytest.mark.django_db
def test_a_bad_verifier_is_explained_and_stores_nothing(admin_client: Any, oauth1_sandbox: Any,
                                                        workspace: Workspace) -> None:
    location = sandbox_decide(start(admin_client), "acme_oauth1")
    query = dict(parse_qsl(urlsplit(location).query))
    response = admin_client.get(url("callback", platform="x"), {**query, "oauth_verifier": "guessed"})
    assert response.status_code == 502
    assert "verifier is wrong or was already used" in response.content.decode()
    assert not Channel.objects.filter(workspace=workspace).exists()


@pytest.mark.django_db
def test_a_foreign_oauth_token_matches_no_connection(admin_client: Any, oauth1_sandbox: Any) -> None:
    start(admin_client)
    response = admin_client.get(url("callback", platform="x"), {"oauth_token": "forged", "oauth_verifier": "v"})
    assert response.status_code == 400 and "does not match a connection started" in response.content.decode()


@pytest.mark.django_db
def test_network_errors_show_on_the_connect_error_page(admin_client: Any, oauth1_sandbox: Any,
                                                       settings: Any) -> None:
    location = sandbox_decide(start(admin_client), "acme_oauth1")
    settings.PLATFORM_ORIGINS = {**settings.PLATFORM_ORIGINS, "https://api.x.com": "http://127.0.0.1:9/x"}
    callback = admin_client.get(path_of(location))
    assert callback.status_code == 502 and "Could not reach X" in callback.content.decode()
    connect = admin_client.post(url("connect", platform="x"))
    assert connect.status_code == 503 and "Could not reach X" in connect.content.decode()


@pytest.mark.django_db
def test_wrong_consumer_secret_is_reported_at_connect(admin_client: Any, oauth1_sandbox: Any, settings: Any) -> None:
    settings.X_CONSUMER_SECRET = "not-the-registered-secret"
    response = admin_client.post(url("connect", platform="x"))
    assert response.status_code == 503 and "X_CONSUMER_KEY / X_CONSUMER_SECRET" in response.content.decode()


@pytest.mark.django_db
def test_reconnecting_a_pkce_channel_with_oauth1_drops_the_oauth2_refresh_token(
        admin_client: Any, oauth1_sandbox: Any, workspace: Workspace) -> None:
    admin_client.get(path_of(sandbox_decide(start(admin_client), "acme_oauth1")))
    channel = Channel.objects.get(workspace=workspace, platform="x")
    Channel.objects.filter(pk=channel.pk).update(
        credentials={"access_token": "old-oauth2", "refresh_token": "old-refresh"},
        token_expires_at=timezone.now() + timedelta(hours=1), health=Health.NEEDS_RECONNECT)
    admin_client.get(path_of(sandbox_decide(start(admin_client), "acme_oauth1")))
    channel.refresh_from_db()
    assert channel.credentials["token_secret"] and channel.credentials["refresh_token"] == ""
    assert channel.token_expires_at is None and channel.health == Health.OK
    with pytest.raises(NotSupported):
        services.channel_refresh_token(channel)  # never called by the job; if it were, nothing breaks
    channel.refresh_from_db()
    assert channel.health == Health.OK
