"""One Threads channel's connection: graph.threads.net with the account's token, on the HTTP seam.

facebook-sdk can only reach graph.facebook.com (reference §13.2), so Threads uses plain requests.
The token travels as the `access_token` parameter, as in Meta's Threads examples. Every answer is
read here once: a Graph error body or a failing status becomes a platforms.errors class.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import requests
from django.conf import settings

from platforms.errors import OutcomeUnknown, TransientError
from platforms.http import build_session, rate_limits
from platforms.threads.translate import from_response, translate
from platforms.types import ChannelRef

GRAPH = "https://graph.threads.net"
DEFAULT_VERSION = "v1.0"


def api_version() -> str:
    return str(getattr(settings, "THREADS_API_VERSION", DEFAULT_VERSION) or DEFAULT_VERSION)


@dataclass
class Connection:
    user_id: str
    token: str
    session: requests.Session = field(default_factory=lambda: build_session("threads"))

    @property
    def secrets(self) -> tuple[str, ...]:
        return (self.token,) if self.token else ()

    def get(self, path: str, **params: Any) -> dict[str, Any]:
        return self.call("GET", path, create=False, **params)

    def post(self, path: str, *, create: bool, **params: Any) -> dict[str, Any]:
        return self.call("POST", path, create=create, **params)

    def call(self, method: str, path: str, *, create: bool, **params: Any) -> dict[str, Any]:
        """`path` is relative to the versioned root ("/me", "/{id}/threads"); `create` marks the
        irreversible call, whose lost answer is OutcomeUnknown rather than a retry."""
        url = f"{GRAPH}/{api_version()}{path}"
        sent = {name: value for name, value in {**params, "access_token": self.token}.items() if value is not None}
        try:
            response = self.session.request(method, url, **({"data": sent} if method == "POST" else {"params": sent}))
        except requests.RequestException as exc:
            raise translate(exc, create=create, secrets=self.secrets) from exc
        try:
            body = response.json()
        except ValueError:
            body = None
        if response.status_code >= 400 or (isinstance(body, dict) and "error" in body):
            raise from_response(response, body, create=create, secrets=self.secrets,
                                usage=rate_limits(self.session))
        if not isinstance(body, dict):
            if create:
                raise OutcomeUnknown("Threads sent an unreadable answer to the post; it may or may not exist. "
                                     "SMO will check the account.", platform_code="unparsed")
            raise TransientError("Threads sent an unreadable answer; it will be retried.", platform_code="unparsed")
        return body

    @property
    def last_rate_limits(self) -> dict[str, str]:
        return rate_limits(self.session)


def connect(channel: ChannelRef) -> Connection:
    # "me" works for every call when the id is not known yet (a connect probe).
    return Connection(channel.external_id or "me", channel.credentials.access_token)
