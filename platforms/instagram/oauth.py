"""Instagram API with Instagram Login (reference §3.1): no Facebook Page needed.

authorize on www.instagram.com -> code -> `POST api.instagram.com/oauth/access_token` (a one-hour
token) -> `GET graph.instagram.com/access_token?grant_type=ig_exchange_token` (60 days) ->
`GET graph.instagram.com/refresh_access_token?grant_type=ig_refresh_token` before it ends (the token
must be at least 24 hours old). Plain requests on the seam's session; the app's id and secret come
from INSTAGRAM_APP_ID / INSTAGRAM_APP_SECRET.
"""

from __future__ import annotations

import secrets
from urllib.parse import quote, urlencode

from django.conf import settings

from platforms.errors import AuthExpired, NotSupported
from platforms.http import rewrite_url
from platforms.instagram.client import INSTAGRAM_LOGIN
from platforms.meta_login import token_grant, token_request
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
    return token_grant("Instagram", long, scopes, {"login": INSTAGRAM_LOGIN})


def refresh(access_token: str) -> TokenGrant:
    answer = _request("GET", REFRESH_URL, {"grant_type": "ig_refresh_token", "access_token": access_token},
                      secrets=(access_token,))
    return token_grant("Instagram", answer, (), {"login": INSTAGRAM_LOGIN})


def _request(method: str, url: str, params: dict[str, str], *, secrets: tuple[str, ...]) -> dict:
    return token_request("instagram", "Instagram", method, url, params, secrets=secrets)
