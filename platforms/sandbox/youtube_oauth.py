"""Google OAuth 2.0 for the YouTube dialect (reference §5.1).

``GET /o/oauth2/v2/auth`` renders a consent page (Approve/Deny, sign in as a sandbox channel); the form
POSTs back and redirects with ``code`` and ``state`` (or ``error=access_denied``). ``POST /token``
exchanges codes (PKCE checked when a challenge was sent) and refreshes; a refresh answers without a
new refresh token, as Google does. A refresh token is issued only with ``access_type=offline``.
Errors are RFC 6749 JSON, e.g. ``{"error": "invalid_grant", "error_description": "Bad Request"}``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
import time
from html import escape
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from aiohttp import web

from .dialect import Handler, json_response
from .feeds import consent_form, page
from .state import AuthCode

if TYPE_CHECKING:
    from .youtube import YouTubeDialect

SCOPE_PREFIX = "https://www.googleapis.com/auth/"
KNOWN_SCOPES = {SCOPE_PREFIX + name: text for name, text in (
    ("youtube", "Manage your YouTube account"), ("youtube.upload", "Manage your YouTube videos"),
    ("youtube.force-ssl", "See, edit, and permanently delete your YouTube videos, ratings, comments and captions"),
    ("youtube.readonly", "View your YouTube account"))}
DEFAULT_SCOPES = (SCOPE_PREFIX + "youtube.upload", SCOPE_PREFIX + "youtube.force-ssl")
ACCESS_LIFETIME_S = 3599
CODE_LIFETIME_S = 600
AUTHORIZE_PARAMS = ("response_type", "client_id", "redirect_uri", "scope", "state", "access_type", "prompt",
                    "code_challenge", "code_challenge_method", "include_granted_scopes")
USERNAME = re.compile(r"^[A-Za-z0-9_.-]{3,30}$")


class YouTubeOAuth:
    def __init__(self, dialect: YouTubeDialect) -> None:
        self.yt = dialect
        self.store = dialect.store
        self.offline_codes: set[str] = set()

    def routes(self) -> list[tuple[str, str, Handler]]:
        return [("GET", "/o/oauth2/v2/auth", self.authorize), ("POST", "/o/oauth2/v2/auth", self.decide),
                ("POST", "/token", self.token)]

    async def authorize(self, request: web.Request) -> web.Response:
        params = {name: request.query.get(name, "") for name in AUTHORIZE_PARAMS}
        problem = self._invalid(params)
        if problem:
            return page("Google sandbox - error", f"<h1>Error 400: invalid_request</h1><p class='error'>"
                        f"{escape(problem)}</p>", status=400)
        return self._consent(request.path, params, "smo_demo_yt")

    async def decide(self, request: web.Request) -> web.Response:
        form = await request.post()
        params = {name: str(form.get(name, "")) for name in AUTHORIZE_PARAMS}
        problem = self._invalid(params)
        if problem:
            return page("Google sandbox - error", f"<p class='error'>{escape(problem)}</p>", status=400)
        if form.get("decision") != "approve":
            return _redirect(params["redirect_uri"], error="access_denied", state=params["state"])
        username = str(form.get("username", "")).strip().lstrip("@")
        if not USERNAME.match(username):
            return self._consent(request.path, params, username, "A channel name is 3 to 30 letters, digits, "
                                 "dots, dashes or underscores.", status=400)
        account = self.yt.add_channel(username)
        code = AuthCode(value="4/0A" + secrets.token_urlsafe(40), platform=self.yt.name,
                        client_id=params["client_id"], redirect_uri=params["redirect_uri"],
                        scopes=tuple(params["scope"].split()), challenge=params["code_challenge"],
                        challenge_method=params["code_challenge_method"] or "plain", account_id=account.id,
                        expires_at=time.time() + CODE_LIFETIME_S)
        self.store.codes[code.value] = code
        if params["access_type"] == "offline":
            self.offline_codes.add(code.value)
        return _redirect(params["redirect_uri"], state=params["state"], code=code.value, scope=params["scope"])

    def _invalid(self, params: dict[str, str]) -> str | None:
        for name in ("response_type", "client_id", "redirect_uri", "scope"):
            if not params[name]:
                return f"Required parameter is missing: {name}"
        if params["response_type"] != "code":
            return "Invalid response_type: only 'code' is supported here."
        if urlsplit(params["redirect_uri"]).scheme not in ("http", "https"):
            return "Invalid parameter value for redirect_uri: Missing scheme"
        unknown = sorted(set(params["scope"].split()) - set(KNOWN_SCOPES))
        return f"Some requested scopes were invalid: {' '.join(unknown)}" if unknown else None

    def _consent(self, action: str, params: dict[str, str], username: str, error: str = "",
                 status: int = 200) -> web.Response:
        scopes = "".join(f"<li>{escape(KNOWN_SCOPES[s])}</li>" for s in params["scope"].split())
        body = (f"<h1>Sign in with Google</h1><p><strong>{escape(params['client_id'])}</strong> wants to access "
                f"your Google Account:</p><ul>{scopes}</ul>"
                + (f"<p class='error'>{escape(error)}</p>" if error else "")
                + consent_form(action, params, username,
                               label="YouTube channel (an existing or a new sandbox channel)"))
        return page("Google sandbox - sign in", body, status=status)

    # -- token endpoint -------------------------------------------------------------------------

    async def token(self, request: web.Request) -> web.Response:
        form = {k: str(v) for k, v in (await request.post()).items()}
        client_id = self._client(request, form)
        if client_id is None:
            return _oauth_error(401, "invalid_client", "Unauthorized")
        grant = form.get("grant_type", "")
        if grant == "authorization_code":
            return self._exchange(form, client_id)
        if grant == "refresh_token":
            return self._refresh(form, client_id)
        return _oauth_error(400, "unsupported_grant_type", "Invalid grant_type: " + grant)

    def _client(self, request: web.Request, form: dict[str, str]) -> str | None:
        header = request.headers.get("Authorization", "")
        if header[:6].lower() == "basic ":
            raw_id, _, secret = base64.b64decode(header[6:].strip() + "==").decode(errors="replace").partition(":")
        else:
            raw_id, secret = form.get("client_id", ""), form.get("client_secret", "")
        if not raw_id or not secret:
            return None
        expected = self.store.clients.get(self.yt.name, {}).get(raw_id)
        return None if expected is not None and not hmac.compare_digest(expected, secret) else raw_id

    def _exchange(self, form: dict[str, str], client_id: str) -> web.Response:
        code = self.store.codes.get(form.get("code", ""))
        if code is None or code.used or code.client_id != client_id or time.time() > code.expires_at:
            if code is not None and code.used:
                self.store.revoke_grant(code.value)
            return _oauth_error(400, "invalid_grant", "Bad Request")
        if form.get("redirect_uri") != code.redirect_uri:
            return _oauth_error(400, "redirect_uri_mismatch", "Bad Request")
        if code.challenge and not _verifier_ok(form.get("code_verifier", ""), code.challenge, code.challenge_method):
            return _oauth_error(400, "invalid_grant", "Invalid code verifier.")
        code.used = True
        account = self.store.accounts[self.yt.name][code.account_id]
        access, refresh = self.store.issue_tokens(account, code.scopes, client_id=client_id,
                                                  expires_in=ACCESS_LIFETIME_S,
                                                  refresh=code.value in self.offline_codes, grant=code.value)
        payload: dict[str, Any] = {"access_token": access.value, "expires_in": ACCESS_LIFETIME_S,
                                   "scope": " ".join(code.scopes), "token_type": "Bearer"}
        if refresh is not None:
            payload["refresh_token"] = refresh.value
        return json_response(payload, headers={"Cache-Control": "no-store"})

    def _refresh(self, form: dict[str, str], client_id: str) -> web.Response:
        old = self.store.find_token(form.get("refresh_token", ""), "refresh")
        if old is None or old.revoked or old.client_id != client_id or old.platform != self.yt.name:
            return _oauth_error(400, "invalid_grant", "Token has been expired or revoked.")
        account = self.store.accounts[self.yt.name][old.account_id]
        access, _ = self.store.issue_tokens(account, old.scopes, client_id=client_id, expires_in=ACCESS_LIFETIME_S,
                                            refresh=False, grant=old.grant)
        return json_response({"access_token": access.value, "expires_in": ACCESS_LIFETIME_S,
                              "scope": " ".join(old.scopes), "token_type": "Bearer"},
                             headers={"Cache-Control": "no-store"})


def _verifier_ok(verifier: str, challenge: str, method: str) -> bool:
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
                         headers={"Cache-Control": "no-store"})
