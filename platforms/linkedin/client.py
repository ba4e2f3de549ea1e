"""One channel's connection to LinkedIn's REST API: the bearer token, the version headers, the seam's session.

Every call carries `LinkedIn-Version` (YYYYMM; LinkedIn sunsets a version about a year after release)
and `X-Restli-Protocol-Version: 2.0.0`. The version lives here only: settings.LINKEDIN_API_VERSION,
else DEFAULT_API_VERSION.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import requests
from django.conf import settings

from platforms.errors import TransientError
from platforms.http import build_session
from platforms.linkedin.translate import from_response, translate

API = "https://api.linkedin.com"
DEFAULT_API_VERSION = "202601"


def api_version() -> str:
    return str(getattr(settings, "LINKEDIN_API_VERSION", "") or DEFAULT_API_VERSION)


def encoded(urn: str) -> str:
    """A URN as one path segment (its colons, commas and parentheses percent-encoded)."""
    return quote(urn, safe="")


@dataclass
class Connection:
    token: str
    session: requests.Session

    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}", "LinkedIn-Version": api_version(),
                "X-Restli-Protocol-Version": "2.0.0", "Accept": "application/json"}

    def call(self, method: str, url: str, *, create: bool = False, headers: dict[str, str] | None = None,
             **kwargs: Any) -> requests.Response:
        """One request (`url` absolute or an API path); a non-2xx answer or a network failure raises."""
        target = url if url.startswith("http") else API + url
        try:
            response = self.session.request(method, target, headers={**self.headers(), **(headers or {})}, **kwargs)
        except requests.RequestException as exc:
            raise translate(exc, create=create, secrets=[self.token]) from exc
        if response.status_code >= 400:
            raise translate(from_response(response, create=create), create=create, secrets=[self.token])
        return response

    def json(self, method: str, url: str, **kwargs: Any) -> Any:
        response = self.call(method, url, **kwargs)
        if not response.content:
            return {}
        try:
            return response.json()
        except ValueError:
            raise TransientError("LinkedIn answered with something other than JSON; it will be retried.",
                                 platform_code="body") from None


def connect(token: str) -> Connection:
    return Connection(token, build_session("linkedin"))
