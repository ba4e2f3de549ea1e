"""The adapter contract for LinkedIn against `responses` fixtures shaped like the real Posts API (reference §4),
plus the inbox and connect calls with recorded-shape answers."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

import pytest
import requests
import responses
from urllib3.exceptions import MaxRetryError, NewConnectionError

from platforms.linkedin import LinkedInAdapter
from platforms.types import ChannelRef, Credentials, PublishRequest, ReplyTarget
from tests.platforms.contract import AdapterContract

API = "https://api.linkedin.com"
ORG = "urn:li:organization:2414183"
TOKEN = "AQXcontract-linkedin-token-5f1e"
DUPLICATE = {"status": 422, "message": "Content is a duplicate of urn:li:share:7100000000000000001"}
EXPIRED = {"status": 401, "serviceErrorCode": 65601, "code": "EXPIRED_ACCESS_TOKEN",
           "message": "The token used in the request has expired"}
THROTTLED = {"status": 429, "message": "Resource level throttle APPLICATION DAY limit for calls to this resource "
                                      "is reached."}


class FakeLinkedIn:
    """POST/GET /rest/posts over `responses`: what was created shows up in the author's posts."""

    def __init__(self, mock: responses.RequestsMock) -> None:
        self.mock = mock
        self.posts: list[dict[str, Any]] = []

    def install_ok(self) -> None:
        self.mock.add_callback(responses.POST, f"{API}/rest/posts", callback=self._create)
        self.mock.add_callback(responses.GET, f"{API}/rest/posts", callback=self._list)

    def _check(self, request: requests.PreparedRequest) -> None:
        assert request.headers["Authorization"] == f"Bearer {TOKEN}"
        assert request.headers["LinkedIn-Version"] == "202601"
        assert request.headers["X-Restli-Protocol-Version"] == "2.0.0"

    def _create(self, request: requests.PreparedRequest) -> tuple[int, dict[str, str], str]:
        self._check(request)
        body = json.loads(request.body or b"{}")
        assert body["author"] == ORG and body["lifecycleState"] == "PUBLISHED"
        urn = f"urn:li:share:71000000000000{len(self.posts):05d}"
        now = int(datetime.now(UTC).timestamp() * 1000)
        self.posts.append({"id": urn, "author": ORG, "commentary": body["commentary"], "createdAt": now,
                           "publishedAt": now, "lifecycleState": "PUBLISHED", "visibility": "PUBLIC"})
        return 201, {"x-restli-id": urn}, ""

    def _list(self, request: requests.PreparedRequest) -> tuple[int, dict[str, str], str]:
        self._check(request)
        assert "q=author" in (request.url or "")
        return 200, {"Content-Type": "application/json"}, json.dumps(
            {"paging": {"start": 0, "count": 50, "links": []}, "elements": list(reversed(self.posts))})


def connect_refused(url: str) -> requests.ConnectionError:
    reason = NewConnectionError(None, "Failed to establish a new connection: [Errno 111] Connection refused")
    return requests.ConnectionError(MaxRetryError(None, url, reason))  # type: ignore[arg-type]


@pytest.fixture
def fake(settings: Any) -> Iterator[FakeLinkedIn]:
    settings.PLATFORM_ORIGINS = {}  # talk to the real hosts, which `responses` intercepts
    settings.LINKEDIN_API_VERSION = "202601"
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield FakeLinkedIn(mock)


CHANNEL = ChannelRef(platform="linkedin", external_id=ORG, handle="acme", credentials=Credentials(access_token=TOKEN))


class TestLinkedInContractWithFixtures(AdapterContract):
    @pytest.fixture(autouse=True)
    def _fake(self, fake: FakeLinkedIn) -> None:
        self.fake = fake

    def make_adapter(self) -> LinkedInAdapter:
        return LinkedInAdapter()

    def channel(self) -> ChannelRef:
        return CHANNEL

    @contextmanager
    def scenario(self, name: str, request: PublishRequest) -> Iterator[None]:
        mock, url = self.fake.mock, f"{API}/rest/posts"
        if name == "ok":
            self.fake.install_ok()
        elif name == "duplicate":
            mock.add(responses.POST, url, json=DUPLICATE, status=422)
        elif name == "auth_expired":
            mock.add(responses.POST, url, json=EXPIRED, status=401)
        elif name == "rate_limited":
            mock.add(responses.POST, url, json=THROTTLED, status=429)
        elif name == "connect_error":
            mock.add(responses.POST, url, body=connect_refused(url))
        elif name == "timeout_after_send":
            mock.add(responses.POST, url, body=requests.ReadTimeout("read timed out"))
        else:
            raise ValueError(name)
        yield

    def test_commentary_is_sent_escaped(self) -> None:
        self.fake.install_ok()
        self.make_adapter().publish(self.request("Sale (50%) #now"))
        assert self.fake.posts[-1]["commentary"] == r"Sale \(50%\) \#now"

    def test_a_201_without_the_id_header_is_outcome_unknown(self) -> None:
        from platforms.errors import OutcomeUnknown
        self.fake.mock.add(responses.POST, f"{API}/rest/posts", status=201, body="")
        self.expect_error(OutcomeUnknown, lambda: self.make_adapter().publish(self.request()))


def comment(urn: str, actor: str, text: str, ms: int, parent: str = "", replies: int = 0) -> dict[str, Any]:
    body: dict[str, Any] = {"id": urn.rsplit(",", 1)[-1].rstrip(")"), "commentUrn": urn, "actor": actor,
                            "object": "urn:li:share:1", "message": {"text": text, "attributes": []},
                            "created": {"actor": actor, "time": ms},
                            "commentsSummary": {"aggregatedTotalComments": replies}}
    if parent:
        body["parentComment"] = parent
    return body


def test_fetch_inbox_reads_comments_and_replies_of_organization_posts(fake: FakeLinkedIn) -> None:
    top = "urn:li:comment:(urn:li:share:1,11)"
    fake.mock.add(responses.GET, f"{API}/rest/posts", json={"elements": [{"id": "urn:li:share:1"}]})
    fake.mock.add(responses.GET, f"{API}/rest/socialActions/urn%3Ali%3Ashare%3A1/comments", json={"elements": [
        comment(top, "urn:li:person:abc", "Love it", 1_700_000_000_000, replies=1)]})
    fake.mock.add(responses.GET, f"{API}/rest/socialActions/urn%3Ali%3Acomment%3A%28urn%3Ali%3Ashare%3A1%2C11%29"
                                 "/comments", json={"elements": [
                                     comment("urn:li:comment:(urn:li:share:1,12)", ORG, "Thanks", 1_700_000_001_000,
                                             parent=top)]})
    page = LinkedInAdapter().fetch_inbox(CHANNEL, "")
    assert [(i.kind, i.text, i.from_us, i.in_reply_to) for i in page.items] == [
        ("comment", "Love it", False, "urn:li:share:1"), ("reply", "Thanks", True, top)]
    assert page.items[0].author_id == "urn:li:person:abc" and page.items[0].author_name == "LinkedIn member"
    assert json.loads(page.cursor) == {"comments_ms": 1_700_000_001_000}
    fake.mock.add(responses.GET, f"{API}/rest/posts", json={"elements": [{"id": "urn:li:share:1"}]})
    again = LinkedInAdapter().fetch_inbox(CHANNEL, page.cursor)
    assert [i.text for i in again.items] == ["Thanks"]  # only the newest, seen again at the cursor's millisecond


def test_member_channels_have_an_empty_inbox_without_calling_linkedin(fake: FakeLinkedIn) -> None:
    member = ChannelRef(platform="linkedin", external_id="urn:li:person:abc", handle="me",
                        credentials=Credentials(access_token=TOKEN))
    assert LinkedInAdapter().fetch_inbox(member, "c").items == ()
    assert len(fake.mock.calls) == 0


def test_reply_acts_as_the_organization_with_parent_comment(fake: FakeLinkedIn) -> None:
    top = "urn:li:comment:(urn:li:share:1,11)"
    created = comment("urn:li:comment:(urn:li:share:1,13)", ORG, "Thank you", 1_700_000_002_000, parent=top)
    fake.mock.add(responses.POST, f"{API}/rest/socialActions/urn%3Ali%3Acomment%3A%28urn%3Ali%3Ashare%3A1%2C11%29"
                                  "/comments", json=created, status=201)
    result = LinkedInAdapter().reply(CHANNEL, ReplyTarget(kind="comment", external_id=top,
                                                          conversation_id="urn:li:share:1"), "Thank you")
    sent = json.loads(fake.mock.calls[-1].request.body)
    assert sent == {"actor": ORG, "object": "urn:li:share:1", "message": {"text": "Thank you"}, "parentComment": top}
    assert result.external_id == "urn:li:comment:(urn:li:share:1,13)"


def test_exchange_code_reads_expiry_scopes_and_refresh_token(fake: FakeLinkedIn, settings: Any) -> None:
    settings.LINKEDIN_CLIENT_ID, settings.LINKEDIN_CLIENT_SECRET = "cid", "csecret"
    fake.mock.add(responses.POST, "https://www.linkedin.com/oauth/v2/accessToken", json={
        "access_token": "AQVnew", "expires_in": 5183999, "refresh_token": "AQXref", "refresh_token_expires_in":
        31535999, "scope": "openid,profile,w_member_social"})
    grant = LinkedInAdapter().exchange_code("code-1", "https://smo.example/cb", "")
    form = fake.mock.calls[-1].request.body
    assert "grant_type=authorization_code" in form and "client_secret=csecret" in form
    assert grant.scopes == ("openid", "profile", "w_member_social") and grant.refresh_token == "AQXref"
    assert grant.expires_at is not None
    assert 5_183_000 < (grant.expires_at - datetime.now(UTC)).total_seconds() < 5_184_000


def test_a_refused_code_is_auth_expired_without_leaking_the_secret(fake: FakeLinkedIn, settings: Any) -> None:
    from platforms.errors import AuthExpired
    settings.LINKEDIN_CLIENT_ID, settings.LINKEDIN_CLIENT_SECRET = "cid", "csecret"
    fake.mock.add(responses.POST, "https://www.linkedin.com/oauth/v2/accessToken", status=400, json={
        "error": "invalid_request", "error_description": "authorization code expired"})
    with pytest.raises(AuthExpired) as caught:
        LinkedInAdapter().exchange_code("code-1", "https://smo.example/cb", "")
    assert "csecret" not in caught.value.message and "expired" in caught.value.message


def test_authorization_url_asks_for_member_and_organization_scopes(settings: Any) -> None:
    settings.PLATFORM_ORIGINS = {}
    settings.LINKEDIN_CLIENT_ID, settings.LINKEDIN_CLIENT_SECRET = "cid", "csecret"
    start = LinkedInAdapter().authorization_url("https://smo.example/cb")
    assert start.url.startswith("https://www.linkedin.com/oauth/v2/authorization?response_type=code&client_id=cid")
    assert "w_organization_social" in start.url and start.state in start.url


def test_an_answer_to_a_reply_goes_under_the_same_top_level_comment(fake: FakeLinkedIn) -> None:
    top, nested = "urn:li:comment:(urn:li:share:1,11)", "urn:li:comment:(urn:li:share:1,12)"
    fake.mock.add(responses.GET, f"{API}/rest/socialActions/urn%3Ali%3Ashare%3A1/comments/12",
                  json=comment(nested, "urn:li:person:abc", "Me too", 1_700_000_001_000, parent=top))
    fake.mock.add(responses.POST, f"{API}/rest/socialActions/urn%3Ali%3Acomment%3A%28urn%3Ali%3Ashare%3A1%2C11%29"
                                  "/comments", status=201, body="",
                  headers={"x-restli-id": "urn:li:comment:(urn:li:share:1,13)"})
    result = LinkedInAdapter().reply(CHANNEL, ReplyTarget(kind="reply", external_id=nested,
                                                          conversation_id="urn:li:share:1"), "Thanks both")
    assert json.loads(fake.mock.calls[-1].request.body)["parentComment"] == top
    assert result.external_id == "urn:li:comment:(urn:li:share:1,13)"
