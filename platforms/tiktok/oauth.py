"""TikTok Login Kit v2: the authorize URL, the code exchange and the refresh (reference §7).

TikTok rotates refresh tokens: each refresh answers a new `refresh_token` and the old one stops working,
so every grant returned here carries the newest one and the channel must store it. Token errors are
`{"error", "error_description", "log_id"}`. Token values never reach a message.
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

AUTHORIZE_URL = "https://www.tiktok.com/v2/auth/authorize/"
TOKEN_URL = "https://open.tiktokapis.com/v2/oauth/token/"
# video.publish: direct posts; video.list: the Display API's video list, which reconciliation reads.
SCOPES = ("user.info.basic", "video.publish", "video.list")
_BAD_GRANT = ("invalid_grant", "invalid_request", "access_denied")


def client_credentials() -> tuple[str, str]:
    key = getattr(settings, "TIKTOK_CLIENT_KEY", None)
    secret = getattr(settings, "TIKTOK_CLIENT_SECRET", None)
    if not key or not secret:
        raise NotSupported("TikTok is not configured on this server: set TIKTOK_CLIENT_KEY and TIKTOK_CLIENT_SECRET.")
    return str(key), str(secret)


def authorization_start(redirect_uri: str) -> AuthorizationStart:
    key, _ = client_credentials()
    state = secrets.token_urlsafe(32)
    params = {"client_key": key, "scope": ",".join(SCOPES), "response_type": "code",
              "redirect_uri": redirect_uri, "state": state}
    return AuthorizationStart(url=rewrite_url(f"{AUTHORIZE_URL}?{urlencode(params, quote_via=quote)}"), state=state)


def exchange_code(code: str, redirect_uri: str) -> TokenGrant:
    return _token_request({"code": code, "grant_type": "authorization_code", "redirect_uri": redirect_uri},
                          what="the authorization code")


def refresh(refresh_token: str) -> TokenGrant:
    if not refresh_token:
        raise AuthExpired("TikTok gave this channel no refresh token; reconnect it.", platform_code="no_refresh")
    return _token_request({"grant_type": "refresh_token", "refresh_token": refresh_token}, what="the refresh token")


def _token_request(form: dict[str, str], *, what: str) -> TokenGrant:
    key, secret = client_credentials()
    session = build_session("tiktok")
    try:
        response = session.post(TOKEN_URL, data={"client_key": key, "client_secret": secret, **form},
                                headers={"Cache-Control": "no-cache"})
    except requests.RequestException:
        # A lost answer to a refresh may have spent the old refresh token; retrying then asks to reconnect.
        raise TransientError("Could not reach TikTok's token endpoint; try again shortly.",
                             platform_code="network") from None
    finally:
        session.close()
    body = _json(response)
    if response.status_code == 200 and body.get("access_token"):
        return _grant(body)
    raise _token_error(response.status_code, body, what)


def _token_error(status: int, body: dict[str, Any], what: str) -> PlatformError:
    error = str(body.get("error") or "")
    if status == 429 or error == "rate_limit_exceeded":
        return RateLimited("TikTok's token endpoint is rate limited; try again shortly.",
                           retry_at=datetime.now(UTC) + timedelta(minutes=1), platform_code="rate_limit_exceeded")
    if status >= 500:
        return TransientError(f"TikTok's token endpoint had a server error ({status}); try again shortly.",
                              platform_code=str(status))
    if error in ("invalid_client", "unauthorized_client"):
        return NotSupported("TikTok rejected SMO's app credentials (TIKTOK_CLIENT_KEY / TIKTOK_CLIENT_SECRET).",
                            platform_code=error)
    return AuthExpired(f"TikTok no longer accepts {what} ({error or status}): connect the account again.",
                       platform_code=error or str(status))


def _grant(body: dict[str, Any]) -> TokenGrant:
    expires_in = body.get("expires_in")
    expires_at = datetime.now(UTC) + timedelta(seconds=int(expires_in)) if expires_in else None
    return TokenGrant(
        access_token=str(body["access_token"]),
        refresh_token=str(body.get("refresh_token") or ""),
        expires_at=expires_at,
        scopes=tuple(s for s in str(body.get("scope") or "").split(",") if s),
        extra={"open_id": str(body.get("open_id") or "")},
    )


def _json(response: requests.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}
