"""One channel's connection to X: tweepy's Client on a seam session, and raw v2 calls tweepy lacks.

Credentials pick the auth: an OAuth 1.0a user token (when it has a secret and the server has
X_CONSUMER_KEY/SECRET) signs requests with user context; otherwise the OAuth 2.0 PKCE user token is
sent as a Bearer token (`user_auth=False`), which tweepy's write methods would not do by default.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import requests
import tweepy
from django.conf import settings

from platforms.http import build_session
from platforms.types import ChannelRef

# tweepy 4.17 talks to api.twitter.com; the raw calls use the same host so both share one origin.
API = "https://api.twitter.com"
_STATUS_ERRORS: dict[int, type[tweepy.HTTPException]] = {
    400: tweepy.BadRequest, 401: tweepy.Unauthorized, 403: tweepy.Forbidden, 404: tweepy.NotFound,
}


@dataclass
class Connection:
    client: tweepy.Client
    user_auth: bool
    session: requests.Session
    secrets: tuple[str, ...]


def connect(channel: ChannelRef) -> Connection:
    """A tweepy Client for one channel, on a seam session, never sleeping on rate limits."""
    creds = channel.credentials
    consumer_key, consumer_secret = settings.X_CONSUMER_KEY, settings.X_CONSUMER_SECRET
    oauth1 = bool(creds.token_secret and consumer_key and consumer_secret)
    if oauth1:
        client = tweepy.Client(consumer_key=consumer_key, consumer_secret=consumer_secret,
                               access_token=creds.access_token, access_token_secret=creds.token_secret,
                               return_type=dict, wait_on_rate_limit=False)
    else:
        client = tweepy.Client(bearer_token=creds.access_token, return_type=dict, wait_on_rate_limit=False)
    client.session.close()
    client.session = build_session("x")
    secrets = (creds.access_token, creds.refresh_token, creds.token_secret, consumer_secret or "")
    return Connection(client, oauth1, client.session, tuple(s for s in secrets if s))


def call(conn: Connection, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
    """A v2 request (e.g. the media upload, which tweepy 4.17 only has in its v1.1 form), authenticated
    exactly as tweepy's own requests and failing with the exceptions tweepy raises, so that
    `translate()` stays the one place errors are mapped. kwargs go to `requests` (params, json, data, files)."""
    client = conn.client
    headers = {"User-Agent": client.user_agent}
    auth = None
    if conn.user_auth:
        auth = tweepy.OAuth1UserHandler(client.consumer_key, client.consumer_secret, client.access_token,
                                        client.access_token_secret).apply_auth()
    else:
        headers["Authorization"] = f"Bearer {client.bearer_token}"
    with conn.session.request(method, API + path, headers=headers, auth=auth, **kwargs) as response:
        _raise_for_status(response)
        try:
            body = response.json() if response.content else {}
        except ValueError:
            body = {}
    return body if isinstance(body, dict) else {}


def _raise_for_status(response: requests.Response) -> None:
    status = response.status_code
    if 200 <= status < 300:
        return
    if status == 429:
        reset = response.headers.get("x-rate-limit-reset", "")
        raise tweepy.TooManyRequests(response, reset_time=int(reset) if reset.isdigit() else None)
    if status >= 500:
        raise tweepy.TwitterServerError(response)
    raise _STATUS_ERRORS.get(status, tweepy.HTTPException)(response)


def status_url(handle: str, post_id: str) -> str:
    handle = handle.lstrip("@")
    return f"https://x.com/{handle}/status/{post_id}" if handle else f"https://x.com/i/web/status/{post_id}"


def profile_url(handle: str) -> str:
    return f"https://x.com/{handle.lstrip('@')}" if handle else ""
