"""The adapter contract for Bluesky against `responses` fixtures shaped like the real XRPC API (reference §10)."""

from __future__ import annotations

import copy
import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import requests
import responses
from urllib3.exceptions import MaxRetryError, NewConnectionError

from platforms.bluesky import BlueskyAdapter
from platforms.bluesky.text import facets
from platforms.errors import AuthExpired, TransientError
from platforms.types import ChannelRef, Credentials, PublishRequest
from tests.platforms.contract import AdapterContract

PDS = "https://bsky.social/xrpc"
DID = "did:plc:smodemo0000000000000001"
ACCESS_TOKEN = "eyJhbGciOiJFUzI1NksifQ.eyJleHAiOjB9.contract-access-7f3a9c"
FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "bluesky"


def fixture(name: str) -> Any:
    return json.loads((FIXTURES / f"{name}.json").read_text())


def connect_refused(url: str) -> requests.ConnectionError:
    reason = NewConnectionError(None, "Failed to establish a new connection: [Errno 111] Connection refused")
    return requests.ConnectionError(MaxRetryError(None, url, reason))  # type: ignore[arg-type]


class FakeBluesky:
    """createRecord and getAuthorFeed over `responses`: what was created shows up in the author's feed."""

    def __init__(self, mock: responses.RequestsMock) -> None:
        self.mock = mock
        self.records: list[dict[str, Any]] = []

    def install_ok(self) -> None:
        self.mock.add_callback(responses.POST, f"{PDS}/com.atproto.repo.createRecord", callback=self._create)
        self.mock.add_callback(responses.GET, f"{PDS}/app.bsky.feed.getAuthorFeed", callback=self._feed)

    def _create(self, request: requests.PreparedRequest) -> tuple[int, dict[str, str], str]:
        assert request.headers["Authorization"] == f"Bearer {ACCESS_TOKEN}"
        body = json.loads(request.body or b"{}")
        assert body["repo"] == DID and body["collection"] == "app.bsky.feed.post"
        answer = fixture("create_record_200")
        answer["uri"] = answer["uri"][:-13] + f"3l6ove{len(self.records):07d}"
        self.records.append({"uri": answer["uri"], "cid": answer["cid"], "record": body["record"]})
        return 200, {"Content-Type": "application/json"}, json.dumps(answer)

    def _feed(self, request: requests.PreparedRequest) -> tuple[int, dict[str, str], str]:
        feed = []
        for created in reversed(self.records):  # newest first, as Bluesky lists an author feed
            item = copy.deepcopy(fixture("author_feed_item"))
            item["post"].update(uri=created["uri"], cid=created["cid"], record=created["record"])
            feed.append(item)
        return 200, {"Content-Type": "application/json"}, json.dumps({"feed": feed})

    def fail_create(self, status: int, name: str, headers: dict[str, str] | None = None) -> None:
        self.mock.add(responses.POST, f"{PDS}/com.atproto.repo.createRecord", json=fixture(name), status=status,
                      headers=headers or {})

    def raise_on_create(self, exc: Exception) -> None:
        self.mock.add(responses.POST, f"{PDS}/com.atproto.repo.createRecord", body=exc)


class TestBlueskyContractWithFixtures(AdapterContract):
    @pytest.fixture(autouse=True)
    def _fake(self, settings: Any) -> Iterator[None]:
        settings.PLATFORM_ORIGINS = {}  # talk to the real hosts, which `responses` intercepts
        with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
            self.fake = FakeBluesky(mock)
            yield

    def make_adapter(self) -> BlueskyAdapter:
        return BlueskyAdapter()

    def channel(self) -> ChannelRef:
        creds = Credentials(access_token=ACCESS_TOKEN, refresh_token="contract-refresh-1b2c", extra={"did": DID})
        return ChannelRef(platform="bluesky", external_id=DID, handle="smodemo.bsky.social", credentials=creds)

    @contextmanager
    def scenario(self, name: str, request: PublishRequest) -> Iterator[None]:
        fake = self.fake
        if name == "ok":
            fake.install_ok()
        elif name == "duplicate":  # Bluesky has no duplicate check; its permanent refusal is InvalidRequest
            fake.fail_create(400, "invalid_record_400")
        elif name == "auth_expired":
            fake.fail_create(400, "expired_token_400")
        elif name == "rate_limited":
            reset = str(int(time.time()) + 300)
            fake.fail_create(429, "rate_limited_429", {"RateLimit-Limit": "5000", "RateLimit-Remaining": "0",
                                                       "RateLimit-Reset": reset, "RateLimit-Policy": "5000;w=3600"})
        elif name == "connect_error":
            fake.raise_on_create(connect_refused(f"{PDS}/com.atproto.repo.createRecord"))
        elif name == "timeout_after_send":
            fake.raise_on_create(requests.ReadTimeout("Read timed out. (read timeout=20.0)"))
        else:
            raise ValueError(name)
        yield

    def test_publish_sends_link_and_tag_facets_with_utf8_byte_offsets(self) -> None:
        self.fake.install_ok()
        self.fake.mock.add(responses.GET, f"{PDS}/com.atproto.identity.resolveHandle", status=400,
                           json={"error": "InvalidRequest", "message": "Unable to resolve handle"})
        text = "Grüße 🎉 #smo https://example.com/ä?x=1."
        self.make_adapter().publish(PublishRequest(channel=self.channel(), text=text))
        record = self.fake.records[-1]["record"]
        raw = text.encode("utf-8")
        spans = {f["features"][0]["$type"].split("#")[1]: raw[f["index"]["byteStart"]:f["index"]["byteEnd"]]
                 for f in record["facets"]}
        assert spans == {"tag": b"#smo", "link": "https://example.com/ä?x=1".encode()}
        assert record["createdAt"].endswith("Z") and record["text"] == text

    def test_mentions_become_facets_only_when_the_handle_resolves(self) -> None:
        known = facets("hi @alice.bsky.social and @nobody.example", lambda h: "did:plc:alice" if "alice" in h else "")
        assert [f["features"][0] for f in known] == [{"$type": "app.bsky.richtext.facet#mention",
                                                      "did": "did:plc:alice"}]
        assert known[0]["index"] == {"byteStart": 3, "byteEnd": 21}

    def test_server_error_on_a_read_is_transient_and_refresh_failure_is_auth_expired(self) -> None:
        self.fake.mock.add(responses.GET, f"{PDS}/app.bsky.feed.getAuthorFeed", status=502,
                           json={"error": "InternalServerError", "message": "Upstream Failure"})
        with pytest.raises(TransientError):
            self.make_adapter().find_published(self.channel(), "x", datetime.now(UTC))
        self.fake.mock.add(responses.POST, f"{PDS}/com.atproto.server.refreshSession", status=400,
                           json={"error": "ExpiredToken", "message": "Token has expired"})
        with pytest.raises(AuthExpired):
            self.make_adapter().refresh(self.channel())
