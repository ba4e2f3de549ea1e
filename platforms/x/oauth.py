"""X OAuth 2.0 Authorization Code with PKCE: the authorize URL, the code exchange and the refresh.

The token endpoint is called through the seam session (timeouts, origin rewriting) with HTTP Basic
client authentication, as X requires for confidential clients. Token values never reach a message.
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
from requests.auth import HTTPBasicAuth

from platforms.errors import AuthExpired, NotSupported, PlatformError, RateLimited, TransientError
from platforms.http import build_session, rewrite_url
from platforms.types import AuthorizationStart, TokenGrant

AUTHORIZE_URL = "https://x.com/i/oauth2/authorize"
TOKEN_URL = "https://api.x.com/2/oauth2/token"
# media.write: v2 media upload; tweet.moderate.write: hiding replies; dm.*: the inbox's direct messages.
SCOPES = ("tweet.read", "tweet.write", "users.read", "offline.access", "media.write", "tweet.moderate.write",
          "dm.read", "dm.write")
_BAD_GRANT = ("invalid_grant", "invalid_request")  # X answers a spent or unknown code/refresh token with either


def _client_credentials() -> tuple[str, str]:
    client_id, client_secret = settings.X_CLIENT_ID, settings.X_CLIENT_SECRET
    if not client_id or not client_secret:
        raise NotSupported("X is not configured on this server: set X_CLIENT_ID and X_CLIENT_SECRET.")
    return client_id, client_secret


def _challenge(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def authorization_start(redirect_uri: str) -> AuthorizationStart:
    client_id, _ = _client_credentials()
    state = secrets.token_urlsafe(32)
    verifier = secrets.token_urlsafe(64)  # 86 characters: inside RFC 7636's 43..128
    params = {
        "response_type": "code",
        "client_id": client_id,
        "redirect_uri": redirect_uri,
        "scope": " ".join(SCOPES),
        "state": state,
        "code_challenge": _challenge(verifier),
        "code_challenge_method": "S256",
    }
    url = rewrite_url(f"{AUTHORIZE_URL}?{urlencode(params, quote_via=quote)}")
    return AuthorizationStart(url=url, state=state, code_verifier=verifier)


def exchange_code(code: str, redirect_uri: str, code_verifier: str) -> TokenGrant:
    client_id, _ = _client_credentials()
    return _token_request({
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": redirect_uri,
        "code_verifier": code_verifier,
        "client_id": client_id,
    }, what="the authorization code")


def refresh(refresh_token: str) -> TokenGrant:
    if not refresh_token:
        raise AuthExpired("X gave this channel no refresh token (offline access); reconnect it.")
    client_id, _ = _client_credentials()
    return _token_request(
        {"grant_type": "refresh_token", "refresh_token": refresh_token, "client_id": client_id},
        what="the refresh token",
    )


def _token_request(form: dict[str, str], *, what: str) -> TokenGrant:
    session = build_session("x")
    try:
        response = session.post(TOKEN_URL, data=form, auth=HTTPBasicAuth(*_client_credentials()))
    except requests.RequestException:
        # A token request changes nothing the user sees; even a lost answer is safe to retry
        # (at worst a spent single-use refresh token then asks the user to reconnect).
        raise TransientError("Could not reach X's token endpoint; try again shortly.",
                             platform_code="network") from None
    finally:
        session.close()
    if response.status_code == 200:
        return _grant(_json(response))
    raise _token_error(response, what)


def _token_error(response: requests.Response, what: str) -> PlatformError:
    status = response.status_code
    body = _json(response)
    error = str(body.get("error", ""))
    if status == 429:
        return RateLimited("X's token endpoint is rate limited; try again shortly.",
                           retry_at=datetime.now(UTC) + timedelta(minutes=1), platform_code="429")
    if status >= 500:
        return TransientError(f"X's token endpoint had a server error ({status}); try again shortly.",
                              platform_code=str(status))
    if error in _BAD_GRANT:
        return AuthExpired(f"X no longer accepts {what}: connect the account again.", platform_code=error)
    if status == 401 or error in ("invalid_client", "unauthorized_client"):
        return NotSupported("X rejected SMO's app credentials (X_CLIENT_ID / X_CLIENT_SECRET).",
                            platform_code=error or "401")
    return AuthExpired(f"X refused {what} ({error or status}): connect the account again.",
                       platform_code=error or str(status))


def _grant(body: dict[str, Any]) -> TokenGrant:
    if not body.get("access_token"):
        raise TransientError("X's token endpoint answered without an access token; try again.", platform_code="200")
    expires_in = body.get("expires_in")
    expires_at = datetime.now(UTC) + timedelta(seconds=int(expires_in)) if expires_in else None
    return TokenGrant(
        access_token=str(body["access_token"]),
        refresh_token=str(body.get("refresh_token") or ""),
        expires_at=expires_at,
        scopes=tuple(str(body.get("scope") or "").split()),
    )


def _json(response: requests.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}
