"""The Graph API for one Page answered by `responses`, from fixtures in tests/fixtures/facebook/.

facebook-sdk sends POSTs form-encoded with `access_token` in the body and ignores HTTP statuses, so
the fake records each form and answers with JSON (an `error` body is what makes the SDK raise).
Created posts appear on GET /{page}/posts, as the Graph API shows them.
"""

from __future__ import annotations

import json
import re
from copy import deepcopy
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

import responses

GRAPH = "https://graph.facebook.com/v21.0"
FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "facebook"
PAGE_ID = "102000000000001"
JSON = "application/json; charset=UTF-8"


def fixture(name: str) -> dict[str, Any]:
    return json.loads((FIXTURES / f"{name}.json").read_text())


def graph_error(code: int, subcode: int | None = None, message: str = "(#0) Error") -> dict[str, Any]:
    body: dict[str, Any] = {"message": message, "type": "OAuthException", "code": code, "fbtrace_id": "Zz1"}
    if subcode is not None:
        body["error_subcode"] = subcode
    return {"error": body}


class FakeFacebook:
    def __init__(self, mock: responses.RequestsMock) -> None:
        self.mock = mock
        self.posts: list[dict[str, Any]] = []
        self.forms: list[tuple[str, dict[str, str]]] = []  # (path, form) of every POST
        self.reads: list[str] = []  # URLs of the status reads
        self.next_id = 122105923458601300

    def install_ok(self) -> None:
        routes = [(responses.POST, r"\d+/feed", self._feed), (responses.POST, r"\d+/photos", self._photo),
                  (responses.POST, r"\d+_\d+/comments", self._comment), (responses.GET, r"\d+/posts.*", self._posts)]
        for method, path, callback in routes:
            self.mock.add_callback(method, re.compile(rf"{GRAPH}/{path}"), callback=callback, content_type=JSON)
        self.mock.add(responses.GET, re.compile(rf"{GRAPH}/{PAGE_ID}\?.*"), json=fixture("page_200"),
                      content_type=JSON)

    def install_video(self, statuses: list[str], post_id: str = f"{PAGE_ID}_778899") -> None:
        """POST /videos answers a new id; each status read answers the next of `statuses` (the last repeats)."""
        self.mock.add_callback(responses.POST, re.compile(rf"{GRAPH}/\d+/videos"), callback=self._video,
                               content_type=JSON)
        pending = list(statuses)

        def status(request: Any) -> tuple[int, dict[str, str], str]:
            self.reads.append(request.url)
            state = pending.pop(0) if len(pending) > 1 else pending[0]
            body = {**fixture("video_status"), "post_id": post_id}
            body["status"] = {**body["status"], "video_status": state}
            return 200, {}, json.dumps(body)

        self.mock.add_callback(responses.GET, re.compile(rf"{GRAPH}/\d+\?.*fields=status"), callback=status,
                               content_type=JSON)

    def _video(self, request: Any) -> tuple[int, dict[str, str], str]:
        self._record(request)
        return 200, {}, json.dumps({"id": self._new_id()})

    def _record(self, request: Any) -> dict[str, str]:
        body = request.body.decode() if isinstance(request.body, bytes) else request.body or ""
        form = dict(parse_qsl(body))
        self.forms.append((request.path_url.split("?")[0].removeprefix("/v21.0"), form))
        return form

    def _new_id(self) -> str:
        self.next_id += 1
        return str(self.next_id)

    def _feed(self, request: Any) -> tuple[int, dict[str, str], str]:
        form = self._record(request)
        post_id = f"{PAGE_ID}_{self._new_id()}"
        self.posts.insert(0, {"id": post_id, "message": form.get("message", ""), "link": form.get("link"),
                              "created_time": "2025-06-02T12:00:00+0000"})
        payload = deepcopy(fixture("feed_create_200"))
        payload["id"] = post_id
        return 200, {}, json.dumps(payload)

    def _photo(self, request: Any) -> tuple[int, dict[str, str], str]:
        form = self._record(request)
        if form.get("published") == "false":
            return 200, {}, json.dumps({**fixture("photo_unpublished_200"), "id": self._new_id()})
        post_id = f"{PAGE_ID}_{self._new_id()}"
        self.posts.insert(0, {"id": post_id, "message": form.get("message", ""),
                              "created_time": "2025-06-02T12:00:00+0000"})
        return 200, {}, json.dumps({**fixture("photo_published_200"), "post_id": post_id})

    def _comment(self, request: Any) -> tuple[int, dict[str, str], str]:
        self._record(request)
        return 200, {}, json.dumps(fixture("comment_create_200"))

    def _posts(self, request: Any) -> tuple[int, dict[str, str], str]:
        payload = deepcopy(fixture("page_posts"))
        payload["data"] = [{k: v for k, v in p.items() if v is not None} for p in self.posts] + payload["data"]
        return 200, {}, json.dumps(payload)

    # -- faults -------------------------------------------------------------------------------

    def fail(self, method: str, edge: str, body: dict[str, Any], status: int = 400,
             headers: dict[str, str] | None = None) -> None:
        """Answer the next matching call with a Graph error body (registered first, so it wins once)."""
        self.mock.add(method, re.compile(rf"{GRAPH}/[\d_]+/{edge}"), json=body, status=status,
                      headers=headers or {}, content_type=JSON)

    def raise_on(self, method: str, edge: str, exc: Exception) -> None:
        self.mock.add(method, re.compile(rf"{GRAPH}/[\d_]+/{edge}"), body=exc)
