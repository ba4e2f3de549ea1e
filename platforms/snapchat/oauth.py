"""Snap OAuth 2.0 (authorization code) for the Public Profile API: authorize URL, code exchange, refresh.

Per reference §11: the browser goes to accounts.snapchat.com/accounts/oauth2/auth; the code and later the
refresh token go to accounts.snapchat.com/login/oauth2/access_token with the app's client id and secret
in the form. Access tokens are short-lived (`expires_in` says how long), so the engine refreshes ahead.
Token values never reach a message.
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote, urlencode

import requests
from django.conf import settings

from platforms.errors import AuthExpired, NotSupported, PlatformError, RateLimited, TransientError
from platforms.http import build_session, rewrite_url
from platforms.types import AuthorizationStart, TokenGrant

AUTHORIZE_URL = "https://accounts.snapchat.com/accounts/oauth2/auth"
TOKEN_URL = "https://accounts.snapchat.com/login/oauth2/access_token"
# unverified: the reference names "snapchat-marketing-api"; integrations built since name
# "snapchat-profile-api" for the Public Profile API. SNAPCHAT_SCOPES overrides the default.
DEFAULT_SCOPES = ("snapchat-profile-api",)


def _client_credentials() -> tuple[str, str]:
    client_id = getattr(settings, "SNAPCHAT_CLIENT_ID", "") or ""
    client_secret = getattr(settings, "SNAPCHAT_CLIENT_SECRET", "") or ""
    if not client_id or not client_secret:
        raise NotSupported("Snapchat is not configured on this server: set SNAPCHAT_CLIENT_ID and "
                           "SNAPCHAT_CLIENT_SECRET (an OAuth app on Snap's Public Profile API allowlist).")
    return client_id, client_secret


def scopes() -> tuple[str, ...]:
    configured = getattr(settings, "SNAPCHAT_SCOPES", None)
    if isinstance(configured, str):
        configured = configured.split()
    return tuple(configured or DEFAULT_SCOPES)


def authorization_start(redirect_uri: str) -> AuthorizationStart:
    client_id, _ = _client_credentials()
    state = secrets.token_urlsafe(32)
    params = {"client_id": client_id, "redirect_uri": redirect_uri, "response_type": "code",
              "scope": " ".join(scopes()), "state": state}
    return AuthorizationStart(url=rewrite_url(f"{AUTHORIZE_URL}?{urlencode(params, quote_via=quote)}"), state=state)


def exchange_code(code: str, redirect_uri: str) -> TokenGrant:
    client_id, client_secret = _client_credentials()
    return _token_request({"grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri,
                           "client_id": client_id, "client_secret": client_secret}, what="the authorization code")


def refresh(refresh_token: str) -> TokenGrant:
    if not refresh_token:
        raise AuthExpired("Snapchat gave this channel no refresh token; reconnect it.", platform_code="no_refresh")
    client_id, client_secret = _client_credentials()
    grant = _token_request({"grant_type": "refresh_token", "refresh_token": refresh_token, "client_id": client_id,
                            "client_secret": client_secret}, what="the refresh token")
    if not grant.refresh_token:  # a refresh answer without a new one keeps the old one valid
        grant = TokenGrant(access_token=grant.access_token, refresh_token=refresh_token,
                           expires_at=grant.expires_at, scopes=grant.scopes)
    return grant


def _token_request(form: dict[str, str], *, what: str) -> TokenGrant:
    session = build_session("snapchat")
    try:
        response = session.post(TOKEN_URL, data=form, headers={"Accept": "application/json"})
    except requests.RequestException:
        # A token request changes nothing anyone sees: even a lost answer is safe to repeat.
        raise TransientError("Could not reach Snapchat's sign-in service; try again shortly.",
                             platform_code="network") from None
    finally:
        session.close()
    if response.status_code == 200:
        return _grant(_json(response))
    raise _token_error(response, what)


def _token_error(response: requests.Response, what: str) -> PlatformError:
    status = response.status_code
    error = str(_json(response).get("error", ""))
    if status == 429:
        return RateLimited("Snapchat's sign-in service is rate limited; try again shortly.",
                           retry_at=datetime.now(UTC) + timedelta(minutes=1), platform_code="429")
    if status >= 500:
        return TransientError(f"Snapchat's sign-in service had a server error ({status}); try again shortly.",
                              platform_code=str(status))
    if error in ("invalid_client", "unauthorized_client"):
        return NotSupported("Snapchat rejected SMO's app credentials (SNAPCHAT_CLIENT_ID / SNAPCHAT_CLIENT_SECRET).",
                            platform_code=error)
    return AuthExpired(f"Snapchat no longer accepts {what} ({error or status}): connect the profile again.",
                       platform_code=error or str(status))


def _grant(body: dict[str, Any]) -> TokenGrant:
    if not body.get("access_token"):
        raise TransientError("Snapchat's sign-in service answered without an access token; try again.",
                             platform_code="200")
    expires_in = body.get("expires_in")
    expires_at = datetime.now(UTC) + timedelta(seconds=int(expires_in)) if expires_in else None
    return TokenGrant(access_token=str(body["access_token"]), refresh_token=str(body.get("refresh_token") or ""),
                      expires_at=expires_at, scopes=tuple(str(body.get("scope") or "").split()))


def _json(response: requests.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}
