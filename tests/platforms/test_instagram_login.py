"""Instagram Login: graph.instagram.com as the host, /me, the authorize URL, code exchange and refresh."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
import responses

from platforms.errors import AuthExpired, NotSupported
from platforms.instagram import InstagramAdapter
from platforms.types import ChannelRef, Credentials, MediaItem, PublishRequest
from tests.platforms.fake_instagram import IG_GRAPH, IG_ID, FakeInstagram, fixture

TOKEN = "IGAA-login-token-31d9"
CHANNEL = ChannelRef(platform="instagram", external_id=IG_ID, handle="smodemo",
                     credentials=Credentials(access_token=TOKEN, extra={"login": "instagram"}))
TOKEN_URL = "https://api.instagram.com/oauth/access_token"


@pytest.fixture
def fake(settings) -> Iterator[FakeInstagram]:
    settings.PLATFORM_ORIGINS = {}
    settings.FACEBOOK_GRAPH_VERSION = "v21.0"
    settings.INSTAGRAM_APP_ID, settings.INSTAGRAM_APP_SECRET = "ig-app-1", "ig-app-secret-9"
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield FakeInstagram(mock, graph=IG_GRAPH)


def test_publishing_goes_to_graph_instagram_com(fake: FakeInstagram) -> None:
    fake.install_ok()
    image = MediaItem(url="https://example.org/a.jpg", mime_type="image/jpeg")
    result = InstagramAdapter().publish(PublishRequest(channel=CHANNEL, text="Hi", media=(image,)))
    assert result.external_id and set(fake.hosts) == {"graph.instagram.com"}
    assert fake.paths()[:2] == [f"/{IG_ID}/content_publishing_limit", f"/{IG_ID}/media"]


def test_verify_reads_me_and_takes_user_id(fake: FakeInstagram) -> None:
    fake.answer(responses.GET, r"me", fixture("me_instagram_login"))
    probe = ChannelRef("instagram", "", "", Credentials(access_token=TOKEN))  # a connect probe: no id yet
    account = InstagramAdapter().verify(probe)
    assert (account.external_id, account.handle, account.display_name) == (IG_ID, "smodemo", "SMO Demo")
    assert account.avatar_url.startswith("https://scontent")
    assert fake.calls == [("GET", "/me", {"fields": "user_id,username,name,profile_picture_url",
                                          "access_token": TOKEN})] and fake.hosts == ["graph.instagram.com"]


def test_authorization_url(fake: FakeInstagram) -> None:
    start = InstagramAdapter().authorization_url("https://smo.example/w/acme/channels/callback/instagram/")
    parts = urlsplit(start.url)
    query = {k: v[0] for k, v in parse_qs(parts.query).items()}
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == "https://www.instagram.com/oauth/authorize"
    assert query == {"client_id": "ig-app-1", "redirect_uri": "https://smo.example/w/acme/channels/callback/instagram/",
                     "response_type": "code", "state": start.state,
                     "scope": "instagram_business_basic,instagram_business_content_publish,"
                              "instagram_business_manage_comments,instagram_business_manage_messages"}


def test_exchange_code_then_long_lived_token(fake: FakeInstagram) -> None:
    short = fake.mock.add(responses.POST, TOKEN_URL, json=fixture("token_exchange_200"))
    long = fake.mock.add(responses.GET, "https://graph.instagram.com/access_token",
                         json=fixture("token_long_lived_200"))
    grant = InstagramAdapter().exchange_code("code-1", "https://smo.example/cb", "")
    assert parse_qs(short.calls[0].request.body) == {
        "client_id": ["ig-app-1"], "client_secret": ["ig-app-secret-9"], "code": ["code-1"],
        "grant_type": ["authorization_code"], "redirect_uri": ["https://smo.example/cb"]}
    assert parse_qs(urlsplit(long.calls[0].request.url).query) == {
        "grant_type": ["ig_exchange_token"], "client_secret": ["ig-app-secret-9"],
        "access_token": ["IGAAshort-lived-token-1"]}
    assert grant.access_token == "IGAAlong-lived-token-2"
    assert grant.scopes == ("instagram_business_basic", "instagram_business_content_publish")
    assert grant.extra == {"login": "instagram"}  # stored with the channel: later calls use graph.instagram.com
    assert grant.expires_at and grant.expires_at - datetime.now(UTC) > timedelta(days=59)


def test_bad_code_is_auth_expired_without_the_secret(fake: FakeInstagram) -> None:
    fake.mock.add(responses.POST, TOKEN_URL, json=fixture("token_error_400"), status=400)
    with pytest.raises(AuthExpired, match="Invalid authorization code") as caught:
        InstagramAdapter().exchange_code("bad", "https://smo.example/cb", "")
    assert "ig-app-secret-9" not in str(caught.value)


def test_refresh_uses_ig_refresh_token(fake: FakeInstagram) -> None:
    call = fake.mock.add(responses.GET, "https://graph.instagram.com/refresh_access_token",
                         json=fixture("token_long_lived_200"))
    grant = InstagramAdapter().refresh(CHANNEL)
    assert parse_qs(urlsplit(call.calls[0].request.url).query) == {"grant_type": ["ig_refresh_token"],
                                                                   "access_token": [TOKEN]}
    assert grant.access_token == "IGAAlong-lived-token-2"


def test_refresh_of_an_expired_token_is_auth_expired(fake: FakeInstagram) -> None:
    fake.mock.add(responses.GET, "https://graph.instagram.com/refresh_access_token", json=fixture("error_190_463"),
                  status=400)
    with pytest.raises(AuthExpired) as caught:
        InstagramAdapter().refresh(CHANNEL)
    assert TOKEN not in caught.value.message


def test_unconfigured_instagram_login_names_the_settings(settings) -> None:
    settings.INSTAGRAM_APP_ID = None
    with pytest.raises(NotSupported, match="INSTAGRAM_APP_ID"):
        InstagramAdapter().exchange_code("c", "https://smo.example/cb", "")
