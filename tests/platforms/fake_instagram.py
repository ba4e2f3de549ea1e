"""Instagram's Graph API for one IG account answered by `responses`, from tests/fixtures/instagram/.

Every call is recorded as (method, path, params) in order, so tests can assert carousel order and
that `media_publish` ran once. Container ids count up; `statuses` scripts what status checks answer.
Published media appear on GET /{ig}/media, newest first, as the Graph API lists them.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import responses

GRAPH = "https://graph.facebook.com/v21.0"
IG_GRAPH = "https://graph.instagram.com/v21.0"  # Instagram Login
FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "instagram"
IG_ID = "17841400000000001"
JSON = "application/json; charset=UTF-8"
Reply = tuple[int, dict[str, str], str]


def fixture(name: str) -> dict[str, Any]:
    return json.loads((FIXTURES / f"{name}.json").read_text())


class FakeInstagram:
    def __init__(self, mock: responses.RequestsMock, graph: str = GRAPH) -> None:
        self.mock = mock
        self.graph = graph
        self.hosts: list[str] = []
        self.calls: list[tuple[str, str, dict[str, str]]] = []
        self.media: list[dict[str, Any]] = []
        self.captions: dict[str, str] = {}  # container id -> caption
        self.statuses: list[str] = []  # consumed one per status check; FINISHED once empty
        self.limit = "content_publishing_limit_200"
        self.next_id = 17889455560051444

    def install_ok(self) -> None:
        routes = [
            (responses.GET, rf"{IG_ID}/content_publishing_limit", lambda r: self._fixture(r, self.limit)),
            (responses.POST, rf"{IG_ID}/media_publish", self._publish),
            (responses.POST, rf"{IG_ID}/media", self._container),
            (responses.GET, rf"{IG_ID}/media", self._list),
            (responses.GET, rf"{IG_ID}", lambda r: self._fixture(r, "user_200")),
            (responses.POST, r"\d+/comments", lambda r: self._fixture(r, "comment_create_200")),
            (responses.GET, rf"(?!{IG_ID}\b)\d+", self._object),
        ]
        for method, path, callback in routes:
            self.mock.add_callback(method, re.compile(rf"{self.graph}/{path}(\?.*)?$"), callback=callback,
                                   content_type=JSON)

    def fail(self, method: str, path: str, body: dict[str, Any]) -> None:
        """Answer `path` (a regex after the version) with a Graph error body, ahead of install_ok's routes."""
        self.mock.add_callback(method, re.compile(rf"{self.graph}/{path}(\?.*)?$"),
                               callback=lambda r: self._reply(r, body, 400), content_type=JSON)

    def answer(self, method: str, path: str, body: dict[str, Any]) -> None:
        """Answer `path` (a regex after the version) with `body`, recording the call."""
        self.mock.add_callback(method, re.compile(rf"{self.graph}/{path}(\?.*)?$"),
                               callback=lambda r: self._reply(r, body), content_type=JSON)

    def raise_on(self, method: str, path: str, exc: Exception) -> None:
        self.mock.add(method, re.compile(rf"{self.graph}/{path}(\?.*)?$"), body=exc)

    def paths(self, method: str | None = None) -> list[str]:
        return [path for m, path, _ in self.calls if method in (None, m)]

    # -- callbacks ----------------------------------------------------------------------------

    def _record(self, request: Any) -> dict[str, str]:
        url = urlsplit(request.url)
        body = request.body.decode() if isinstance(request.body, bytes) else request.body or ""
        params = {**dict(parse_qsl(url.query)), **dict(parse_qsl(body))}
        self.calls.append((request.method, url.path.removeprefix("/v21.0"), params))
        self.hosts.append(url.netloc)
        return params

    def _reply(self, request: Any, body: dict[str, Any], status: int = 200) -> Reply:
        self._record(request)
        return status, {}, json.dumps(body)

    def _fixture(self, request: Any, name: str) -> Reply:
        return self._reply(request, fixture(name))

    def _new_id(self) -> str:
        self.next_id += 1
        return str(self.next_id)

    def _container(self, request: Any) -> Reply:
        params = self._record(request)
        container_id = self._new_id()
        self.captions[container_id] = params.get("caption", "")
        return 200, {}, json.dumps({**fixture("container_create_200"), "id": container_id})

    def _publish(self, request: Any) -> Reply:
        params = self._record(request)
        media_id = self._new_id()
        self.media.insert(0, {"id": media_id, "caption": self.captions.get(params.get("creation_id", ""), ""),
                              "timestamp": "2025-06-02T12:00:00+0000",
                              "permalink": f"https://www.instagram.com/p/SBX{media_id[-6:]}/"})
        return 200, {}, json.dumps({**fixture("media_publish_200"), "id": media_id})

    def _list(self, request: Any) -> Reply:
        self._record(request)
        return 200, {}, json.dumps({"data": self.media, "paging": {"cursors": {"before": "QVFIUmx1",
                                                                                 "after": "QVFIUmx2"}}})

    def _object(self, request: Any) -> Reply:
        params = self._record(request)
        if "status_code" in params.get("fields", ""):
            name = self.statuses.pop(0) if self.statuses else "finished"
            return 200, {}, json.dumps(fixture(f"container_status_{name}"))
        return 200, {}, json.dumps(fixture("media_permalink_200"))
