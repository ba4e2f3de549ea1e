"""Pinterest OAuth 2.0 (reference §6): the consent page on www.pinterest.com/oauth/ and the token endpoint.

``GET /pinterest/oauth/`` renders Approve/Deny; the form POSTs back and redirects to the client with
``code`` and ``state`` (or ``error=access_denied``). ``POST /pinterest/v5/oauth/token`` requires HTTP Basic
``client_id:client_secret`` (any non-empty secret unless the client was registered through the control
API) and a form body. Codes work once; a replayed code revokes what it was exchanged for.
"""

from __future__ import annotations

import base64
import binascii
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
from .pinterest_common import ACCESS_LIFETIME_S, REFRESH_LIFETIME_S
from .state import AuthCode

if TYPE_CHECKING:
    from .pinterest import PinterestDialect

AUTHORIZE_PARAMS = ("client_id", "redirect_uri", "response_type", "scope", "state")
SCOPE_DESCRIPTIONS = {
    "boards:read": "See your public boards", "boards:write": "Create, update or delete your boards",
    "boards:read_secret": "See your secret boards", "boards:write_secret": "Manage your secret boards",
    "pins:read": "See your public Pins", "pins:write": "Create, update or delete your Pins",
    "pins:read_secret": "See your secret Pins", "pins:write_secret": "Manage your secret Pins",
    "user_accounts:read": "See your user account and followers",
}
USERNAME = re.compile(r"^[A-Za-z0-9_]{3,30}$")
CODE_LIFETIME_S = 600
UNSAFE_SCHEMES = {"javascript", "data", "vbscript", "file"}


class PinterestOAuth:
    def __init__(self, dialect: PinterestDialect) -> None:
        self.p = dialect
        self.store = dialect.store

    def routes(self) -> list[tuple[str, str, Handler]]:
        return [("GET", "/pinterest/oauth/", self.authorize), ("POST", "/pinterest/oauth/", self.decide),
                ("POST", "/pinterest/v5/oauth/token", self.token)]

    # -- consent page -------------------------------------------------------------------------

    async def authorize(self, request: web.Request) -> web.Response:
        params = {name: request.query.get(name, "") for name in AUTHORIZE_PARAMS}
        problem = _invalid(params)
        return _error_page(problem) if problem else self._consent(params, "smo_demo")

    async def decide(self, request: web.Request) -> web.Response:
        form = await request.post()
        params = {name: str(form.get(name, "")) for name in AUTHORIZE_PARAMS}
        problem = _invalid(params)
        if problem:
            return _error_page(problem)
        if form.get("decision") != "approve":
            return _redirect(params["redirect_uri"], error="access_denied", state=params["state"])
        username = str(form.get("username", "")).strip().lstrip("@")
        if not USERNAME.match(username):
            return self._consent(params, username, error="A username is 3 to 30 letters, digits or underscores.")
        account = self.p.account(username)
        code = AuthCode(value=secrets.token_hex(20), platform=self.p.name, client_id=params["client_id"],
                        redirect_uri=params["redirect_uri"], scopes=tuple(params["scope"].split(",")),
                        challenge="", challenge_method="", account_id=account.id,
                        expires_at=time.time() + CODE_LIFETIME_S)
        self.store.codes[code.value] = code
        return _redirect(params["redirect_uri"], code=code.value, state=params["state"])

    def _consent(self, params: dict[str, str], username: str, error: str = "") -> web.Response:
        scopes = "".join(f"<li><code>{escape(s)}</code> - {escape(SCOPE_DESCRIPTIONS[s])}</li>"
                         for s in params["scope"].split(","))
        body = (f"<h1>Give access to your Pinterest account?</h1><p>The app <strong>{escape(params['client_id'])}"
                f"</strong> wants to:</p><ul>{scopes}</ul><p class='meta'>You will be sent back to "
                f"<code>{escape(params['redirect_uri'])}</code></p>"
                + (f"<p class='error'>{escape(error)}</p>" if error else "")
                + consent_form("/pinterest/oauth/", params, username,
                               label="Sign in as (an existing or a new sandbox account)"))
        return page("Pinterest sandbox - give access", body, status=400 if error else 200)

    # -- token endpoint -----------------------------------------------------------------------

    async def token(self, request: web.Request) -> web.Response:
        form = {k: str(v) for k, v in (await request.post()).items()}
        client_id = self._client(request.headers.get("Authorization", ""))
        if client_id is None:
            return _token_error(401, 2, "Authentication failed: invalid client credentials.")
        grant_type = form.get("grant_type", "")
        if grant_type == "authorization_code":
            return self._exchange(form, client_id)
        if grant_type == "refresh_token":
            return self._refresh(form, client_id)
        return _token_error(400, 1, f"Invalid grant_type: {grant_type or 'missing'}.")

    def _client(self, header: str) -> str | None:
        if header[:6].lower() != "basic ":
            return None
        try:
            client_id, sep, secret = base64.b64decode(header[6:].strip(), validate=True).decode().partition(":")
        except (binascii.Error, UnicodeDecodeError):
            return None
        expected = self.store.clients.get(self.p.name, {}).get(client_id)
        if not sep or not client_id or not secret or (expected is not None and not hmac.compare_digest(expected,
                                                                                                       secret)):
            return None
        return client_id

    def _exchange(self, form: dict[str, str], client_id: str) -> web.Response:
        code = self.store.codes.get(form.get("code", ""))
        if code is None or code.platform != self.p.name or code.client_id != client_id or time.time() > code.expires_at:
            return _token_error(400, 1, "Invalid authorization code.")
        if code.used:
            self.store.revoke_grant(code.value)
            return _token_error(400, 1, "Invalid authorization code.")
        if form.get("redirect_uri") != code.redirect_uri:
            return _token_error(400, 1, "redirect_uri does not match the one used to authorize.")
        code.used = True
        account = self.store.accounts[self.p.name][code.account_id]
        access, refresh = self.store.issue_tokens(account, code.scopes, client_id=client_id,
                                                  expires_in=ACCESS_LIFETIME_S, refresh=True, grant=code.value)
        assert refresh is not None
        return json_response(self.token_payload(access.value, refresh.value, code.scopes, ACCESS_LIFETIME_S,
                                                "authorization_code"), headers={"Cache-Control": "no-store"})

    def _refresh(self, form: dict[str, str], client_id: str) -> web.Response:
        old = self.store.find_token(form.get("refresh_token", ""), "refresh")
        if old is None or old.revoked or old.platform != self.p.name or old.client_id != client_id:
            return _token_error(400, 1, "Invalid refresh token.")
        account = self.store.accounts[self.p.name][old.account_id]
        rotate = bool(self.p.faults.switch("pinterest_rotate_refresh"))
        access, refresh = self.store.issue_tokens(account, old.scopes, client_id=client_id,
                                                  expires_in=ACCESS_LIFETIME_S, refresh=rotate, grant=old.grant)
        if rotate:
            old.revoked = True
        payload = self.token_payload(access.value, refresh.value if refresh else "", old.scopes,
                                     ACCESS_LIFETIME_S, "refresh_token")
        return json_response(payload, headers={"Cache-Control": "no-store"})

    @staticmethod
    def token_payload(access: str, refresh: str, scopes: tuple[str, ...], expires_in: int,
                      response_type: str) -> dict[str, Any]:
        payload: dict[str, Any] = {"access_token": access, "response_type": response_type, "token_type": "bearer",
                                   "expires_in": expires_in, "scope": ",".join(scopes)}
        if refresh:
            payload.update(refresh_token=refresh, refresh_token_expires_in=REFRESH_LIFETIME_S)
        return payload


def _invalid(params: dict[str, str]) -> str:
    for name in AUTHORIZE_PARAMS:
        if not params[name]:
            return f"Missing required parameter: {name}."
    if params["response_type"] != "code":
        return "response_type must be 'code'."
    target = urlsplit(params["redirect_uri"])
    if not target.scheme or target.scheme.lower() in UNSAFE_SCHEMES or not target.netloc:
        return "redirect_uri must be an absolute URL."
    unknown = sorted(set(params["scope"].split(",")) - set(SCOPE_DESCRIPTIONS))
    return f"Unknown scope: {', '.join(unknown)}." if unknown else ""


def _error_page(message: str) -> web.Response:
    return page("Pinterest sandbox - error", f"<h1>Something went wrong</h1><p class='error'>{escape(message)}</p>",
                status=400)


def _redirect(uri: str, **params: str) -> web.Response:
    parts = urlsplit(uri)
    query = urlencode([*parse_qsl(parts.query, keep_blank_values=True), *params.items()])
    return web.Response(status=302, headers={"Location": urlunsplit(parts._replace(query=query))})


def _token_error(status: int, code: int, message: str) -> web.Response:
    return json_response({"code": code, "message": message}, status, headers={"Cache-Control": "no-store"})
