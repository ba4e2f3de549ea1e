"""Threads sign-in (reference §8): threads.net authorize page -> code -> one-hour token -> 60-day token.

The long-lived token is renewed with `th_refresh_token` before it ends (Meta requires it to be at
least 24 hours old and unexpired); the renewed token replaces the old one. The app's id and secret
come from THREADS_APP_ID / THREADS_APP_SECRET. Plain requests on the seam's session.
"""

from __future__ import annotations

import secrets
from urllib.parse import quote, urlencode

from django.conf import settings
from django.utils.translation import gettext as _

from platforms.errors import AuthExpired, NotSupported
from platforms.http import rewrite_url
from platforms.meta_login import token_grant, token_request
from platforms.types import AuthorizationStart, TokenGrant

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
    user_id = str(short.get("user_id") or "")
    return token_grant("Threads", long, SCOPES, {"user_id": user_id} if user_id else {})


def refresh(access_token: str) -> TokenGrant:
    answer = _request("GET", REFRESH_URL, {"grant_type": "th_refresh_token", "access_token": access_token},
                      secrets=(access_token,))
    return token_grant("Threads", answer, (), {})


def _request(method: str, url: str, params: dict[str, str], *, secrets: tuple[str, ...]) -> dict:
    return token_request("threads", "Threads", method, url, params, secrets=secrets)
