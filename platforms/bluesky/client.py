"""One channel's XRPC connection to its Bluesky PDS, on a seam session.

The channel keeps the app-password session (accessJwt as access_token, refreshJwt as refresh_token,
the PDS origin and the DID in extra). Publishing never logs in: createSession is limited to 30 per
5 minutes per handle, so the engine refreshes the cached session ahead of expiry (`refresh()`, with
expires_at read from the access JWT) and only a connect creates a session.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import requests

from platforms.http import build_session
from platforms.types import ChannelRef

DEFAULT_PDS = "https://bsky.social"
APP_URL = "https://bsky.app"
# Bluesky's access JWTs live about two hours; used only when a token's own `exp` cannot be read.
FALLBACK_ACCESS_LIFETIME = timedelta(hours=2)


class XrpcError(Exception):
    """A non-2xx XRPC answer; translate() turns it into a platforms.errors class."""

    def __init__(self, response: requests.Response) -> None:
        self.response = response
        self.status = response.status_code
        try:
            body = response.json()
        except ValueError:
            body = {}
        body = body if isinstance(body, dict) else {}
        self.error = str(body.get("error") or "")
        self.detail = str(body.get("message") or response.reason or "")[:500]
        super().__init__(f"{self.status} {self.error}: {self.detail}")


@dataclass
class Connection:
    pds: str
    did: str
    access_jwt: str
    session: requests.Session
    secrets: tuple[str, ...]

    def call(self, method: str, nsid: str, *, token: str | None = None, **kwargs: Any) -> dict[str, Any]:
        """One XRPC call (`kwargs` go to requests: params, json, data, headers); raises XrpcError."""
        headers = {"Authorization": f"Bearer {token or self.access_jwt}", **kwargs.pop("headers", {})}
        with self.session.request(method, f"{self.pds}/xrpc/{nsid}", headers=headers, **kwargs) as response:
            if not 200 <= response.status_code < 300:
                raise XrpcError(response)
            try:
                body = response.json() if response.content else {}
            except ValueError:
                body = {}
        return body if isinstance(body, dict) else {}


def pds_of(channel: ChannelRef) -> str:
    return str(channel.credentials.extra.get("pds") or DEFAULT_PDS).rstrip("/")


def connect(channel: ChannelRef) -> Connection:
    creds = channel.credentials
    did = str(creds.extra.get("did") or channel.external_id)
    secrets = tuple(s for s in (creds.access_token, creds.refresh_token, creds.token_secret) if s)
    return Connection(pds_of(channel), did, creds.access_token, build_session("bluesky"), secrets)


def anonymous(pds: str) -> Connection:
    """A connection before any session exists (createSession)."""
    return Connection(pds.rstrip("/"), "", "", build_session("bluesky"), ())


def jwt_expiry(token: str) -> datetime:
    """The `exp` of a JWT, read without verifying (the PDS verifies it); a fallback when unreadable."""
    try:
        payload = token.split(".")[1]
        claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
        return datetime.fromtimestamp(int(claims["exp"]), tz=UTC)
    except (IndexError, ValueError, KeyError, TypeError):
        return datetime.now(UTC) + FALLBACK_ACCESS_LIFETIME


def rkey(uri: str) -> str:
    """The record key at the end of an at:// URI."""
    return uri.rstrip("/").rsplit("/", 1)[-1]


def post_url(handle_or_did: str, uri: str) -> str:
    return f"{APP_URL}/profile/{handle_or_did.lstrip('@')}/post/{rkey(uri)}"
