"""Pinterest OAuth 2.0 (reference §6): the authorize URL, the code exchange and the refresh.

The token endpoint takes HTTP Basic client authentication (app id : app secret) and a form body.
Access tokens live about 30 days, refresh tokens about a year. A refresh answer carries a new refresh
token only for apps on continuous refresh; otherwise the stored one stays valid (services keeps it
when the grant has none). The app's credentials come from PINTEREST_APP_ID / PINTEREST_APP_SECRET.
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote, urlencode

import requests
from django.conf import settings
from requests.auth import HTTPBasicAuth

from platforms.errors import AuthExpired, NotSupported, PlatformError, RateLimited, TransientError
from platforms.http import build_session, rewrite_url
from platforms.pinterest.translate import error_detail, retry_at
from platforms.types import AuthorizationStart, TokenGrant

AUTHORIZE_URL = "https://www.pinterest.com/oauth/"
TOKEN_URL = "https://api.pinterest.com/v5/oauth/token"
SCOPES = ("boards:read", "boards:write", "pins:read", "pins:write", "user_accounts:read")


def _app() -> tuple[str, str]:
    app_id, app_secret = getattr(settings, "PINTEREST_APP_ID", ""), getattr(settings, "PINTEREST_APP_SECRET", "")
    if not app_id or not app_secret:
        raise NotSupported("Pinterest is not configured on this server: set PINTEREST_APP_ID and "
                           "PINTEREST_APP_SECRET.", platform_code="connect")
    return str(app_id), str(app_secret)


def authorization_start(redirect_uri: str) -> AuthorizationStart:
    app_id, _ = _app()
    state = secrets.token_urlsafe(32)
    params = {"client_id": app_id, "redirect_uri": redirect_uri, "response_type": "code",
              "scope": ",".join(SCOPES), "state": state}
    return AuthorizationStart(url=rewrite_url(f"{AUTHORIZE_URL}?{urlencode(params, quote_via=quote)}"), state=state)


def exchange_code(code: str, redirect_uri: str) -> TokenGrant:
    return _token_request({"grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri},
                          what="the sign-in", secrets=(code,))


def refresh(refresh_token: str) -> TokenGrant:
    if not refresh_token:
        raise AuthExpired("Pinterest gave this channel no refresh token; reconnect it.", platform_code="refresh")
    return _token_request({"grant_type": "refresh_token", "refresh_token": refresh_token, "scope": ",".join(SCOPES)},
                          what="the stored login", secrets=(refresh_token,))


def _token_request(form: dict[str, str], *, what: str, secrets: tuple[str, ...]) -> TokenGrant:
    app_id, app_secret = _app()
    session = build_session("pinterest")
    try:
        response = session.post(TOKEN_URL, data=form, auth=HTTPBasicAuth(app_id, app_secret),
                                headers={"Accept": "application/json"})
    except requests.RequestException:
        # A token request changes nothing users see: safe to try again.
        raise TransientError("Could not reach Pinterest's token endpoint; try again shortly.",
                             platform_code="network") from None
    finally:
        session.close()
    if response.status_code == 200:
        return _grant(_json(response))
    raise _token_error(response, what, (*secrets, app_secret))


def _token_error(response: requests.Response, what: str, secrets: tuple[str, ...]) -> PlatformError:
    status = response.status_code
    code, detail = error_detail(response)
    for secret in secrets:
        detail = detail.replace(secret, "[redacted]")
    platform_code = f"{status}/{code}" if code else str(status)
    if status == 429:
        return RateLimited("Pinterest's token endpoint is rate limited; try again shortly.",
                           retry_at=retry_at(response), platform_code=platform_code)
    if status >= 500:
        return TransientError(f"Pinterest's token endpoint had a server error ({status}); try again shortly.",
                              platform_code=platform_code)
    if status == 401:  # the token endpoint's 401 is about the app's Basic credentials, not the user's
        return NotSupported(f"Pinterest rejected SMO's app credentials (PINTEREST_APP_ID / PINTEREST_APP_SECRET): "
                            f"{detail}", platform_code=platform_code)
    return AuthExpired(f"Pinterest did not accept {what} ({detail}): connect the account again.",
                       platform_code=platform_code)


def _grant(body: dict[str, Any]) -> TokenGrant:
    token = str(body.get("access_token") or "")
    if not token:
        raise TransientError("Pinterest's token endpoint answered without an access token; try again.",
                             platform_code="200")
    expires_in = body.get("expires_in")
    expires_at = datetime.now(UTC) + timedelta(seconds=int(expires_in)) if isinstance(expires_in, int) else None
    scope = str(body.get("scope") or "")
    return TokenGrant(access_token=token, refresh_token=str(body.get("refresh_token") or ""), expires_at=expires_at,
                      scopes=tuple(s for s in scope.replace(" ", ",").split(",") if s))


def _json(response: requests.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}
