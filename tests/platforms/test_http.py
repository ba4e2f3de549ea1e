"""The HTTP seam: origin rewriting, timeouts the caller did not set, rate-limit header capture."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests
import responses

from platforms.http import build_session, rate_limits, rewrite_url

SANDBOX = "http://127.0.0.1:8100/x"


@pytest.fixture(autouse=True)
def origins(settings) -> None:
    settings.PLATFORM_ORIGINS = {"https://api.twitter.com": SANDBOX, "https://x.com/": SANDBOX + "/"}
    settings.PLATFORM_CONNECT_TIMEOUT = 1.5
    settings.PLATFORM_READ_TIMEOUT = 2.5


@responses.activate
def test_rewrites_configured_origin_by_prefix_keeping_the_query() -> None:
    responses.get(f"{SANDBOX}/2/users/42/tweets", json={"data": []})
    session = build_session("x")
    response = session.get("https://api.twitter.com/2/users/42/tweets?max_results=5&start_time=2025-01-01T00:00:00Z")
    assert response.json() == {"data": []}
    sent = responses.calls[0].request
    assert sent.url == f"{SANDBOX}/2/users/42/tweets?max_results=5&start_time=2025-01-01T00:00:00Z"
    assert sent.headers["X-Forwarded-Host"] == "api.twitter.com"


@responses.activate
def test_post_body_and_method_survive_the_rewrite() -> None:
    responses.post(f"{SANDBOX}/2/tweets", json={"data": {"id": "1", "text": "hi"}}, status=201)
    session = build_session("x")
    response = session.post("https://api.twitter.com/2/tweets", json={"text": "hi"})
    assert response.status_code == 201
    assert responses.calls[0].request.body == b'{"text": "hi"}'


@responses.activate
def test_unmapped_origins_and_lookalike_hosts_are_untouched() -> None:
    responses.get("https://graph.facebook.com/v21.0/me", json={"id": "1"})
    responses.get("https://x.com.example.org/path", json={"ok": True})
    session = build_session("x")
    session.get("https://graph.facebook.com/v21.0/me")
    session.get("https://x.com.example.org/path")
    assert [call.request.url for call in responses.calls] == [
        "https://graph.facebook.com/v21.0/me",
        "https://x.com.example.org/path",
    ]
    assert "X-Forwarded-Host" not in responses.calls[0].request.headers


@responses.activate
def test_default_timeouts_fill_in_only_when_the_caller_gave_none() -> None:
    responses.get(f"{SANDBOX}/2/users/me", json={})
    responses.get("https://graph.facebook.com/me", json={})
    session = build_session("x")
    session.get("https://api.twitter.com/2/users/me")
    session.get("https://graph.facebook.com/me")
    session.get("https://api.twitter.com/2/users/me", timeout=9)
    timeouts = [call.request.req_kwargs["timeout"] for call in responses.calls]
    assert timeouts == [(1.5, 2.5), (1.5, 2.5), 9]


@responses.activate
def test_rate_limit_headers_are_captured_per_session() -> None:
    headers = {
        "x-rate-limit-limit": "200", "x-rate-limit-remaining": "199", "x-rate-limit-reset": "1760000000",
        "x-app-limit-24hour-limit": "1667", "x-app-limit-24hour-remaining": "0",
        "x-app-limit-24hour-reset": "1760050000", "content-type": "application/json",
    }
    responses.post(f"{SANDBOX}/2/tweets", json={"data": {"id": "1"}}, headers=headers, status=201)
    session, other = build_session("x"), build_session("x")
    session.post("https://api.twitter.com/2/tweets", json={"text": "x"})
    captured = rate_limits(session)
    assert captured["x-rate-limit-remaining"] == "199"
    assert captured["x-app-limit-24hour-remaining"] == "0"
    assert "content-type" not in captured
    assert rate_limits(other) == {}
    assert session.smo_platform == "x"


def test_rewrite_url_for_the_browser() -> None:
    url = "https://x.com/i/oauth2/authorize?state=a%20b&scope=tweet.read"
    assert rewrite_url(url) == f"{SANDBOX}/i/oauth2/authorize?state=a%20b&scope=tweet.read"
    assert rewrite_url("https://X.com/i/x") == f"{SANDBOX}/i/x"
    assert rewrite_url("https://example.org/a?b=c") == "https://example.org/a?b=c"
    assert rewrite_url("http://x.com/a") == "http://x.com/a"  # another origin: scheme differs


def test_settings_are_read_per_call(settings) -> None:
    settings.PLATFORM_ORIGINS = {}
    assert rewrite_url("https://x.com/i/oauth2/authorize") == "https://x.com/i/oauth2/authorize"


class _SlowHandler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        time.sleep(1.0)
        self.send_response(200)
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:  # keep test output quiet
        pass


@pytest.fixture
def slow_server() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _SlowHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_a_real_read_timeout_applies_without_caller_timeout(settings, slow_server: str) -> None:
    settings.PLATFORM_READ_TIMEOUT = 0.2
    settings.PLATFORM_ORIGINS = {"https://api.twitter.com": slow_server + "/x"}
    session = build_session("x")
    started = time.monotonic()
    with pytest.raises(requests.ReadTimeout):
        session.get("https://api.twitter.com/2/users/me")  # tweepy-style: no timeout argument
    assert time.monotonic() - started < 0.9
