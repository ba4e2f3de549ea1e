"""The adapter contract for Mastodon against `responses` fixtures shaped like the real API (reference §9,
docs.joinmastodon.org: Status, Notification, Conversation entities; `{"error": ...}` bodies; ISO 8601
`X-RateLimit-Reset`), plus the inbox and connect calls on the same fixtures."""

from __future__ import annotations

import copy
import html
import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import requests
import responses

from platforms.mastodon import MastodonAdapter
from platforms.types import ChannelRef, Credentials, PublishRequest, ReplyTarget
from tests.platforms.contract import AdapterContract
from tests.platforms.test_bluesky_contract_responses import connect_refused

API = "https://mastodon.social/api"
ACCOUNT_ID = "109302436954721982"
TOKEN = "ZA-Yj3aBD8U8Cm7lKUp-lm9O9BmDgdhHzDeqsY8tlL0"
JSON = {"Content-Type": "application/json; charset=utf-8"}
ACCOUNT = {"id": ACCOUNT_ID, "username": "smo", "acct": "smo", "display_name": "SMO Demo", "locked": False,
           "bot": False, "url": "https://mastodon.social/@smo", "avatar": "https://files.mastodon.social/a.png",
           "created_at": "2022-11-07T00:00:00.000Z", "followers_count": 12, "statuses_count": 3}
STRANGER = {**ACCOUNT, "id": "109252111498807689", "username": "alice", "acct": "alice@fosstodon.org",
            "display_name": "Alice", "url": "https://fosstodon.org/@alice"}
STATUS = {"id": "", "created_at": "", "in_reply_to_id": None, "in_reply_to_account_id": None, "sensitive": False,
          "spoiler_text": "", "visibility": "public", "language": "en", "uri": "", "url": "", "replies_count": 0,
          "reblogs_count": 0, "favourites_count": 0, "content": "", "reblog": None, "media_attachments": [],
          "mentions": [], "tags": [], "emojis": [], "card": None, "poll": None, "account": ACCOUNT,
          "application": {"name": "SMO", "website": None}}


def as_content(text: str) -> str:
    """What Mastodon returns for plain text: escaped paragraphs, links wrapped in anchors."""
    return "<p>" + html.escape(text).replace("\n\n", "</p><p>").replace("\n", "<br />") + "</p>"


def status(status_id: str, text: str, **fields: Any) -> dict[str, Any]:
    made = copy.deepcopy(STATUS)
    made.update(id=status_id, created_at=datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
                uri=f"https://mastodon.social/users/smo/statuses/{status_id}",
                url=f"https://mastodon.social/@smo/{status_id}", content=as_content(text))
    made.update(fields)
    return made


class FakeMastodon:
    def __init__(self, mock: responses.RequestsMock) -> None:
        self.mock = mock
        self.statuses: list[dict[str, Any]] = []
        self.keys: dict[str, dict[str, Any]] = {}
        self.bodies: list[dict[str, Any]] = []

    def install_ok(self) -> None:
        self.mock.add_callback(responses.POST, f"{API}/v1/statuses", callback=self._create)
        self.mock.add_callback(responses.GET, f"{API}/v1/accounts/{ACCOUNT_ID}/statuses", callback=self._timeline)

    def _create(self, request: requests.PreparedRequest) -> tuple[int, dict[str, str], str]:
        assert request.headers["Authorization"] == f"Bearer {TOKEN}"
        key = request.headers["Idempotency-Key"]
        body = json.loads(request.body or b"{}")
        self.bodies.append(body)
        if key not in self.keys:
            made = status(str(109302500000000000 + len(self.statuses)), body["status"],
                          visibility=body.get("visibility", "public"), spoiler_text=body.get("spoiler_text", ""),
                          in_reply_to_id=body.get("in_reply_to_id"))
            self.statuses.insert(0, made)
            self.keys[key] = made
        return 200, JSON, json.dumps(self.keys[key])

    def _timeline(self, request: requests.PreparedRequest) -> tuple[int, dict[str, str], str]:
        return 200, JSON, json.dumps(self.statuses)

    def fail_create(self, status_code: int, message: str, headers: dict[str, str] | None = None) -> None:
        self.mock.add(responses.POST, f"{API}/v1/statuses", json={"error": message}, status=status_code,
                      headers=headers or {})

    def raise_on_create(self, exc: Exception) -> None:
        self.mock.add(responses.POST, f"{API}/v1/statuses", body=exc)


class TestMastodonContractWithFixtures(AdapterContract):
    @pytest.fixture(autouse=True)
    def _fake(self, settings: Any) -> Iterator[None]:
        settings.PLATFORM_ORIGINS = {}  # talk to the real host, which `responses` intercepts
        with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
            self.fake = FakeMastodon(mock)
            yield

    def make_adapter(self) -> MastodonAdapter:
        return MastodonAdapter()

    def channel(self) -> ChannelRef:
        creds = Credentials(access_token=TOKEN, extra={"instance_url": "https://mastodon.social"})
        return ChannelRef(platform="mastodon", external_id=ACCOUNT_ID, handle="smo@mastodon.social",
                          credentials=creds)

    @contextmanager
    def scenario(self, name: str, request: PublishRequest) -> Iterator[None]:
        fake = self.fake
        if name == "ok":
            fake.install_ok()
        elif name == "duplicate":  # no duplicate check on Mastodon: its refusal of content is 422
            fake.fail_create(422, "Validation failed: Text character limit of 500 exceeded")
        elif name == "auth_expired":
            fake.fail_create(401, "The access token is invalid")
        elif name == "rate_limited":
            reset = (datetime.now(UTC) + timedelta(minutes=4)).isoformat(timespec="milliseconds")
            fake.fail_create(429, "Too many requests", {"X-RateLimit-Limit": "300", "X-RateLimit-Remaining": "0",
                                                        "X-RateLimit-Reset": reset.replace("+00:00", "Z")})
        elif name == "connect_error":
            fake.raise_on_create(connect_refused(f"{API}/v1/statuses"))
        elif name == "timeout_after_send":
            fake.raise_on_create(requests.ReadTimeout("Read timed out. (read timeout=20.0)"))
        else:
            raise ValueError(name)
        yield

    def test_options_reach_the_status_and_the_key_makes_a_retry_harmless(self) -> None:
        self.fake.install_ok()
        request = PublishRequest(channel=self.channel(), text="Spoilers ahead",
                                 options={"spoiler_text": "Finale", "visibility": "unlisted", "language": "en"})
        first = self.make_adapter().publish(request)
        assert self.make_adapter().publish(request).external_id == first.external_id
        assert len(self.fake.statuses) == 1
        assert self.fake.bodies[0] == {"status": "Spoilers ahead", "visibility": "unlisted", "spoiler_text": "Finale",
                                       "sensitive": True, "language": "en"}

    def test_media_still_processing_at_create_time_is_not_ready(self) -> None:
        from platforms.errors import NotReady

        self.fake.fail_create(422, "Cannot attach files that have not finished processing. Try again in a moment!")
        with pytest.raises(NotReady):
            self.make_adapter().publish(self.request())

    def test_inbox_reads_mentions_and_conversations_in_the_real_shapes(self) -> None:
        ours = status("109302500000000001", "Launch day")
        reply = status("109302600000000002", "@smo congrats!", in_reply_to_id=ours["id"],
                       in_reply_to_account_id=ACCOUNT_ID, account=STRANGER,
                       url="https://fosstodon.org/@alice/109302600000000002")
        dm = status("109302600000000003", "@smo psst", visibility="direct", account=STRANGER)
        mock = self.fake.mock
        mock.add(responses.GET, f"{API}/v1/notifications", json=[
            {"id": "34975861", "type": "mention", "created_at": reply["created_at"], "account": STRANGER,
             "status": reply},
            {"id": "34975860", "type": "mention", "created_at": dm["created_at"], "account": STRANGER, "status": dm}])
        mock.add(responses.GET, f"{API}/v1/statuses/{reply['id']}/context", json={"ancestors": [ours],
                                                                                  "descendants": []})
        mock.add(responses.GET, f"{API}/v1/conversations", json=[
            {"id": "418450", "unread": True, "accounts": [STRANGER], "last_status": dm}])
        mock.add(responses.GET, f"{API}/v1/statuses/{dm['id']}/context", json={"ancestors": [], "descendants": []})
        page = self.make_adapter().fetch_inbox(self.channel(), "")
        kinds = {e.external_id: (e.kind, e.conversation_id, e.author_handle) for e in page.items}
        assert kinds == {reply["id"]: ("reply", ours["id"], "alice@fosstodon.org"),
                         dm["id"]: ("message", "418450", "alice@fosstodon.org")}
        assert json.loads(page.cursor) == {"mentions": "34975861", "messages": dm["id"]}
        sent = mock.calls[0].request
        assert "types%5B%5D=mention" in sent.url and sent.headers["Authorization"] == f"Bearer {TOKEN}"

    def test_a_direct_reply_mentions_the_remote_author_with_a_key(self) -> None:
        self.fake.install_ok()
        dm = status("109302600000000003", "@smo psst", visibility="direct", account=STRANGER)
        self.fake.mock.add(responses.GET, f"{API}/v1/statuses/{dm['id']}", json=dm)
        target = ReplyTarget("message", dm["id"], "418450", STRANGER["id"])
        self.make_adapter().reply(self.channel(), target, "Hi Alice")
        assert self.fake.bodies == [{"status": "@alice@fosstodon.org Hi Alice", "in_reply_to_id": dm["id"],
                                     "visibility": "direct"}]
        assert list(self.fake.keys)[0].startswith("smo-reply-")
