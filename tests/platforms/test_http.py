"""The HTTP seam: origin rewriting, timeouts the caller did not set, rate-limit header capture."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests
import responses
from urllib3.exceptions import ProtocolError

from platforms.errors import OutcomeUnknown, TransientError
from platforms.http import build_session, network_error, never_reached, rate_limits, rewrite_url

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


def _refused() -> requests.ConnectionError:
    """The exception requests really raises for a closed port (nothing listens on port 1)."""
    try:
        requests.get("http://127.0.0.1:1/", timeout=2)
    except requests.ConnectionError as exc:
        return exc
    raise AssertionError("port 1 answered")


def test_a_refused_connection_never_reached_the_platform_even_for_a_create() -> None:
    error = network_error(_refused(), create=True, platform="X", checks="the account")
    assert isinstance(error, TransientError) and error.platform_code == "connect"
    assert "nothing was sent" in error.message


def test_a_timeout_after_sending_a_create_is_unknown_but_a_read_is_retried() -> None:
    timeout = requests.ReadTimeout("read timed out")
    create = network_error(timeout, create=True, platform="Facebook", checks="the Page")
    assert isinstance(create, OutcomeUnknown) and "SMO will check the Page" in create.message
    assert isinstance(network_error(timeout, create=False, platform="X", checks="the account"), TransientError)


def test_a_connection_cut_after_sending_is_not_mistaken_for_never_reached() -> None:
    assert not never_reached(requests.ConnectionError(ProtocolError("Connection aborted.")))
    assert never_reached(requests.ConnectTimeout("connect timed out"))
