"""X adapter specifics beyond the shared contract: length rules, threads, auth modes, error mapping."""

from __future__ import annotations

import base64
import hashlib
import json
import time
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
import responses
import tweepy

from platforms.errors import (
    AuthExpired,
    ContentRejected,
    NotSupported,
    OutcomeUnknown,
    RateLimited,
    TransientError,
)
from platforms.types import ChannelRef, Credentials, MediaItem, PublishRequest, ReplyTarget
from platforms.x import XAdapter
from platforms.x.text import fingerprint_text
from platforms.x.translate import translate
from tests.platforms.fake_x import API, USER_ID, FakeX, dropped_after_send, fixture

TOKEN = "adapter-test-access-token-91ab"


def channel(**credentials: str) -> ChannelRef:
    creds = Credentials(**({"access_token": TOKEN} | credentials))
    return ChannelRef(platform="x", external_id=USER_ID, handle="smo_demo", credentials=creds)


def post(text: str, *thread: str, link: str = "", media: tuple[MediaItem, ...] = ()) -> PublishRequest:
    return PublishRequest(channel=channel(), text=text, link=link, thread=thread, media=media)


@pytest.fixture
def fake(settings) -> FakeX:
    settings.PLATFORM_ORIGINS = {}
    settings.X_CONSUMER_KEY = settings.X_CONSUMER_SECRET = None
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield FakeX(mock)


# -- validation -------------------------------------------------------------------------------

def test_over_limit_message_explains_how_x_counts() -> None:
    problems = XAdapter().validate(post("a" * 268, link="https://example.com/a/very/long/path/that/counts/as/23"))
    assert problems == ["X counts 23 characters per link and 2 per emoji/CJK character: this post is 293 of 280."]


def test_cjk_and_emoji_count_double() -> None:
    assert XAdapter().validate(post("日本語" * 46 + "😀")) == []  # 276 + 2
    assert XAdapter().validate(post("日本語" * 47)) != []  # 282


def test_each_thread_part_is_checked_and_named() -> None:
    problems = XAdapter().validate(post("fine", "also fine", "b" * 281, ""))
    assert any("thread part 3 is 281 of 280" in problem for problem in problems)
    assert any("empty thread part (part 4)" in problem for problem in problems)


def test_media_rules() -> None:
    image, video = MediaItem("https://m/1.png", "image/png"), MediaItem("https://m/1.mp4", "video/mp4")
    assert XAdapter().validate(post("hi", media=(image,) * 4)) == []
    assert "at most 4 images" in XAdapter().validate(post("hi", media=(image,) * 5))[0]
    assert "1 video" in XAdapter().validate(post("hi", media=(video, video)))[0]
    assert "not both" in XAdapter().validate(post("hi", media=(image, video)))[0]


def test_empty_post_is_refused() -> None:
    assert XAdapter().validate(post("   ")) == ["X needs text (or media) for a post; this post is empty."]


# -- fingerprint ------------------------------------------------------------------------------

def test_fingerprint_survives_what_x_does_to_the_text() -> None:
    ours = XAdapter().fingerprint(post("Spring sale starts now & ends Sunday", link="https://shop.example.com/s?u=1"))
    shown = "Spring sale starts now &amp; ends Sunday https://t.co/AbCdEf1234"
    assert fingerprint_text(shown) == ours
    assert fingerprint_text("Spring  sale starts now & ends Monday https://t.co/x") != ours


def test_fingerprint_uses_nfc() -> None:
    assert fingerprint_text("Cafe\u0301 open") == fingerprint_text("Caf\u00e9 open")


# -- publishing -------------------------------------------------------------------------------

def test_publish_sends_bearer_user_token_and_appends_the_link(fake: FakeX) -> None:
    fake.install_ok()
    result = XAdapter().publish(post("New blog post", link="https://blog.example.com/p/1"))
    sent = fake.mock.calls[0].request
    assert sent.headers["Authorization"] == f"Bearer {TOKEN}"
    assert json.loads(sent.body) == {"text": "New blog post\n\nhttps://blog.example.com/p/1"}
    assert result.permalink == f"https://x.com/smo_demo/status/{result.external_id}"


def test_link_already_in_text_is_not_appended(fake: FakeX) -> None:
    fake.install_ok()
    XAdapter().publish(post("Read https://blog.example.com/p/1 now", link="https://blog.example.com/p/1"))
    assert fake.created == [{"text": "Read https://blog.example.com/p/1 now"}]


def test_oauth1_user_context_when_the_channel_has_a_token_secret(fake: FakeX, settings) -> None:
    settings.X_CONSUMER_KEY, settings.X_CONSUMER_SECRET = "consumer-key", "consumer-secret-value"
    fake.install_ok()
    XAdapter().publish(PublishRequest(channel=channel(token_secret="user-token-secret"), text="signed"))
    header = fake.mock.calls[0].request.headers["Authorization"]
    header = header.decode() if isinstance(header, bytes) else header
    assert header.startswith("OAuth ") and 'oauth_consumer_key="consumer-key"' in header


def test_thread_parts_reply_to_the_previous_part(fake: FakeX) -> None:
    fake.install_ok()
    result = XAdapter().publish(post("1/3 root", "2/3 middle", "3/3 end"))
    replies = [body.get("reply", {}).get("in_reply_to_tweet_id") for body in fake.created]
    assert replies == [None, result.external_id, result.thread_ids[0]]
    assert len(result.thread_ids) == 2 and result.warning == ""


def test_a_failing_thread_part_becomes_a_warning_not_an_error(fake: FakeX) -> None:
    def third_fails(request: requests.PreparedRequest) -> tuple[int, dict[str, str], str]:
        if len(fake.created) == 2:
            return 403, {}, json.dumps(fixture("duplicate_403"))
        return fake._create(request)

    fake.mock.add_callback(responses.POST, f"{API}/2/tweets", callback=third_fails)
    result = XAdapter().publish(post("root", "second", "third", "fourth"))
    assert result.external_id and len(result.thread_ids) == 1
    assert "part 3 failed" in result.warning and "same text" in result.warning
    assert "2 of 4" in result.warning


def test_reply_is_a_create_with_in_reply_to(fake: FakeX) -> None:
    fake.install_ok()
    result = XAdapter().reply(channel(), ReplyTarget(kind="mention", external_id="1929500000000000010"), "Thanks!")
    assert fake.created == [{"text": "Thanks!", "reply": {"in_reply_to_tweet_id": "1929500000000000010"}}]
    assert result.external_id and result.permalink.endswith(f"/status/{result.external_id}")


# -- error mapping ----------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("status", "body", "expected"),
    [
        (400, fixture("invalid_request_400"), ContentRejected),
        (403, {"detail": "You are not permitted to perform this action.", "status": 403}, ContentRejected),
        (403, {"detail": "Your client app is not configured with the appropriate oauth1 app permissions for "
                         "this endpoint.", "type": "https://api.twitter.com/2/problems/oauth1-permissions"},
         NotSupported),
        (403, {"title": "Unsupported Authentication", "detail": "Authenticating with Unsupported Authentication "
                                                                "is forbidden for this endpoint."}, AuthExpired),
        (401, fixture("unauthorized_401"), AuthExpired),
        (503, fixture("server_error_503"), TransientError),
        (500, {"title": "Internal Server Error"}, TransientError),
        (504, {"title": "Gateway Timeout"}, OutcomeUnknown),
    ],
)
def test_create_errors(fake: FakeX, status: int, body: dict, expected: type) -> None:
    fake.mock.add(responses.POST, f"{API}/2/tweets", status=status, json=body)
    with pytest.raises(expected) as caught:
        XAdapter().publish(post("hello"))
    assert TOKEN not in str(caught.value)


def test_slow_5xx_on_create_is_unknown_but_on_read_transient() -> None:
    response = requests.Response()
    response.status_code, response.reason, response._content = 503, "Service Unavailable", b"{}"
    response.elapsed = timedelta(seconds=30)
    error = tweepy.TwitterServerError(response)
    assert isinstance(translate(error, create=True), OutcomeUnknown)
    assert isinstance(translate(error, create=False), TransientError)


def test_connection_dropped_after_send_is_unknown(fake: FakeX) -> None:
    fake.raise_on_create(dropped_after_send())
    with pytest.raises(OutcomeUnknown):
        XAdapter().publish(post("hello"))


def test_read_timeout_on_a_read_is_transient(fake: FakeX) -> None:
    fake.mock.add(responses.GET, f"{API}/2/users/me", body=requests.ReadTimeout("timed out"))
    with pytest.raises(TransientError):
        XAdapter().verify(channel())


def test_exhausted_24_hour_quota_waits_for_its_own_reset(fake: FakeX) -> None:
    soon, tomorrow = int(time.time()) + 60, int(time.time()) + 20 * 3600
    fake.fail_create(429, "rate_limited_429", {"x-rate-limit-reset": str(soon), "x-rate-limit-remaining": "150",
                                                "x-app-limit-24hour-remaining": "0",
                                                "x-app-limit-24hour-reset": str(tomorrow)})
    with pytest.raises(RateLimited) as caught:
        XAdapter().publish(post("hello"))
    assert caught.value.retry_at == datetime.fromtimestamp(tomorrow, tz=UTC)


def test_rate_limit_without_headers_falls_back_to_the_window(fake: FakeX) -> None:
    fake.fail_create(429, "rate_limited_429")
    with pytest.raises(RateLimited) as caught:
        XAdapter().publish(post("hello"))
    assert caught.value.retry_at > datetime.now(UTC) + timedelta(minutes=14)


def test_rate_limit_headers_are_kept_on_the_adapter(fake: FakeX) -> None:
    fake.install_ok()
    adapter = XAdapter()
    adapter.publish(post("hello"))
    assert adapter.last_rate_limits["x-rate-limit-remaining"] == "199"


# -- reads ------------------------------------------------------------------------------------

def test_verify_reads_the_account(fake: FakeX) -> None:
    fake.install_ok()
    account = XAdapter().verify(channel())
    assert (account.external_id, account.handle, account.display_name) == ("2244994945", "smo_demo",
                                                                              "SMO Demo <b>Brand</b>")
    assert account.avatar_url.startswith("https://pbs.twimg.com/")
    assert "user.fields=profile_image_url" in fake.mock.calls[0].request.url


def test_find_published_matches_on_the_timeline_and_pages(fake: FakeX) -> None:
    first = fixture("users_tweets")
    first["meta"]["next_token"] = "7140dibdnow9c7btw481s8m561gat797rboud5r80xvzm"
    second = {"data": [{"id": "1929460000000000000", "text": "Older post", "created_at": "2025-06-02T09:00:00.000Z",
                        "edit_history_tweet_ids": ["1929460000000000000"]}], "meta": {"result_count": 1}}
    url = f"{API}/2/users/{USER_ID}/tweets"
    fake.mock.add(responses.GET, url, json=first)
    fake.mock.add(responses.GET, url, json=second)
    since = datetime(2025, 6, 2, 9, 0, tzinfo=UTC)
    adapter = XAdapter()
    wanted = adapter.fingerprint(post("Older post"))
    found = adapter.find_published(channel(), wanted, since)
    assert found is not None and found.external_id == "1929460000000000000"
    query = parse_qs(urlsplit(fake.mock.calls[1].request.url).query)
    assert query["start_time"] == ["2025-06-02T09:00:00Z"]
    assert query["pagination_token"] == [first["meta"]["next_token"]]
    sale = adapter.fingerprint(post("Spring sale starts now & ends Sunday https://shop.example.com/sale"))
    fake.mock.add(responses.GET, url, json=fixture("users_tweets"))
    assert adapter.find_published(channel(), sale, since).external_id == "1929480000000000002"


# -- OAuth ------------------------------------------------------------------------------------

TOKEN_URL = "https://api.x.com/2/oauth2/token"


def test_authorization_url_is_pkce_s256_and_rewritten_for_the_browser(settings) -> None:
    settings.PLATFORM_ORIGINS = {"https://x.com": "http://127.0.0.1:8100/x"}
    start = XAdapter().authorization_url("http://testserver/w/acme/channels/callback/x/")
    assert start.url.startswith("http://127.0.0.1:8100/x/i/oauth2/authorize?")
    query = parse_qs(urlsplit(start.url).query)
    digest = hashlib.sha256(start.code_verifier.encode()).digest()
    assert query["code_challenge"] == [base64.urlsafe_b64encode(digest).rstrip(b"=").decode()]
    assert query["code_challenge_method"] == ["S256"]
    assert query["scope"] == ["tweet.read tweet.write users.read offline.access media.write tweet.moderate.write "
                              "dm.read dm.write"]
    assert query["state"] == [start.state] and query["client_id"] == [settings.X_CLIENT_ID]
    assert 43 <= len(start.code_verifier) <= 128


def test_exchange_code_uses_basic_client_auth(fake: FakeX, settings) -> None:
    settings.X_CLIENT_ID, settings.X_CLIENT_SECRET = "client-id", "client-secret"
    fake.mock.add(responses.POST, TOKEN_URL, json=fixture("token_200"))
    grant = XAdapter().exchange_code("the-code", "http://testserver/cb", "the-verifier")
    sent = fake.mock.calls[0].request
    assert sent.headers["Authorization"] == "Basic " + base64.b64encode(b"client-id:client-secret").decode()
    form = parse_qs(sent.body)
    assert form["grant_type"] == ["authorization_code"] and form["code_verifier"] == ["the-verifier"]
    assert grant.refresh_token and grant.scopes[-1] == "offline.access"
    assert timedelta(minutes=119) < grant.expires_at - datetime.now(UTC) <= timedelta(hours=2)


def test_invalid_grant_is_auth_expired(fake: FakeX) -> None:
    fake.mock.add(responses.POST, TOKEN_URL, status=400, json=fixture("token_invalid_grant_400"))
    with pytest.raises(AuthExpired):
        XAdapter().refresh(channel(refresh_token="spent-refresh-token"))


def test_bad_client_credentials_are_not_supported(fake: FakeX) -> None:
    fake.mock.add(responses.POST, TOKEN_URL, status=401,
                  json={"error": "unauthorized_client", "error_description": "Missing valid authorization header"})
    with pytest.raises(NotSupported):
        XAdapter().exchange_code("code", "http://testserver/cb", "verifier")


def test_token_endpoint_unreachable_is_transient(fake: FakeX) -> None:
    fake.mock.add(responses.POST, TOKEN_URL, body=requests.ConnectionError("refused"))
    with pytest.raises(TransientError):
        XAdapter().refresh(channel(refresh_token="some-refresh-token"))


def test_refresh_without_a_new_refresh_token_returns_an_empty_one(fake: FakeX) -> None:
    body = {key: value for key, value in fixture("token_200").items() if key != "refresh_token"}
    fake.mock.add(responses.POST, TOKEN_URL, json=body)
    grant = XAdapter().refresh(channel(refresh_token="kept-refresh-token"))
    assert grant.access_token and grant.refresh_token == ""
    assert parse_qs(fake.mock.calls[0].request.body)["refresh_token"] == ["kept-refresh-token"]


def test_refresh_without_a_stored_refresh_token_needs_reconnect() -> None:
    with pytest.raises(AuthExpired):
        XAdapter().refresh(channel())


def test_unconfigured_app_is_not_supported(settings) -> None:
    settings.X_CLIENT_ID = None
    with pytest.raises(NotSupported, match="X_CLIENT_ID"):
        XAdapter().authorization_url("http://testserver/cb")
