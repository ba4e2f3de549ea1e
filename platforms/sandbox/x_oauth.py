"""X OAuth 2.0 Authorization Code with PKCE (reference §1.1).

``GET /i/oauth2/authorize`` renders a consent page; its form POSTs back to the same path and
redirects to the client with ``code`` and ``state`` (or ``error=access_denied``).
``POST /2/oauth2/token`` exchanges codes and rotates refresh tokens; ``POST /2/oauth2/revoke``.

Token endpoint errors use RFC 6749 §5.2 JSON (``{"error", "error_description"}``) with X's
observed wording: X reports most failures as ``invalid_request`` with "Value passed for the …
was invalid." descriptions and bad client authentication as 401 ``unauthorized_client`` /
"Missing valid authorization header" (seen in tweepy #2035, node-twitter-api-v2 #319/#496,
twitter-api-typescript-sdk #26). Descriptions for cases nobody quoted are ours in the same style.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re
import secrets
import time
from html import escape
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, unquote_plus, urlencode, urlsplit, urlunsplit

from aiohttp import web

from .dialect import Handler, json_response
from .feeds import consent_form, page
from .state import AuthCode, Token
from .x_common import ACCESS_TOKEN_LIFETIME

if TYPE_CHECKING:
    from .x import XDialect

AUTHORIZE_PARAMS = ("response_type", "client_id", "redirect_uri", "scope", "state",
                    "code_challenge", "code_challenge_method")
SCOPE_DESCRIPTIONS = {
    "tweet.read": "See posts from your timeline", "tweet.write": "Post and repost for you",
    "tweet.moderate.write": "Hide and unhide replies to your posts", "users.read": "See your account",
    "users.email": "See your email address", "follows.read": "See who you follow",
    "follows.write": "Follow and unfollow people for you", "offline.access": "Stay connected until you revoke access",
    "space.read": "See Spaces", "mute.read": "See accounts you muted", "mute.write": "Mute and unmute accounts",
    "like.read": "See posts you liked", "like.write": "Like and unlike posts", "list.read": "See lists",
    "list.write": "Manage lists", "block.read": "See accounts you blocked", "block.write": "Block accounts",
    "bookmark.read": "See your bookmarks", "bookmark.write": "Manage bookmarks",
    "dm.read": "See your direct messages", "dm.write": "Send direct messages", "media.write": "Upload media",
}
USERNAME = re.compile(r"^[A-Za-z0-9_]{1,15}$")
CODE_LIFETIME_S = 600  # RFC 6749 §4.1.2 recommends at most ten minutes
UNSAFE_SCHEMES = {"javascript", "data", "vbscript", "file"}


class XOAuth:
    def __init__(self, dialect: XDialect) -> None:
        self.x = dialect
        self.store = dialect.store
        self.known_scopes = set(SCOPE_DESCRIPTIONS)

    def routes(self) -> list[tuple[str, str, Handler]]:
        return [
            ("GET", "/i/oauth2/authorize", self.authorize),
            ("POST", "/i/oauth2/authorize", self.decide),
            ("POST", "/2/oauth2/token", self.token),
            ("POST", "/2/oauth2/revoke", self.revoke),
        ]

    # -- consent page -----------------------------------------------------------------------

    async def authorize(self, request: web.Request) -> web.Response:
        params = {name: request.query.get(name, "") for name in AUTHORIZE_PARAMS}
        problem = self._invalid_authorize(params)
        if problem:
            return self._error_page(problem)
        return self._consent_page(request.path, params, username="smo_demo")

    async def decide(self, request: web.Request) -> web.Response:
        form = await request.post()
        params = {name: str(form.get(name, "")) for name in AUTHORIZE_PARAMS}
        problem = self._invalid_authorize(params)
        if problem:
            return self._error_page(problem)
        if form.get("decision") != "approve":
            return _redirect(params["redirect_uri"], error="access_denied", state=params["state"])
        username = str(form.get("username", "")).strip().lstrip("@")
        if not USERNAME.match(username):
            error = "A username is 1 to 15 letters, digits or underscores."
            return self._consent_page(request.path, params, username=username, error=error, status=400)
        account = self.store.get_or_create_account(self.x.name, username)
        code = AuthCode(
            value=_x_token("ac"), platform=self.x.name, client_id=params["client_id"],
            redirect_uri=params["redirect_uri"], scopes=tuple(params["scope"].split()),
            challenge=params["code_challenge"], challenge_method=params["code_challenge_method"] or "plain",
            account_id=account.id, expires_at=time.time() + CODE_LIFETIME_S,
        )
        self.store.codes[code.value] = code
        return _redirect(params["redirect_uri"], state=params["state"], code=code.value)

    def _invalid_authorize(self, params: dict[str, str]) -> str | None:
        """Why these authorize parameters are unusable, or None. Never redirect on these errors:
        the redirect_uri itself may be the bad part (RFC 6749 §4.1.2.1)."""
        for name in ("response_type", "client_id", "redirect_uri", "scope", "state", "code_challenge"):
            if not params[name]:
                return f"Missing required parameter: {name}."
        if params["response_type"] != "code":
            return "response_type must be 'code'."
        target = urlsplit(params["redirect_uri"])
        if not target.scheme or target.scheme.lower() in UNSAFE_SCHEMES or not (target.netloc or target.path):
            return "redirect_uri must be an absolute URL."
        if params["code_challenge_method"] not in ("", "S256", "plain"):
            return "code_challenge_method must be S256 or plain."
        unknown = sorted(set(params["scope"].split()) - self.known_scopes)
        if unknown:
            return f"Unknown scope: {' '.join(unknown)}."
        if len(params["state"]) > 500 or len(params["code_challenge"]) > 128:
            return "state or code_challenge is too long."
        return None

    def _error_page(self, message: str) -> web.Response:
        body = (f"<h1>Something went wrong</h1><p class='error'>{escape(message)}</p>"
                "<p>The application sent an invalid authorization request. Go back and try again.</p>")
        return page("X sandbox - authorization error", body, status=400)

    def _consent_page(self, action: str, params: dict[str, str], *, username: str,
                      error: str | None = None, status: int = 200) -> web.Response:
        scopes = "".join(f"<li><code>{escape(s)}</code> - {escape(SCOPE_DESCRIPTIONS[s])}</li>"
                         for s in params["scope"].split())
        body = (
            "<h1>Authorize app</h1>"
            f"<p>The app <strong>{escape(params['client_id'])}</strong> wants to access your X account."
            f"</p><p>It will be able to:</p><ul>{scopes}</ul>"
            f"<p class='meta'>You will be sent back to <code>{escape(params['redirect_uri'])}</code></p>"
            + (f"<p class='error'>{escape(error)}</p>" if error else "")
            + consent_form(action, params, username,
                           label="Sign in as (an existing or a new sandbox account)",
                           suggestions=tuple(a.username for a in self.store.accounts[self.x.name].values()))
        )
        return page("X sandbox - authorize app", body, status=status)

    # -- token endpoint ---------------------------------------------------------------------

    async def token(self, request: web.Request) -> web.Response:
        form = {k: str(v) for k, v in (await request.post()).items()}
        client_id = self._client(request, form)
        if client_id is None:
            return _oauth_error(401, "unauthorized_client", "Missing valid authorization header")
        grant_type = form.get("grant_type")
        if grant_type == "authorization_code":
            return self._exchange_code(form, client_id)
        if grant_type == "refresh_token":
            return self._refresh(form, client_id)
        if not grant_type:
            return _oauth_error(400, "invalid_request", "Missing required parameter [grant_type].")
        return _oauth_error(400, "unsupported_grant_type", f"Grant type {grant_type} is not supported.")

    def _client(self, request: web.Request, form: dict[str, str]) -> str | None:
        """The authenticated client id: HTTP Basic for confidential clients (any non-empty
        secret unless one was registered through the control API), ``client_id`` in the body
        for public clients. None means the client failed to authenticate."""
        header = request.headers.get("Authorization", "")
        registered = self.store.clients.get(self.x.name, {})
        if header[:6].lower() == "basic ":
            try:
                decoded = base64.b64decode(header[6:].strip(), validate=True).decode()
            except (binascii.Error, UnicodeDecodeError):
                return None
            raw_id, sep, raw_secret = decoded.partition(":")
            # RFC 6749 §2.3.1: id and secret are form-encoded before Basic encoding.
            client_id, secret = unquote_plus(raw_id), unquote_plus(raw_secret)
            if not sep or not client_id or not secret or form.get("client_id", client_id) != client_id:
                return None
            expected = registered.get(client_id)
            if expected is not None and not hmac.compare_digest(expected, secret):
                return None
            return client_id
        client_id = form.get("client_id", "")
        if not client_id or registered.get(client_id):
            return None  # no credentials, or a confidential client that skipped Basic auth
        return client_id

    def _exchange_code(self, form: dict[str, str], client_id: str) -> web.Response:
        for name in ("code", "redirect_uri", "code_verifier"):
            if not form.get(name):
                return _oauth_error(400, "invalid_request", f"Missing required parameter [{name}].")
        code = self.store.codes.get(form["code"])
        if code is None or code.client_id != client_id or time.time() > code.expires_at:
            return _oauth_error(400, "invalid_request", "Value passed for the authorization code was invalid.")
        if code.used:
            # RFC 6749 §4.1.2: a replayed code revokes what it was exchanged for.
            self.store.revoke_grant(code.value)
            return _oauth_error(400, "invalid_request", "Value passed for the authorization code was invalid.")
        if form["redirect_uri"] != code.redirect_uri:
            return _oauth_error(400, "invalid_request",
                                "Value passed for the redirect uri did not match the uri of the authorization code.")
        if not _verifier_matches(form["code_verifier"], code.challenge, code.challenge_method):
            return _oauth_error(400, "invalid_request",
                                "Value passed for the code verifier did not match the code challenge.")
        code.used = True
        account = self.store.accounts[self.x.name][code.account_id]
        return self._issue(account.id, code.scopes, client_id, grant=code.value)

    def _refresh(self, form: dict[str, str], client_id: str) -> web.Response:
        value = form.get("refresh_token")
        if not value:
            return _oauth_error(400, "invalid_request", "Missing required parameter [refresh_token].")
        old = self.store.find_token(value, "refresh")
        if old is None or old.revoked or old.client_id != client_id:
            return _oauth_error(400, "invalid_request", "Value passed for the token was invalid.")
        old.revoked = True  # rotation: every refresh token works once
        return self._issue(old.account_id, old.scopes, client_id, grant=old.grant)

    def _issue(self, account_id: str, scopes: tuple[str, ...], client_id: str, *, grant: str) -> web.Response:
        account = self.store.accounts[self.x.name][account_id]
        access, refresh = self.store.issue_tokens(account, scopes, client_id=client_id,
                                                  expires_in=ACCESS_TOKEN_LIFETIME,
                                                  refresh="offline.access" in scopes, grant=grant)
        return json_response(self.token_payload(access, refresh, ACCESS_TOKEN_LIFETIME),
                             headers={"Cache-Control": "no-store", "Pragma": "no-cache"})

    def token_payload(self, access: Token, refresh: Token | None, expires_in: int) -> dict[str, Any]:
        payload: dict[str, Any] = {"token_type": "bearer", "expires_in": expires_in,
                                   "access_token": access.value, "scope": " ".join(access.scopes)}
        if refresh is not None:
            payload["refresh_token"] = refresh.value
        return payload

    async def revoke(self, request: web.Request) -> web.Response:
        form = {k: str(v) for k, v in (await request.post()).items()}
        client_id = self._client(request, form)
        if client_id is None:
            return _oauth_error(401, "unauthorized_client", "Missing valid authorization header")
        token = self.store.tokens.get(form.get("token", ""))
        if token is not None and token.client_id == client_id:
            token.revoked = True
        # RFC 7009 §2.2: unknown tokens are not an error.
        return json_response({"revoked": True})


def _verifier_matches(verifier: str, challenge: str, method: str) -> bool:
    if method == "S256":
        digest = hashlib.sha256(verifier.encode("ascii", "replace")).digest()
        verifier = base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
    return hmac.compare_digest(verifier.encode(), challenge.encode())


def _redirect(uri: str, **params: str) -> web.Response:
    parts = urlsplit(uri)
    query = urlencode([*parse_qsl(parts.query, keep_blank_values=True), *params.items()])
    return web.Response(status=302, headers={"Location": urlunsplit(parts._replace(query=query))})


def _oauth_error(status: int, error: str, description: str) -> web.Response:
    return json_response({"error": error, "error_description": description}, status,
                         headers={"Cache-Control": "no-store", "Pragma": "no-cache"})


def _x_token(kind: str) -> str:
    """Shaped like X's values: base64 of ``<random>:<ms>:1:0:<kind>:1`` without padding."""
    raw = f"{secrets.token_urlsafe(33)}:{int(time.time() * 1000)}:1:0:{kind}:1"
    return base64.b64encode(raw.encode()).decode().rstrip("=")
