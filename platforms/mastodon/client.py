"""One channel's connection to its Mastodon instance: base URL, bearer token, and the seam's session.

Mastodon is not one service but thousands of instances, so the channel carries its instance's base URL
(`Credentials.extra["instance_url"]`, e.g. "https://mastodon.social") and every URL is built from it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import requests

from platforms.errors import NotSupported, TransientError
from platforms.http import build_session
from platforms.mastodon.translate import from_response, translate
from platforms.types import ChannelRef

INSTANCE_KEY = "instance_url"


def instance_url(value: str) -> str:
    """The normalised base URL of an instance ("https://host"); raises ValueError when it is not one."""
    raw = value.strip().rstrip("/")
    if raw and "://" not in raw:
        raw = f"https://{raw}"
    parts = urlsplit(raw)
    if parts.scheme not in ("https", "http") or not parts.hostname or parts.path or parts.query:
        raise ValueError(f"{value!r} is not a Mastodon instance address such as https://mastodon.social")
    return f"{parts.scheme}://{parts.netloc.lower()}"


@dataclass
class Connection:
    base_url: str
    token: str
    session: requests.Session
    last_headers: dict[str, str]

    @property
    def secrets(self) -> list[str]:
        return [self.token] if self.token else []

    def call(self, method: str, path: str, *, create: bool = False, progress: dict | None = None,
             headers: dict[str, str] | None = None, **kwargs: Any) -> requests.Response:
        """One request; a non-2xx answer or a network failure raises a platforms.errors class."""
        sent = {"Authorization": f"Bearer {self.token}", "Accept": "application/json", **(headers or {})}
        try:
            response = self.session.request(method, f"{self.base_url}{path}", headers=sent, **kwargs)
        except requests.RequestException as exc:
            raise translate(exc, create=create, secrets=self.secrets) from exc
        self.last_headers = {name.lower(): value for name, value in response.headers.items()
                             if name.lower().startswith("x-ratelimit-")}
        if response.status_code >= 400:
            raise translate(from_response(response, create=create, progress=progress), create=create,
                            secrets=self.secrets)
        return response

    def json(self, method: str, path: str, **kwargs: Any) -> Any:
        response = self.call(method, path, **kwargs)
        try:
            return response.json()
        except ValueError:
            raise TransientError("Mastodon answered with something other than JSON; it will be retried.",
                                 platform_code="body") from None


def connect(channel: ChannelRef) -> Connection:
    try:
        base = instance_url(str(channel.credentials.extra.get(INSTANCE_KEY) or ""))
    except ValueError:
        raise NotSupported("This Mastodon channel does not know its instance address; connect it again.",
                           platform_code="instance") from None
    return Connection(base, channel.credentials.access_token, build_session("mastodon"), {})


def account_id(channel: ChannelRef) -> str:
    """The account's id on its instance. The channel's external id is ``<id>@<instance host>``, because ids are
    only unique per instance: two instances' accounts with the same id must stay two channels."""
    return channel.external_id.split("@", 1)[0]
