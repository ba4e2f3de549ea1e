"""facebook-sdk's GraphAPI goes through the HTTP seam: origin rewriting, current version, timeouts."""

from __future__ import annotations

import pytest
import responses

from platforms.graph import graph_client

SANDBOX = "http://127.0.0.1:8199/facebook"


@pytest.fixture
def rewritten(settings):
    settings.PLATFORM_ORIGINS = {"https://graph.facebook.com": SANDBOX}
    settings.FACEBOOK_GRAPH_VERSION = "v21.0"
    settings.PLATFORM_READ_TIMEOUT = 7.5


@responses.activate
def test_graph_requests_are_rewritten_and_use_the_configured_version(rewritten) -> None:
    responses.post(f"{SANDBOX}/v21.0/123/feed", json={"id": "123_456"})
    result = graph_client("page-token").put_object("123", "feed", message="hello")
    assert result == {"id": "123_456"}
    call = responses.calls[0]
    assert call.request.url == f"{SANDBOX}/v21.0/123/feed"
    assert "message=hello" in call.request.body
    assert call.request.headers["X-Forwarded-Host"] == "graph.facebook.com"


@responses.activate
def test_graph_requests_get_the_seam_timeouts(rewritten) -> None:
    responses.get(f"{SANDBOX}/v21.0/me", json={"id": "1", "name": "Page"})
    graph_client("t").get_object("me")
    assert responses.calls[0].request.req_kwargs["timeout"] == (5.0, 7.5)


@responses.activate
def test_without_a_mapping_graph_talks_to_the_real_origin(settings) -> None:
    settings.PLATFORM_ORIGINS = {}
    responses.get("https://graph.facebook.com/v21.0/me", json={"id": "1"})
    graph_client("t").get_object("me")
    assert responses.calls[0].request.url.startswith("https://graph.facebook.com/v21.0/me")
