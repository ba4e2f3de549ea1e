"""Instagram Login (reference §3.1): the www.instagram.com dialog and the token endpoints.

- ``GET|POST /facebook/instagram/oauth/authorize`` (www.instagram.com): a consent page; approving
  redirects with ``code`` and ``state`` (denying: ``error=access_denied``). The name typed in is an
  Instagram professional account (created when new, with an IG-shaped id).
- ``POST /instagram/oauth/access_token`` (api.instagram.com): code -> one-hour token, answered
  ``{"access_token","user_id","permissions"}``; errors are flat ``{"error_type","code","error_message"}``.
- ``GET /instagram/access_token?grant_type=ig_exchange_token`` -> a 60-day token;
  ``GET /instagram/refresh_access_token?grant_type=ig_refresh_token`` -> a new 60-day token for an active
  one at least ``instagram_refresh_min_age_s`` old. These two answer Graph error envelopes.
"""

from __future__ import annotations

import hmac
import secrets
import time
from html import escape
from typing import TYPE_CHECKING, Any

from aiohttp import web

from .dialect import Handler, json_response
from .facebook_common import fail, params
from .facebook_oauth import CODE_LIFETIME_S, LONG_LIVED_S, USERNAME, _invalid_dialog, _redirect, _scopes
from .feeds import consent_form, page
from .state import Account, AuthCode

if TYPE_CHECKING:
    from .instagram import InstagramDialect

SHORT_LIVED_S = 3600
DIALOG_PARAMS = ("client_id", "redirect_uri", "state", "scope", "response_type")


def _flat_error(message: str, status: int = 400) -> web.Response:
    return json_response({"error_type": "OAuthException", "code": status, "error_message": message}, status)


class InstagramOAuth:
    def __init__(self, dialect: InstagramDialect) -> None:
        self.ig = dialect
        self.store = dialect.store

    def routes(self) -> list[tuple[str, str, Handler]]:
        return [
            ("GET", "/facebook/instagram/oauth/authorize", self.dialog),
            ("POST", "/facebook/instagram/oauth/authorize", self.decide),
            ("POST", "/instagram/oauth/access_token", self.token),
            ("GET", "/instagram/access_token", self.exchange),
            ("GET", "/instagram/refresh_access_token", self.refresh),
        ]

    async def dialog(self, request: web.Request) -> web.Response:
        values = {name: request.query.get(name, "") for name in DIALOG_PARAMS}
        problem = _invalid_dialog(values)
        if problem:
            return page("Instagram sandbox - error", f"<p class='error'>{escape(problem)}</p>", status=400)
        return self._consent(request.path, values, "smo_demo_ig")

    async def decide(self, request: web.Request) -> web.Response:
        form = {k: v for k, v in (await request.post()).items() if isinstance(v, str)}
        values = {name: form.get(name, "") for name in DIALOG_PARAMS}
        problem = _invalid_dialog(values)
        if problem:
            return page("Instagram sandbox - error", f"<p class='error'>{escape(problem)}</p>", status=400)
        if form.get("decision") != "approve":
            return _redirect(values["redirect_uri"], error="access_denied", error_reason="user_denied",
                             error_description="The user denied your request.", state=values["state"])
        username = form.get("username", "").strip().lstrip("@")
        if not USERNAME.match(username):
            return self._consent(request.path, values, username, "A username is 1 to 30 letters, digits, _ or .")
        account = self._account(username)
        code = AuthCode(value=secrets.token_urlsafe(48), platform=self.ig.name, client_id=values["client_id"],
                        redirect_uri=values["redirect_uri"], scopes=_scopes(values["scope"]), challenge="",
                        challenge_method="", account_id=account.id, expires_at=time.time() + CODE_LIFETIME_S)
        self.store.codes[code.value] = code
        # Instagram appends "#_" to the redirect; clients strip it. The sandbox keeps the URL clean.
        return _redirect(values["redirect_uri"], code=code.value, state=values["state"])

    def _account(self, username: str) -> Account:
        account = self.store.get_or_create_account(self.ig.name, username)
        return account if account.id.startswith("17841") else self.ig.reshape(account)

    def _consent(self, action: str, values: dict[str, str], username: str, error: str = "") -> web.Response:
        scopes = "".join(f"<li><code>{escape(s)}</code></li>" for s in _scopes(values["scope"]))
        body = (f"<h1>Allow {escape(values['client_id'])} to use your Instagram professional account?</h1>"
                f"<ul>{scopes}</ul>" + (f"<p class='error'>{escape(error)}</p>" if error else "")
                + consent_form(action, values, username,
                               label="Log in as (an existing or a new sandbox Instagram account)",
                               approve="Allow", deny="Cancel"))
        return page("Instagram sandbox - log in", body, status=400 if error else 200)

    # -- tokens -----------------------------------------------------------------------------

    async def token(self, request: web.Request) -> web.Response:
        p = params(request)
        client_id = p.get("client_id", "")
        if not client_id or not p.get("client_secret"):
            return _flat_error("Missing client_id or client_secret")
        expected = self.store.clients.get(self.ig.name, {}).get(client_id)
        if expected is not None and not hmac.compare_digest(expected, p["client_secret"]):
            return _flat_error("Invalid client_secret")
        if p.get("grant_type") != "authorization_code":
            return _flat_error("Unsupported grant_type")
        code = self.store.codes.get(p.get("code", ""))
        if code is None or code.platform != self.ig.name or code.client_id != client_id:
            return _flat_error("Invalid authorization code")
        if code.used or time.time() > code.expires_at:
            self.store.revoke_grant(code.value)
            return _flat_error("This authorization code has been used or has expired")
        if p.get("redirect_uri", "") != code.redirect_uri:
            return _flat_error("Error validating verification code. Please make sure your redirect_uri is identical")
        code.used = True
        token = self._issue(self.store.accounts[self.ig.name][code.account_id], code.scopes, client_id,
                            SHORT_LIVED_S, code.value)
        return json_response({"access_token": token, "user_id": int(code.account_id),
                              "permissions": ",".join(code.scopes)})

    async def exchange(self, request: web.Request) -> web.Response:
        p = params(request)
        if p.get("grant_type") != "ig_exchange_token" or not p.get("client_secret"):
            return fail(100, "(#100) grant_type=ig_exchange_token and client_secret are required").response
        return self._renew(p, min_age=0.0)

    async def refresh(self, request: web.Request) -> web.Response:
        p = params(request)
        if p.get("grant_type") != "ig_refresh_token":
            return fail(100, "(#100) grant_type=ig_refresh_token is required").response
        try:
            min_age = float(self.ig.faults.switch("instagram_refresh_min_age_s"))
        except (TypeError, ValueError):
            min_age = 86400.0
        return self._renew(p, min_age=min_age)

    def _renew(self, p: dict[str, str], *, min_age: float) -> web.Response:
        old = self.store.find_token(p.get("access_token", ""), "access")
        if old is None or old.platform != self.ig.name or not old.is_active(time.time()):
            return fail(190, "Error validating access token: Session has expired.", subcode=463).response
        if time.time() - self.ig.issued.get(old.value, 0.0) < min_age:
            return fail(100, "(#100) The access token must be at least 24 hours old to be refreshed").response
        account = self.store.accounts[self.ig.name][old.account_id]
        token = self._issue(account, old.scopes, old.client_id, LONG_LIVED_S, old.grant)
        return json_response({"access_token": token, "token_type": "bearer", "expires_in": LONG_LIVED_S})

    def _issue(self, account: Account, scopes: tuple[str, ...], client_id: str, lifetime: int, grant: Any) -> str:
        token, _ = self.store.issue_tokens(account, scopes, client_id=client_id, expires_in=lifetime,
                                           refresh=False, grant=str(grant))
        self.ig.issued[token.value] = time.time()
        return token.value
