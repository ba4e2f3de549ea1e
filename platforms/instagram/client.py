"""The Graph client for one Instagram channel, on either login variant's host.

- Facebook Login (the default): graph.facebook.com with the linked Page's token.
- Instagram Login (`credentials.extra["login"] == "instagram"`): graph.instagram.com with the
  account's own token. facebook-sdk always builds `https://graph.facebook.com/...` from a module
  constant, so its session is wrapped to swap the host first; the seam's session underneath still
  applies timeouts, rate-limit capture and PLATFORM_ORIGINS to the swapped URL.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import requests

from platforms.graph import facebook, graph_client
from platforms.types import ChannelRef

FACEBOOK_HOST = "https://graph.facebook.com/"
INSTAGRAM_HOST = "https://graph.instagram.com/"
INSTAGRAM_LOGIN = "instagram"


def uses_instagram_login(channel: ChannelRef) -> bool:
    return channel.credentials.extra.get("login") == INSTAGRAM_LOGIN


class HostSwappingSession:
    """Delegates to the seam's session, sending Graph URLs to graph.instagram.com instead."""

    def __init__(self, session: requests.Session) -> None:
        self._session = session

    def request(self, method: str, url: str, **kwargs: Any) -> requests.Response:
        if url.startswith(FACEBOOK_HOST):
            url = INSTAGRAM_HOST + url[len(FACEBOOK_HOST):]
        return self._session.request(method, url, **kwargs)

    def __getattr__(self, name: str) -> Any:  # smo_rate_limits, close(), hooks, ...
        return getattr(self._session, name)


@dataclass
class Connection:
    graph: facebook.GraphAPI
    ig_id: str
    secrets: tuple[str, ...]
    instagram_login: bool = False


def connect(channel: ChannelRef) -> Connection:
    token = channel.credentials.access_token
    graph = graph_client(token, "instagram")
    ig_login = uses_instagram_login(channel)
    if ig_login:
        graph.session = HostSwappingSession(graph.session)
    return Connection(graph, channel.external_id, (token,) if token else (), ig_login)
