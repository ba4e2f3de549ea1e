"""One channel's connection to Snap's Public Profile API: bearer token and the seam's session.

Every call goes to https://businessapi.snapchat.com (rewritten by the HTTP seam where configured).
Answers use the Marketing API envelope: `request_status` plus either the entity itself (`"media_id"`)
or a list of `{"sub_request_status", "<entity>"}` wrappers (`"stories": [{"story": {...}}]`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import requests

from platforms.errors import AuthExpired, TransientError
from platforms.http import build_session
from platforms.snapchat.translate import SnapApiError, translate
from platforms.types import ChannelRef

API_ORIGIN = "https://businessapi.snapchat.com"


@dataclass
class Connection:
    token: str
    session: requests.Session

    @property
    def secrets(self) -> list[str]:
        return [self.token] if self.token else []

    def call(self, method: str, path: str, *, create: bool = False, **kwargs: Any) -> requests.Response:
        """One request; a failed answer or a network failure raises a platforms.errors class."""
        url = path if path.startswith("https://") else f"{API_ORIGIN}{path}"
        headers = {"Authorization": f"Bearer {self.token}", "Accept": "application/json",
                   **kwargs.pop("headers", {})}
        try:
            response = self.session.request(method, url, headers=headers, **kwargs)
        except requests.RequestException as exc:
            raise translate(exc, create=create, secrets=self.secrets) from exc
        if response.status_code >= 400 or _says_error(response):
            raise translate(SnapApiError(response), create=create, secrets=self.secrets)
        return response

    def json(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        response = self.call(method, path, **kwargs)
        try:
            body = response.json()
        except ValueError:
            body = None
        if not isinstance(body, dict):
            raise TransientError("Snapchat answered with something other than a JSON object; it will be retried.",
                                 platform_code="body")
        return body


def _says_error(response: requests.Response) -> bool:
    # The Marketing API can report a failed request inside a 200 (request_status ERROR).
    try:
        body = response.json()
    except ValueError:
        return False
    return isinstance(body, dict) and str(body.get("request_status", "")).upper() == "ERROR"


def entities(body: dict[str, Any], singular: str, plural: str) -> list[dict[str, Any]]:
    """The entities of one kind in an answer, whether sent bare or in sub-request wrappers."""
    if isinstance(body.get(singular), dict):
        return [body[singular]]
    found = []
    for wrapper in body.get(plural) or []:
        if isinstance(wrapper, dict):
            inner = wrapper.get(singular)
            found.append(inner if isinstance(inner, dict) else wrapper)
    return found


def connect(channel: ChannelRef) -> Connection:
    if not channel.credentials.access_token:
        raise AuthExpired("This Snapchat channel has no login; connect it again.", platform_code="no_token")
    return Connection(channel.credentials.access_token, build_session("snapchat"))
