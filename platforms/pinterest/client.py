"""One channel's connection to Pinterest API v5: the bearer token and the seam's session."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import requests

from platforms.errors import OutcomeUnknown, TransientError
from platforms.http import build_session
from platforms.pinterest.translate import from_response, translate
from platforms.types import ChannelRef

API = "https://api.pinterest.com/v5"
RATE_HEADER_PREFIX = "x-ratelimit-"


@dataclass
class Connection:
    token: str
    session: requests.Session
    last_headers: dict[str, str] = field(default_factory=dict)

    @property
    def secrets(self) -> list[str]:
        return [self.token] if self.token else []

    def call(self, method: str, path: str, *, create: bool = False, **kwargs: Any) -> requests.Response:
        """One API request; a non-2xx answer or a network failure raises a platforms.errors class."""
        headers = {"Authorization": f"Bearer {self.token}", "Accept": "application/json"}
        try:
            response = self.session.request(method, f"{API}{path}", headers=headers, **kwargs)
        except requests.RequestException as exc:
            raise translate(exc, create=create, secrets=self.secrets) from exc
        self.last_headers = {name.lower(): value for name, value in response.headers.items()
                             if name.lower().startswith(RATE_HEADER_PREFIX)}
        if response.status_code >= 400:
            raise translate(from_response(response, create=create), create=create, secrets=self.secrets)
        return response

    def json(self, method: str, path: str, **kwargs: Any) -> Any:
        response = self.call(method, path, **kwargs)
        try:
            return response.json()
        except ValueError:
            if kwargs.get("create"):
                # The Pin may exist although its answer is unreadable: not TransientError (that would resend).
                raise OutcomeUnknown("Pinterest accepted the Pin but its answer was unreadable; SMO will check "
                                     "the account's Pins.", platform_code="body") from None
            raise TransientError("Pinterest answered with something other than JSON; it will be retried.",
                                 platform_code="body") from None

    def pages(self, path: str, params: dict[str, Any], max_pages: int) -> list[dict[str, Any]]:
        """Items of a bookmark-paginated list (`{"items": [...], "bookmark": ...}`), at most `max_pages` pages."""
        items: list[dict[str, Any]] = []
        query = dict(params)
        for _ in range(max_pages):
            page = self.json("GET", path, params=query)
            if not isinstance(page, dict):
                break
            items += [item for item in page.get("items") or [] if isinstance(item, dict)]
            bookmark = page.get("bookmark")
            if not bookmark:
                break
            query = {**params, "bookmark": bookmark}
        return items


def connect(channel: ChannelRef) -> Connection:
    return Connection(channel.credentials.access_token, build_session("pinterest"))
