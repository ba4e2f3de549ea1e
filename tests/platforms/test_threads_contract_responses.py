"""The adapter contract for Threads against `responses` fixtures shaped like graph.threads.net (reference §8),
plus what only fixtures can pin down: request parameters, the sign-in calls and error translation."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
import responses

from platforms.errors import AuthExpired, ContentRejected, NotSupported, OutcomeUnknown, TransientError
from platforms.threads import ThreadsAdapter
from platforms.types import ChannelRef, Credentials, MediaItem, PublishRequest
from tests.platforms.contract import AdapterContract
from tests.platforms.test_bluesky_contract_responses import connect_refused

GRAPH = "https://graph.threads.net/v1.0"
USER_ID = "25025320230489197"
TOKEN = "THAAcontract-token-5c1e"
JSON = {"Content-Type": "application/json"}


def graph_error(code: int, message: str, subcode: int | None = None, **extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"message": message, "type": "OAuthException", "code": code,
                            "fbtrace_id": "AbCdEf123", **extra}
    if subcode is not None:
        body["error_subcode"] = subcode
    return {"error": body}


class FakeThreads:
    """Containers, publish and the profile's thread list over `responses`; what was published is listed."""

    def __init__(self, mock: responses.RequestsMock) -> None:
        self.mock = mock
        self.containers: dict[str, dict[str, str]] = {}
        self.posts: list[dict[str, Any]] = []

    def install_ok(self) -> None:
        self.mock.add(responses.GET, f"{GRAPH}/{USER_ID}/threads_publishing_limit",
                      json={"data": [{"quota_usage": 3, "config": {"quota_total": 250, "quota_duration": 86400}}]})
        self.mock.add_callback(responses.POST, f"{GRAPH}/{USER_ID}/threads", callback=self._container)
        self.mock.add_callback(responses.POST, f"{GRAPH}/{USER_ID}/threads_publish", callback=self._publish)
        self.mock.add_callback(responses.GET, f"{GRAPH}/{USER_ID}/threads", callback=self._list)
        self.mock.add_callback(responses.GET, re.compile(rf"{re.escape(GRAPH)}/1[78]\d+(\?|$)"), callback=self._status)

    def _container(self, request: requests.PreparedRequest) -> tuple[int, dict[str, str], str]:
        form = {k: v[0] for k, v in parse_qs(str(request.body)).items()}
        assert form.pop("access_token") == TOKEN
        container_id = f"1784{len(self.containers):013d}"
        self.containers[container_id] = form
        return 200, JSON, json.dumps({"id": container_id})

    def _publish(self, request: requests.PreparedRequest) -> tuple[int, dict[str, str], str]:
        form = {k: v[0] for k, v in parse_qs(str(request.body)).items()}
        media_id = f"1806{len(self.posts):013d}"
        self.posts.insert(0, {"id": media_id, "text": self.containers[form["creation_id"]].get("text", ""),
                              "permalink": f"https://www.threads.net/@smodemo/post/C{media_id[-6:]}",
                              "timestamp": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S+0000")})
        return 200, JSON, json.dumps({"id": media_id})

    def _list(self, request: requests.PreparedRequest) -> tuple[int, dict[str, str], str]:
        return 200, JSON, json.dumps({"data": self.posts, "paging": {"cursors": {"before": "QVFIUk", "after": ""}}})

    def _status(self, request: requests.PreparedRequest) -> tuple[int, dict[str, str], str]:
        node = urlsplit(request.url or "").path.rsplit("/", 1)[-1]
        if node.startswith("1806"):
            post = next(p for p in self.posts if p["id"] == node)
            return 200, JSON, json.dumps({"id": node, "permalink": post["permalink"]})
        return 200, JSON, json.dumps({"id": node, "status": "FINISHED"})

    def fail_publish(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
        self.mock.replace(responses.POST, f"{GRAPH}/{USER_ID}/threads_publish", json=body, status=status,
                          headers=headers or {})

    def raise_on_publish(self, exc: Exception) -> None:
        self.mock.replace(responses.POST, f"{GRAPH}/{USER_ID}/threads_publish", body=exc)


class TestThreadsContractWithFixtures(AdapterContract):
    @pytest.fixture(autouse=True)
    def _fake(self, settings: Any) -> Iterator[None]:
        settings.PLATFORM_ORIGINS = {}  # talk to the real hosts, which `responses` intercepts
        settings.THREADS_APP_ID, settings.THREADS_APP_SECRET = "th-app-1", "th-secret-77"
        with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
            self.fake = FakeThreads(mock)
            self.fake.install_ok()
            yield

    def make_adapter(self) -> ThreadsAdapter:
        return ThreadsAdapter()

    def channel(self) -> ChannelRef:
        return ChannelRef(platform="threads", external_id=USER_ID, handle="smodemo",
                          credentials=Credentials(access_token=TOKEN))

    @contextmanager
    def scenario(self, name: str, request: PublishRequest) -> Iterator[None]:
        fake = self.fake
        if name == "duplicate":  # Threads has no duplicate check; its permanent refusal is #100
            fake.fail_publish(400, graph_error(100, "(#100) Invalid parameter"))
        elif name == "auth_expired":
            fake.fail_publish(400, graph_error(190, "Error validating access token: Session has expired.", 463))
        elif name == "rate_limited":
            usage = json.dumps({USER_ID: [{"type": "threads", "call_count": 100,
                                           "estimated_time_to_regain_access": 30}]})
            fake.fail_publish(400, graph_error(4, "Application request limit reached", is_transient=True),
                              {"X-Business-Use-Case-Usage": usage})
        elif name == "connect_error":
            fake.raise_on_publish(connect_refused(f"{GRAPH}/{USER_ID}/threads_publish"))
        elif name == "timeout_after_send":
            fake.raise_on_publish(requests.ReadTimeout("Read timed out. (read timeout=20.0)"))
        elif name != "ok":
            raise ValueError(name)
        yield

    # -- what goes over the wire --------------------------------------------------------------

    def test_text_post_sends_text_link_and_reply_control(self) -> None:
        request = PublishRequest(channel=self.channel(), text="Spring is here", link="https://example.com/spring",
                                 options={"reply_control": "mentioned_only"})
        result = self.make_adapter().publish(request)
        assert self.fake.containers == {"17840000000000000": {
            "media_type": "TEXT", "text": "Spring is here\n\nhttps://example.com/spring",
            "reply_control": "mentioned_only"}}
        assert result.permalink.startswith("https://www.threads.net/@smodemo/post/")

    def test_carousel_items_then_the_carousel(self) -> None:
        media = (MediaItem(url="https://smo.example/m/a.jpg", mime_type="image/jpeg", alt_text="A"),
                 MediaItem(url="https://smo.example/m/b.mp4", mime_type="video/mp4"))
        self.make_adapter().publish(PublishRequest(channel=self.channel(), text="Two things", media=media))
        items = list(self.fake.containers.values())
        assert items[0] == {"media_type": "IMAGE", "image_url": "https://smo.example/m/a.jpg", "alt_text": "A",
                            "is_carousel_item": "true"}
        assert items[1] == {"media_type": "VIDEO", "video_url": "https://smo.example/m/b.mp4",
                            "is_carousel_item": "true"}
        assert items[2] == {"media_type": "CAROUSEL", "text": "Two things",
                            "children": "17840000000000000,17840000000000001"}

    def test_resuming_reads_status_and_creates_no_container(self) -> None:
        request = PublishRequest(channel=self.channel(), text="Resumed",
                                 progress={"children": [], "container": "17840000000000000"})
        self.fake.containers["17840000000000000"] = {"media_type": "TEXT", "text": "Resumed"}
        result = self.make_adapter().publish(request)
        assert result.external_id and list(self.fake.containers) == ["17840000000000000"]

    # -- translation --------------------------------------------------------------------------

    def test_link_limit_is_content_rejected(self) -> None:
        self.fake.mock.replace(responses.POST, f"{GRAPH}/{USER_ID}/threads", status=400,
                               json=graph_error(100, "THREADS_API__LINK_LIMIT_EXCEEDED"))
        error = self.expect_error(ContentRejected, lambda: self.make_adapter().publish(self.request()))
        assert "5 links" in error.message

    def test_gateway_timeout_on_publish_is_unknown_but_a_quick_503_is_transient(self) -> None:
        self.fake.fail_publish(504, None)
        self.expect_error(OutcomeUnknown, lambda: self.make_adapter().publish(self.request()))
        self.fake.fail_publish(503, None)
        self.expect_error(TransientError, lambda: self.make_adapter().publish(self.request()))

    def test_a_bare_401_is_auth_expired(self) -> None:
        self.fake.mock.replace(responses.POST, f"{GRAPH}/{USER_ID}/threads_publish", status=401,
                               body="<html>Unauthorized</html>", content_type="text/html")
        self.expect_error(AuthExpired, lambda: self.make_adapter().publish(self.request()))

    def test_permission_error_names_threads_not_facebook(self) -> None:
        self.fake.fail_publish(403, graph_error(10, "(#10) Application does not have permission for this action"))
        error = self.expect_error(AuthExpired, lambda: self.make_adapter().publish(self.request()))
        assert "Threads" in error.message and "Facebook" not in error.message

    # -- sign-in ------------------------------------------------------------------------------

    def test_authorization_url(self) -> None:
        start = self.make_adapter().authorization_url("https://smo.example/cb/threads/")
        parts = urlsplit(start.url)
        query = {k: v[0] for k, v in parse_qs(parts.query).items()}
        assert f"{parts.scheme}://{parts.netloc}{parts.path}" == "https://threads.net/oauth/authorize"
        assert query["client_id"] == "th-app-1" and query["state"] == start.state
        assert query["scope"].split(",")[:2] == ["threads_basic", "threads_content_publish"]

    def test_exchange_code_then_long_lived_token(self) -> None:
        short = self.fake.mock.add(responses.POST, "https://graph.threads.net/oauth/access_token",
                                   json={"access_token": "THQshort", "user_id": int(USER_ID)})
        long = self.fake.mock.add(responses.GET, "https://graph.threads.net/access_token",
                                  json={"access_token": "THQlong", "token_type": "bearer", "expires_in": 5183944})
        grant = self.make_adapter().exchange_code("code-1", "https://smo.example/cb", "")
        assert parse_qs(short.calls[0].request.body) == {
            "client_id": ["th-app-1"], "client_secret": ["th-secret-77"], "code": ["code-1"],
            "grant_type": ["authorization_code"], "redirect_uri": ["https://smo.example/cb"]}
        assert parse_qs(urlsplit(long.calls[0].request.url).query) == {
            "grant_type": ["th_exchange_token"], "client_secret": ["th-secret-77"], "access_token": ["THQshort"]}
        assert grant.access_token == "THQlong" and grant.extra == {"user_id": USER_ID}

    def test_refresh_failure_is_auth_expired_without_the_token(self) -> None:
        self.fake.mock.add(responses.GET, "https://graph.threads.net/refresh_access_token", status=400,
                           json=graph_error(190, f"Error validating access token {TOKEN}", 463))
        with pytest.raises(AuthExpired) as caught:
            self.make_adapter().refresh(self.channel())
        assert TOKEN not in caught.value.message

    def test_unconfigured_app_names_the_settings(self, settings: Any) -> None:
        settings.THREADS_APP_ID = None
        with pytest.raises(NotSupported, match="THREADS_APP_ID"):
            self.make_adapter().authorization_url("https://smo.example/cb")
