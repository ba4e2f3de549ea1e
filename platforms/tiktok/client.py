"""One channel's connection to TikTok's open API: bearer token and the seam's session.

Every call answers the envelope `{"data", "error"}`; `call()` returns `data` or raises the translated
error, so the steps in posting.py read like the API reference.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import requests

from platforms.errors import OutcomeUnknown, TransientError
from platforms.http import build_session
from platforms.tiktok.translate import envelope_error, from_answer, translate
from platforms.types import ChannelRef

API = "https://open.tiktokapis.com"


@dataclass
class Connection:
    token: str
    session: requests.Session

    @property
    def secrets(self) -> list[str]:
        return [self.token] if self.token else []

    def call(self, method: str, path: str, *, create: bool = False, json: dict[str, Any] | None = None,
             params: dict[str, Any] | None = None) -> dict[str, Any]:
        headers = {"Authorization": f"Bearer {self.token}"}
        if json is not None:
            headers["Content-Type"] = "application/json; charset=UTF-8"
        try:
            response = self.session.request(method, f"{API}{path}", headers=headers, json=json, params=params)
        except requests.RequestException as exc:
            raise translate(exc, create=create, secrets=self.secrets) from exc
        try:
            body = response.json()
        except ValueError:
            body = None
        if response.status_code >= 400 or envelope_error(body):
            raise translate(from_answer(response, body, create=create), create=create, secrets=self.secrets)
        if not isinstance(body, dict):
            what = "the post" if create else "a request"
            error = OutcomeUnknown if create else TransientError
            raise error(f"TikTok answered {what} with something other than JSON.", platform_code="body")
        data = body.get("data")
        return data if isinstance(data, dict) else {}

    def put_chunk(self, upload_url: str, chunk: bytes, first: int, total: int, mime_type: str) -> int:
        """PUT one chunk to the upload URL; the HTTP status (206 more expected, 201 complete)."""
        headers = {"Content-Type": mime_type, "Content-Length": str(len(chunk)),
                   "Content-Range": f"bytes {first}-{first + len(chunk) - 1}/{total}"}
        try:
            response = self.session.put(upload_url, data=chunk, headers=headers)
        except requests.RequestException as exc:
            raise translate(exc, create=False, secrets=self.secrets) from exc
        if response.status_code >= 400:
            try:
                body = response.json()
            except ValueError:
                body = None
            raise translate(from_answer(response, body, create=False), create=False, secrets=self.secrets)
        return response.status_code


def connect(channel: ChannelRef) -> Connection:
    return Connection(channel.credentials.access_token, build_session("tiktok"))
