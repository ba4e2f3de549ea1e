"""X API v2 answered by `responses`, from JSON fixtures in tests/fixtures/x/ shaped like the real API.

Only adapter tests fake HTTP; services and views use the sandbox. `FakeX` is stateful just enough
for reconciliation: created posts appear on the user timeline with links rewritten to t.co and
`&` escaped, as X shows them.
"""

from __future__ import annotations

import json
import re
from copy import deepcopy
from pathlib import Path
from typing import Any

import requests
import responses
from urllib3.exceptions import MaxRetryError, NewConnectionError

API = "https://api.twitter.com"
TOKEN_URL = "https://api.x.com/2/oauth2/token"
FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "x"
USER_ID = "2244994945"
_URL = re.compile(r"https?://\S+")


def fixture(name: str) -> dict[str, Any]:
    return json.loads((FIXTURES / f"{name}.json").read_text())


def connect_refused(url: str) -> requests.ConnectionError:
    """The exception requests raises when nothing listens: ConnectionError(MaxRetryError(NewConnectionError))."""
    reason = NewConnectionError(None, "Failed to establish a new connection: [Errno 111] Connection refused")
    return requests.ConnectionError(MaxRetryError(None, url, reason))


def dropped_after_send() -> requests.ConnectionError:
    from urllib3.exceptions import ProtocolError

    return requests.ConnectionError(ProtocolError("Connection aborted.", ConnectionResetError(104, "reset")))


class FakeX:
    def __init__(self, mock: responses.RequestsMock) -> None:
        self.mock = mock
        self.posts: list[dict[str, Any]] = []
        self.created: list[dict[str, Any]] = []  # request bodies of every create
        self.next_id = 1929600000000000000

    # -- happy path ---------------------------------------------------------------------------

    def install_ok(self) -> None:
        self.mock.add_callback(responses.POST, f"{API}/2/tweets", callback=self._create)
        self.mock.add_callback(responses.GET, re.compile(rf"{API}/2/users/\d+/tweets.*"), callback=self._timeline)
        self.mock.add(responses.GET, f"{API}/2/users/me", json=fixture("users_me"))

    def _create(self, request: Any) -> tuple[int, dict[str, str], str]:
        body = json.loads(request.body)
        self.created.append(body)
        self.next_id += 1
        shown = _URL.sub("https://t.co/Fake123456", body.get("text", "")).replace("&", "&amp;")
        post = {"id": str(self.next_id), "text": shown, "edit_history_tweet_ids": [str(self.next_id)],
                "created_at": "2025-06-02T12:00:00.000Z"}
        self.posts.insert(0, post)
        payload = deepcopy(fixture("create_tweet_201"))
        payload["data"].update(id=post["id"], text=shown, edit_history_tweet_ids=[post["id"]])
        return 201, _rate_headers(), json.dumps(payload)

    def _timeline(self, request: Any) -> tuple[int, dict[str, str], str]:
        if not self.posts:
            return 200, _rate_headers(), json.dumps(fixture("users_tweets_empty"))
        meta = {"result_count": len(self.posts), "newest_id": self.posts[0]["id"], "oldest_id": self.posts[-1]["id"]}
        return 200, _rate_headers(), json.dumps({"data": self.posts, "meta": meta})

    # -- faults -------------------------------------------------------------------------------

    def fail_create(self, status: int, fixture_name: str, headers: dict[str, str] | None = None) -> None:
        self.mock.add(responses.POST, f"{API}/2/tweets", status=status, json=fixture(fixture_name),
                      headers=headers or {}, content_type="application/problem+json")

    def raise_on_create(self, error: Exception) -> None:
        self.mock.add(responses.POST, f"{API}/2/tweets", body=error)


def _rate_headers() -> dict[str, str]:
    return {"x-rate-limit-limit": "200", "x-rate-limit-remaining": "199", "x-rate-limit-reset": "1893456000",
            "content-type": "application/json"}
