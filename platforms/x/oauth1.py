"""X OAuth 1.0a user context, 3-legged: request token, authorize redirect, access token (reference §1.1).

For X apps configured for OAuth 1.0a (X_AUTH_MODE = "oauth1"). Requests are signed with
requests-oauthlib's OAuth1 (HMAC-SHA1) and sent through the seam session; the signature covers the
real https://api.x.com URL even when PLATFORM_ORIGINS points elsewhere. The resulting user token and
secret never expire until revoked, so there is no refresh. Token values never reach a message.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qsl, urlencode

import requests
from django.conf import settings
from requests_oauthlib import OAuth1

from platforms.errors import AuthExpired, NotSupported, PlatformError, RateLimited, TransientError
from platforms.http import build_session, rewrite_url
from platforms.types import AuthorizationStart, TokenGrant

REQUEST_TOKEN_URL = "https://api.x.com/oauth/request_token"
AUTHORIZE_URL = "https://api.x.com/oauth/authorize"
ACCESS_TOKEN_URL = "https://api.x.com/oauth/access_token"
MODES = ("oauth2", "oauth1")
# What the view keeps in the session between the redirect and the callback starts with this, so the
# callback picks the right exchange even if X_AUTH_MODE changed while the user was on X.
KEPT_PREFIX = "oauth1:"


def enabled() -> bool:
    """True when Connect X should use the OAuth 1.0a 3-legged flow instead of OAuth 2.0 PKCE."""
    mode = str(getattr(settings, "X_AUTH_MODE", "oauth2") or "oauth2").strip().lower()
    if mode not in MODES:
        raise NotSupported(f"X_AUTH_MODE must be 'oauth2' or 'oauth1', not {mode[:20]!r}.")
    return mode == "oauth1"


def is_kept(value: str) -> bool:
    return value.startswith(KEPT_PREFIX)


def _consumer() -> tuple[str, str]:
    key, secret = settings.X_CONSUMER_KEY, settings.X_CONSUMER_SECRET
    if not key or not secret:
        raise NotSupported("X is set to OAuth 1.0a (X_AUTH_MODE=oauth1) on this server but X_CONSUMER_KEY "
                           "and X_CONSUMER_SECRET are not both set.")
    return key, secret


def authorization_start(callback_uri: str) -> AuthorizationStart:
    """Get a request token for `callback_uri` and the authorize URL for it.

    `state` is the request token (X sends it back as `oauth_token`); `code_verifier` carries the
    request token and its secret, which must stay on the server until the callback.
    """
    key, secret = _consumer()
    # No x_auth_access_type: it can only lower the app's permission to read or write, and the inbox
    # needs the "read, write and direct messages" level configured on the app.
    body = _post(REQUEST_TOKEN_URL, OAuth1(key, client_secret=secret, callback_uri=callback_uri),
                 step="request")
    token, token_secret = body.get("oauth_token", ""), body.get("oauth_token_secret", "")
    if not token or not token_secret or body.get("oauth_callback_confirmed") != "true":
        raise TransientError("X answered the sign-in request without a usable request token; try again.",
                             platform_code="request_token")
    url = rewrite_url(f"{AUTHORIZE_URL}?{urlencode({'oauth_token': token})}")
    kept = KEPT_PREFIX + json.dumps({"oauth_token": token, "oauth_token_secret": token_secret})
    return AuthorizationStart(url=url, state=token, code_verifier=kept)


def exchange_verifier(verifier: str, kept: str) -> TokenGrant:
    """Trade the request token (from `kept`) and the callback's `oauth_verifier` for the user's token."""
    key, secret = _consumer()
    token, token_secret = _unpack(kept)
    if not verifier:
        raise AuthExpired("X sent no oauth_verifier with the sign-in answer; start the connection again.",
                          platform_code="verifier")
    auth = OAuth1(key, client_secret=secret, resource_owner_key=token, resource_owner_secret=token_secret,
                  verifier=verifier)
    body = _post(ACCESS_TOKEN_URL, auth, step="access")
    if not body.get("oauth_token") or not body.get("oauth_token_secret"):
        raise TransientError("X answered the sign-in without an access token; start the connection again.",
                             platform_code="access_token")
    # user_id/screen_name are X's own word on whose token it is; verify() asks X again for the profile.
    extra = {name: body[name] for name in ("user_id", "screen_name") if body.get(name)}
    return TokenGrant(access_token=body["oauth_token"], token_secret=body["oauth_token_secret"], extra=extra)


def refresh() -> TokenGrant:
    raise NotSupported("X OAuth 1.0a tokens do not expire and cannot be renewed; if X stopped accepting "
                       "this one, connect the account again.", platform_code="oauth1")


def _unpack(kept: str) -> tuple[str, str]:
    try:
        stored = json.loads(kept.removeprefix(KEPT_PREFIX))
        return str(stored["oauth_token"]), str(stored["oauth_token_secret"])
    except (ValueError, KeyError, TypeError):
        raise AuthExpired("This X sign-in cannot be completed (its request token is missing); "
                          "start the connection again.", platform_code="request_token") from None


def _post(url: str, auth: OAuth1, *, step: str) -> dict[str, str]:
    session = build_session("x")
    try:
        response = session.post(url, auth=auth)
    except requests.RequestException:
        # Nothing the user sees changes on X before the access token exists; trying again is safe.
        raise TransientError("Could not reach X's sign-in endpoint; try again shortly.",
                             platform_code="network") from None
    finally:
        session.close()
    if response.status_code == 200:
        return dict(parse_qsl(response.text, keep_blank_values=True))
    raise _error(response, step)


def _error(response: requests.Response, step: str) -> PlatformError:
    """X answers these endpoints in plain text, XML or JSON; only known phrases are matched, and the
    body itself is never echoed (it is the platform's text, not ours)."""
    status, text = response.status_code, response.text[:2000]
    if status == 429:
        return RateLimited("X's sign-in endpoint is rate limited; try again in a few minutes.",
                           retry_at=datetime.now(UTC) + timedelta(minutes=15), platform_code="429")
    if status >= 500:
        return TransientError(f"X's sign-in endpoint had a server error ({status}); try again shortly.",
                              platform_code=str(status))
    if "Callback URL not approved" in text or '"415"' in text:
        return NotSupported("X does not accept SMO's callback URL: add it to the app's callback URLs in "
                            "the X developer portal.", platform_code="415")
    if step == "request" or "Could not authenticate you" in text:
        return NotSupported("X rejected SMO's app credentials (X_CONSUMER_KEY / X_CONSUMER_SECRET).",
                            platform_code=str(status))
    if "oauth_verifier" in text:
        return AuthExpired("X did not accept this sign-in answer (its verifier is wrong or was already used). "
                           "Nothing was saved; start the connection again.", platform_code="verifier")
    return AuthExpired("X no longer accepts this sign-in request (it expired or was already used). "
                       "Nothing was saved; start the connection again.", platform_code=str(status))
