"""Snap's OAuth 2.0 on accounts.snapchat.com (reference §11), served under ``/snapchat-accounts``.

``GET /accounts/oauth2/auth`` renders a consent page whose form POSTs back to the same path and
redirects to the client with ``code`` and ``state`` (or ``error=access_denied``).
``POST /login/oauth2/access_token`` exchanges a code or a refresh token; the client authenticates with
``client_id`` and ``client_secret`` in the form. Errors are RFC 6749 ``{"error", "error_description"}``.
Where Snap's pages are silent (sandbox choices): a code lives ten minutes and works once; a refresh
token is not rotated and keeps working until the grant is revoked.
"""

from __future__ import annotations

import hmac
import re
import secrets
import time
import uuid
from html import escape
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from aiohttp import web

from .dialect import Handler, json_response
from .feeds import consent_form, page
from .state import Account, AuthCode

if TYPE_CHECKING:
    from .snapchat import SnapchatDialect

AUTHORIZE_PARAMS = ("client_id", "redirect_uri", "response_type", "scope", "state")
SCOPES = {"snapchat-profile-api": "Post Stories and Spotlights to your Public Profile and read its insights",
          "snapchat-marketing-api": "Manage your Snap business assets"}
ACCESS_LIFETIME = 1800  # unverified: Snap documents only "short-lived"; the adapter trusts expires_in
CODE_LIFETIME_S = 600
USERNAME = re.compile(r"^[A-Za-z][A-Za-z0-9._-]{2,14}$")  # Snapchat usernames: 3-15 characters, letter first
UNSAFE_SCHEMES = {"javascript", "data", "vbscript", "file"}


class SnapOAuth:
    def __init__(self, dialect: SnapchatDialect) -> None:
        self.snap = dialect
        self.store = dialect.store

    def routes(self) -> list[tuple[str, str, Handler]]:
        return [("GET", "/accounts/oauth2/auth", self.authorize), ("POST", "/accounts/oauth2/auth", self.decide),
                ("POST", "/login/oauth2/access_token", self.token)]

    # -- consent page -----------------------------------------------------------------------

    async def authorize(self, request: web.Request) -> web.Response:
        params = {name: request.query.get(name, "") for name in AUTHORIZE_PARAMS}
        problem = self._invalid(params)
        return self._error_page(problem) if problem else self._consent(request.path, params, "smo_demo_snap")

    async def decide(self, request: web.Request) -> web.Response:
        form = await request.post()
        params = {name: str(form.get(name, "")) for name in AUTHORIZE_PARAMS}
        problem = self._invalid(params)
        if problem:
            return self._error_page(problem)
        if form.get("decision") != "approve":
            return _redirect(params["redirect_uri"], error="access_denied", state=params["state"])
        username = str(form.get("username", "")).strip().lstrip("@")
        if not USERNAME.match(username):
            return self._consent(request.path, params, username, status=400,
                                 error="A Snapchat username is 3 to 15 letters, digits, dots, dashes or underscores, "
                                       "starting with a letter.")
        account = self.profile(username)
        code = AuthCode(value=secrets.token_urlsafe(24), platform=self.snap.name, client_id=params["client_id"],
                        redirect_uri=params["redirect_uri"], scopes=tuple(params["scope"].split()), challenge="",
                        challenge_method="", account_id=account.id, expires_at=time.time() + CODE_LIFETIME_S)
        self.store.codes[code.value] = code
        return _redirect(params["redirect_uri"], code=code.value, state=params["state"])

    def profile(self, username: str) -> Account:
        """An existing Public Profile, or a new one with a UUID id like Snap's."""
        return self.store.find_account(self.snap.name, username) or \
            self.store.add_account(self.snap.name, username, account_id=str(uuid.uuid4()))

    def _invalid(self, params: dict[str, str]) -> str | None:
        for name in ("client_id", "redirect_uri", "response_type", "scope"):
            if not params[name]:
                return f"Missing required parameter: {name}."
        if params["response_type"] != "code":
            return "response_type must be 'code'."
        target = urlsplit(params["redirect_uri"])
        if not target.scheme or target.scheme.lower() in UNSAFE_SCHEMES or not target.netloc:
            return "redirect_uri must be an absolute URL."
        unknown = sorted(set(params["scope"].split()) - set(SCOPES))
        return f"Unknown scope: {' '.join(unknown)}." if unknown else None

    def _error_page(self, message: str) -> web.Response:
        body = f"<h1>Something went wrong</h1><p class='error'>{escape(message)}</p>"
        return page("Snapchat sandbox - authorization error", body, status=400)

    def _consent(self, action: str, params: dict[str, str], username: str, *, error: str = "",
                 status: int = 200) -> web.Response:
        scopes = "".join(f"<li><code>{escape(s)}</code> - {escape(SCOPES[s])}</li>" for s in params["scope"].split())
        body = (
            "<h1>Authorize app</h1>"
            f"<p>The app <strong>{escape(params['client_id'])}</strong> wants to access your Snapchat Public "
            f"Profile.</p><p>It will be able to:</p><ul>{scopes}</ul>"
            f"<p class='meta'>You will be sent back to <code>{escape(params['redirect_uri'])}</code></p>"
            + (f"<p class='error'>{escape(error)}</p>" if error else "")
            + consent_form(action, params, username, label="Sign in as (an existing or a new sandbox profile)",
                           suggestions=tuple(a.username for a in self.store.accounts[self.snap.name].values()))
        )
        return page("Snapchat sandbox - authorize app", body, status=status)

    # -- token endpoint ---------------------------------------------------------------------

    async def token(self, request: web.Request) -> web.Response:
        form = {k: str(v) for k, v in (await request.post()).items()}
        client_id = self._client(form)
        if client_id is None:
            return _oauth_error(401, "invalid_client", "Client authentication failed.")
        grant_type = form.get("grant_type", "")
        if grant_type == "authorization_code":
            return self._exchange(form, client_id)
        if grant_type == "refresh_token":
            return self._refresh(form, client_id)
        return _oauth_error(400, "unsupported_grant_type", f"Grant type {grant_type or '(none)'} is not supported.")

    def _client(self, form: dict[str, str]) -> str | None:
        client_id, secret = form.get("client_id", ""), form.get("client_secret", "")
        if not client_id or not secret:
            return None
        expected = self.store.clients.get(self.snap.name, {}).get(client_id)
        return None if expected is not None and not hmac.compare_digest(expected, secret) else client_id

    def _exchange(self, form: dict[str, str], client_id: str) -> web.Response:
        code = self.store.codes.get(form.get("code", ""))
        if code is None or code.platform != self.snap.name or code.client_id != client_id \
                or time.time() > code.expires_at:
            return _oauth_error(400, "invalid_grant", "Invalid authorization code.")
        if code.used:
            self.store.revoke_grant(code.value)  # a replayed code revokes what it was exchanged for
            return _oauth_error(400, "invalid_grant", "Authorization code already used.")
        if form.get("redirect_uri") != code.redirect_uri:
            return _oauth_error(400, "invalid_grant", "redirect_uri does not match the authorization request.")
        code.used = True
        return json_response(self.issue(self.store.accounts[self.snap.name][code.account_id], code.scopes,
                                        client_id, grant=code.value, expires_in=ACCESS_LIFETIME))

    def _refresh(self, form: dict[str, str], client_id: str) -> web.Response:
        old = self.store.find_token(form.get("refresh_token", ""), "refresh")
        if old is None or old.revoked or old.platform != self.snap.name or old.client_id != client_id:
            return _oauth_error(400, "invalid_grant", "Invalid refresh token.")
        account = self.store.accounts[self.snap.name][old.account_id]
        access, _ = self.store.issue_tokens(account, old.scopes, client_id=client_id, expires_in=ACCESS_LIFETIME,
                                            refresh=False, grant=old.grant)
        return json_response({"access_token": access.value, "token_type": "Bearer", "expires_in": ACCESS_LIFETIME,
                              "refresh_token": old.value, "scope": " ".join(old.scopes)})

    def issue(self, account: Account, scopes: tuple[str, ...], client_id: str, *, grant: str,
              expires_in: int) -> dict[str, Any]:
        access, refresh = self.store.issue_tokens(account, scopes, client_id=client_id, expires_in=expires_in,
                                                  refresh=True, grant=grant)
        assert refresh is not None
        return {"access_token": access.value, "token_type": "Bearer", "expires_in": expires_in,
                "refresh_token": refresh.value, "scope": " ".join(scopes)}


def _redirect(uri: str, **params: str) -> web.Response:
    parts = urlsplit(uri)
    query = urlencode([*parse_qsl(parts.query, keep_blank_values=True), *params.items()])
    return web.Response(status=302, headers={"Location": urlunsplit(parts._replace(query=query))})


def _oauth_error(status: int, error: str, description: str) -> web.Response:
    return json_response({"error": error, "error_description": description}, status,
                         headers={"Cache-Control": "no-store"})
