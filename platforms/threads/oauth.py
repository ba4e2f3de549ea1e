"""Threads sign-in (reference §8): threads.net authorize page -> code -> one-hour token -> 60-day token.

The long-lived token is renewed with `th_refresh_token` before it ends (Meta requires it to be at
least 24 hours old and unexpired); the renewed token replaces the old one. The app's id and secret
come from THREADS_APP_ID / THREADS_APP_SECRET. Plain requests on the seam's session.
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote, urlencode

import requests
from django.conf import settings
from django.utils.translation import gettext as _

from platforms.errors import AuthExpired, NotSupported, PlatformError, TransientError
from platforms.http import build_session, network_error, rewrite_url
from platforms.types import AuthorizationStart, TokenGrant
from smo.logging import scrub

AUTHORIZE_URL = "https://threads.net/oauth/authorize"
TOKEN_URL = "https://graph.threads.net/oauth/access_token"
EXCHANGE_URL = "https://graph.threads.net/access_token"
REFRESH_URL = "https://graph.threads.net/refresh_access_token"
SCOPES = ("threads_basic", "threads_content_publish", "threads_manage_replies", "threads_read_replies",
          "threads_manage_mentions")


def configured() -> bool:
    return bool(getattr(settings, "THREADS_APP_ID", None) and getattr(settings, "THREADS_APP_SECRET", None))


def _app() -> tuple[str, str]:
    if not configured():
        raise NotSupported(_("Connecting Threads needs THREADS_APP_ID and THREADS_APP_SECRET in SMO's settings."))
    return str(settings.THREADS_APP_ID), str(settings.THREADS_APP_SECRET)


def authorization_start(redirect_uri: str) -> AuthorizationStart:
    app_id, _secret = _app()
    state = secrets.token_urlsafe(32)
    params = {"client_id": app_id, "redirect_uri": redirect_uri, "scope": ",".join(SCOPES),
              "response_type": "code", "state": state}
    return AuthorizationStart(url=rewrite_url(f"{AUTHORIZE_URL}?{urlencode(params, quote_via=quote)}"), state=state)


def exchange_code(code: str, redirect_uri: str) -> TokenGrant:
    """Code -> one-hour token -> 60-day token."""
    app_id, app_secret = _app()
    short = _request("POST", TOKEN_URL, {"client_id": app_id, "client_secret": app_secret, "code": code,
                                         "grant_type": "authorization_code", "redirect_uri": redirect_uri},
                     secrets=(app_secret,))
    token = str(short.get("access_token") or "")
    if not token:
        raise AuthExpired("Threads returned no access token for this sign-in; connect again.")
    long = _request("GET", EXCHANGE_URL, {"grant_type": "th_exchange_token", "client_secret": app_secret,
                                          "access_token": token}, secrets=(app_secret, token))
    return _grant(long, SCOPES, user_id=str(short.get("user_id") or ""))


def refresh(access_token: str) -> TokenGrant:
    answer = _request("GET", REFRESH_URL, {"grant_type": "th_refresh_token", "access_token": access_token},
                      secrets=(access_token,))
    return _grant(answer, ())


def _grant(answer: dict[str, Any], scopes: tuple[str, ...], user_id: str = "") -> TokenGrant:
    token, expires_in = str(answer.get("access_token") or ""), answer.get("expires_in")
    if not token or not isinstance(expires_in, int):
        raise AuthExpired("Threads answered the token request without a token; connect the account again.")
    return TokenGrant(access_token=token, expires_at=datetime.now(UTC) + timedelta(seconds=expires_in),
                      scopes=scopes, extra={"user_id": user_id} if user_id else {})


def _request(method: str, url: str, params: dict[str, str], *, secrets: tuple[str, ...]) -> dict[str, Any]:
    session = build_session("threads")
    try:
        response = session.request(method, url, **({"data": params} if method == "POST" else {"params": params}))
        body = response.json()
    except requests.RequestException as exc:
        raise network_error(exc, create=False, platform="Threads", checks="the account") from exc
    except ValueError:
        raise TransientError(f"Threads answered the sign-in with something that is not JSON "
                             f"(HTTP {response.status_code}); try again.") from None
    finally:
        session.close()
    if response.status_code >= 500:
        raise TransientError(f"Threads' sign-in is unavailable (HTTP {response.status_code}); try again.")
    if not isinstance(body, dict) or response.status_code >= 400 or "error" in body:
        raise _refused(body, secrets)
    return body


def _refused(body: Any, secrets: tuple[str, ...]) -> PlatformError:
    error = body.get("error") if isinstance(body, dict) and isinstance(body.get("error"), dict) else {}
    message = scrub(str(error.get("message") or "no details")[:300], secrets)
    return AuthExpired(f"Threads did not accept this sign-in: {message} Connect the account again.",
                       platform_code=str(error.get("code") or ""))
