"""Instagram API with Instagram Login (reference §3.1): no Facebook Page needed.

authorize on www.instagram.com -> code -> `POST api.instagram.com/oauth/access_token` (a one-hour
token) -> `GET graph.instagram.com/access_token?grant_type=ig_exchange_token` (60 days) ->
`GET graph.instagram.com/refresh_access_token?grant_type=ig_refresh_token` before it ends (the token
must be at least 24 hours old). Plain requests on the seam's session; the app's id and secret come
from INSTAGRAM_APP_ID / INSTAGRAM_APP_SECRET.
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote, urlencode

import requests
from django.conf import settings

from platforms.errors import AuthExpired, NotSupported, PlatformError, TransientError
from platforms.http import build_session, network_error, rewrite_url
from platforms.instagram.client import INSTAGRAM_LOGIN
from platforms.types import AuthorizationStart, TokenGrant

AUTHORIZE_URL = "https://www.instagram.com/oauth/authorize"
TOKEN_URL = "https://api.instagram.com/oauth/access_token"
EXCHANGE_URL = "https://graph.instagram.com/access_token"
REFRESH_URL = "https://graph.instagram.com/refresh_access_token"
SCOPES = ("instagram_business_basic", "instagram_business_content_publish",
          "instagram_business_manage_comments", "instagram_business_manage_messages")
CONNECT_HINT = ("Instagram accounts are connected with \"Connect Facebook\": pick the Page linked to the "
                "Instagram professional account and tick \"Also connect its Instagram account\".")


def configured() -> bool:
    return bool(getattr(settings, "INSTAGRAM_APP_ID", None) and getattr(settings, "INSTAGRAM_APP_SECRET", None))


def _app() -> tuple[str, str]:
    if not configured():
        raise NotSupported(CONNECT_HINT + " (Instagram Login needs INSTAGRAM_APP_ID and INSTAGRAM_APP_SECRET.)")
    return str(settings.INSTAGRAM_APP_ID), str(settings.INSTAGRAM_APP_SECRET)


def authorization_start(redirect_uri: str) -> AuthorizationStart:
    app_id, _ = _app()
    state = secrets.token_urlsafe(32)
    params = {"client_id": app_id, "redirect_uri": redirect_uri, "response_type": "code",
              "scope": ",".join(SCOPES), "state": state}
    return AuthorizationStart(url=rewrite_url(f"{AUTHORIZE_URL}?{urlencode(params, quote_via=quote)}"), state=state)


def exchange_code(code: str, redirect_uri: str) -> TokenGrant:
    """Code -> one-hour token -> 60-day token, with the granted permissions."""
    app_id, app_secret = _app()
    short = _request("POST", TOKEN_URL, {"client_id": app_id, "client_secret": app_secret, "code": code,
                                         "grant_type": "authorization_code", "redirect_uri": redirect_uri},
                     secrets=(app_secret,))
    # Newer answers wrap the grant in a one-element `data` list.
    first = (short.get("data") or [short])[0] if isinstance(short.get("data"), list) else short
    token = str(first.get("access_token") or "")
    if not token:
        raise AuthExpired("Instagram returned no access token for this sign-in; connect again.")
    granted = first.get("permissions") or ()
    scopes = tuple(granted.split(",") if isinstance(granted, str) else (str(p) for p in granted))
    long = _request("GET", EXCHANGE_URL, {"grant_type": "ig_exchange_token", "client_secret": app_secret,
                                          "access_token": token}, secrets=(app_secret, token))
    return _grant(long, scopes, secrets=(app_secret, token))


def refresh(access_token: str) -> TokenGrant:
    answer = _request("GET", REFRESH_URL, {"grant_type": "ig_refresh_token", "access_token": access_token},
                      secrets=(access_token,))
    return _grant(answer, (), secrets=(access_token,))


def _grant(answer: dict[str, Any], scopes: tuple[str, ...], *, secrets: tuple[str, ...]) -> TokenGrant:
    token, expires_in = str(answer.get("access_token") or ""), answer.get("expires_in")
    if not token or not isinstance(expires_in, int):
        raise AuthExpired("Instagram answered the token request without a token; connect the account again.")
    return TokenGrant(access_token=token, expires_at=datetime.now(UTC) + timedelta(seconds=expires_in), scopes=scopes,
                      extra={"login": INSTAGRAM_LOGIN})


def _request(method: str, url: str, params: dict[str, str], *, secrets: tuple[str, ...]) -> dict[str, Any]:
    session = build_session("instagram")
    try:
        response = session.request(method, url, **({"data": params} if method == "POST" else {"params": params}))
        body = response.json()
    except requests.RequestException as exc:
        raise network_error(exc, create=False, platform="Instagram", checks="the account") from exc
    except ValueError:
        raise TransientError(f"Instagram answered the sign-in with something that is not JSON "
                             f"(HTTP {response.status_code}); try again.") from None
    finally:
        session.close()
    if response.status_code >= 500:
        raise TransientError(f"Instagram's sign-in is unavailable (HTTP {response.status_code}); try again.")
    if not isinstance(body, dict) or response.status_code >= 400 or "error" in body or "error_type" in body:
        raise _refused(body, secrets)
    return body


def _refused(body: Any, secrets: tuple[str, ...]) -> PlatformError:
    """Graph envelopes ({"error": {...}}) and api.instagram.com's flat {"error_type", "error_message"}."""
    error = body.get("error") if isinstance(body, dict) and isinstance(body.get("error"), dict) else body
    error = error if isinstance(error, dict) else {}
    message = str(error.get("message") or error.get("error_message") or "no details")[:300]
    for secret in secrets:
        message = message.replace(secret, "<redacted>")
    return AuthExpired(f"Instagram did not accept this sign-in: {message} Connect the account again.",
                       platform_code=str(error.get("code") or error.get("error_type") or ""))
