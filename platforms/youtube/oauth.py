"""Google OAuth 2.0 for YouTube: the authorize URL, the code exchange and the refresh (reference §5.1).

``access_type=offline`` with ``prompt=consent`` is what makes Google hand out a refresh token every
time; a refresh answers without a new refresh token, so the one we have is kept. ``invalid_grant``
(revoked, or the 7-day expiry of apps still in "Testing") means the channel must be connected again.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote, urlencode

import requests
from django.conf import settings

from platforms.errors import AuthExpired, NotSupported, PlatformError, RateLimited, TransientError
from platforms.http import build_session, rewrite_url
from platforms.types import AuthorizationStart, TokenGrant

AUTHORIZE_URL = "https://accounts.google.com/o/oauth2/v2/auth"
TOKEN_URL = "https://oauth2.googleapis.com/token"
SCOPES = ("https://www.googleapis.com/auth/youtube.upload", "https://www.googleapis.com/auth/youtube.force-ssl")


def _client() -> tuple[str, str]:
    client_id = getattr(settings, "YOUTUBE_CLIENT_ID", "") or ""
    client_secret = getattr(settings, "YOUTUBE_CLIENT_SECRET", "") or ""
    if not client_id or not client_secret:
        raise NotSupported("YouTube is not configured on this server: set YOUTUBE_CLIENT_ID and "
                           "YOUTUBE_CLIENT_SECRET.", platform_code="config")
    return client_id, client_secret


def _challenge(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def authorization_start(redirect_uri: str) -> AuthorizationStart:
    client_id, _ = _client()
    state, verifier = secrets.token_urlsafe(32), secrets.token_urlsafe(64)
    params = {
        "response_type": "code", "client_id": client_id, "redirect_uri": redirect_uri, "scope": " ".join(SCOPES),
        "state": state, "access_type": "offline", "prompt": "consent", "include_granted_scopes": "true",
        "code_challenge": _challenge(verifier), "code_challenge_method": "S256",
    }
    return AuthorizationStart(url=rewrite_url(f"{AUTHORIZE_URL}?{urlencode(params, quote_via=quote)}"),
                              state=state, code_verifier=verifier)


def exchange_code(code: str, redirect_uri: str, code_verifier: str) -> TokenGrant:
    client_id, client_secret = _client()
    form = {"grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri,
            "client_id": client_id, "client_secret": client_secret}
    if code_verifier:
        form["code_verifier"] = code_verifier
    return _grant(_token_request(form, what="the authorization code"), keep_refresh="")


def refresh(refresh_token: str) -> TokenGrant:
    if not refresh_token:
        raise AuthExpired("Google gave this channel no refresh token; reconnect it.", platform_code="no_refresh")
    client_id, client_secret = _client()
    form = {"grant_type": "refresh_token", "refresh_token": refresh_token, "client_id": client_id,
            "client_secret": client_secret}
    return _grant(_token_request(form, what="the channel's refresh token"), keep_refresh=refresh_token)


def _token_request(form: dict[str, str], *, what: str) -> dict[str, Any]:
    session = build_session("youtube")
    try:
        response = session.post(TOKEN_URL, data=form)
    except requests.RequestException:
        # A token request publishes nothing: a lost answer is safe to repeat.
        raise TransientError("Could not reach Google's token endpoint; try again shortly.",
                             platform_code="network") from None
    finally:
        session.close()
    if response.status_code == 200:
        return _json(response)
    raise _token_error(response, what)


def _token_error(response: requests.Response, what: str) -> PlatformError:
    status, error = response.status_code, str(_json(response).get("error") or "")
    if status == 429:
        return RateLimited("Google's token endpoint is rate limited; try again shortly.",
                           retry_at=datetime.now(UTC) + timedelta(minutes=1), platform_code="429")
    if status >= 500:
        return TransientError(f"Google's token endpoint had a server error ({status}); try again shortly.",
                              platform_code=str(status))
    if error in ("invalid_client", "unauthorized_client"):
        return NotSupported("Google rejected SMO's app credentials (YOUTUBE_CLIENT_ID / YOUTUBE_CLIENT_SECRET).",
                            platform_code=error)
    return AuthExpired(f"Google no longer accepts {what} ({error or status}): connect the channel again.",
                       platform_code=error or str(status))


def _grant(body: dict[str, Any], *, keep_refresh: str) -> TokenGrant:
    if not body.get("access_token"):
        raise TransientError("Google's token endpoint answered without an access token; try again.",
                             platform_code="200")
    expires_in = body.get("expires_in")
    return TokenGrant(
        access_token=str(body["access_token"]),
        refresh_token=str(body.get("refresh_token") or keep_refresh),
        expires_at=datetime.now(UTC) + timedelta(seconds=int(expires_in)) if expires_in else None,
        scopes=tuple(str(body.get("scope") or "").split()),
    )


def _json(response: requests.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}
