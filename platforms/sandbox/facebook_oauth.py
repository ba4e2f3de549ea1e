"""Facebook Login (reference §2.1): the www.facebook.com dialog and the token endpoint.

``GET /dialog/oauth`` (versioned or not) renders a consent page; its form POSTs back and redirects
with ``code`` and ``state`` (or ``error=access_denied&error_reason=user_denied``).
``/vNN.N/oauth/access_token`` exchanges a code for a short-lived user token and, with
``grant_type=fb_exchange_token``, a user token for a long-lived one (~60 days). Page tokens come
from ``/me/accounts`` (facebook_api). Errors are Graph envelopes; the codes/subcodes are Meta's
(100/36007-36009 for bad codes, 101 missing secret, 1 bad secret).
"""

from __future__ import annotations

import hmac
import re
import secrets
import time
from html import escape
from typing import TYPE_CHECKING
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from aiohttp import web

from .dialect import Handler, json_response
from .facebook_common import VERSION, GraphReply, fail, invalid_param, params
from .feeds import consent_form, page
from .state import Account, AuthCode

if TYPE_CHECKING:
    from .facebook import FacebookDialect

SHORT_LIVED_S = 5400  # one to two hours in practice
LONG_LIVED_S = 5183944  # the reference's ~60 days
CODE_LIFETIME_S = 600
DIALOG_PARAMS = ("client_id", "redirect_uri", "state", "scope", "response_type")
USERNAME = re.compile(r"^[A-Za-z0-9_.]{1,30}$")
UNSAFE_SCHEMES = {"javascript", "data", "vbscript", "file"}


class FacebookOAuth:
    def __init__(self, dialect: FacebookDialect) -> None:
        self.fb = dialect
        self.store = dialect.store

    def routes(self) -> list[tuple[str, str, Handler]]:
        return [
            ("GET", "/dialog/oauth", self.dialog), ("POST", "/dialog/oauth", self.decide),
            ("GET", VERSION + "/dialog/oauth", self.dialog), ("POST", VERSION + "/dialog/oauth", self.decide),
            ("GET", VERSION + "/oauth/access_token", self.token),
            ("POST", VERSION + "/oauth/access_token", self.token),
        ]

    # -- dialog -----------------------------------------------------------------------------

    async def dialog(self, request: web.Request) -> web.Response:
        values = {name: request.query.get(name, "") for name in DIALOG_PARAMS}
        problem = _invalid_dialog(values)
        if problem:
            return page("Facebook sandbox - error", f"<h1>Error</h1><p class='error'>{escape(problem)}</p>",
                        status=400)
        return self._consent(request.path, values, "sandbox_admin")

    async def decide(self, request: web.Request) -> web.Response:
        form = params(request)
        values = {name: form.get(name, "") for name in DIALOG_PARAMS}
        problem = _invalid_dialog(values)
        if problem:
            return page("Facebook sandbox - error", f"<p class='error'>{escape(problem)}</p>", status=400)
        if form.get("decision") != "approve":
            return _redirect(values["redirect_uri"], error="access_denied", error_code="200",
                             error_description="Permissions error", error_reason="user_denied",
                             state=values["state"])
        username = form.get("username", "").strip().lstrip("@")
        if not USERNAME.match(username):
            return self._consent(request.path, values, username, "A username is 1 to 30 letters, digits, _ or .",
                                 status=400)
        user = self._user(username)
        if user is None:
            return self._consent(request.path, values, username, "That name is a Page, not a user.", status=400)
        code = AuthCode(value=secrets.token_urlsafe(48), platform=self.fb.name, client_id=values["client_id"],
                        redirect_uri=values["redirect_uri"], scopes=_scopes(values["scope"]), challenge="",
                        challenge_method="", account_id=user.id, expires_at=time.time() + CODE_LIFETIME_S)
        self.store.codes[code.value] = code
        return _redirect(values["redirect_uri"], code=code.value, state=values["state"])

    def _user(self, username: str) -> Account | None:
        """The signing-in user; a new one gets a Page of their own so there is something to pick."""
        user = self.store.get_or_create_account(self.fb.name, username)
        if self.fb.is_page(user):
            return None
        if not self.fb.pages_of(user.id):
            self.fb.add_page(f"{username}_page", user.id, name=f"{user.name} Page")
        return user

    def _consent(self, action: str, values: dict[str, str], username: str, error: str = "",
                 status: int = 200) -> web.Response:
        scopes = "".join(f"<li><code>{escape(s)}</code></li>" for s in _scopes(values["scope"]))
        body = (
            f"<h1>Continue to {escape(values['client_id'])}?</h1>"
            f"<p>The app wants these permissions:</p><ul>{scopes}</ul>"
            f"<p class='meta'>You will be sent back to <code>{escape(values['redirect_uri'])}</code>. "
            "Every Page you manage is shared with the app.</p>"
            + (f"<p class='error'>{escape(error)}</p>" if error else "")
            + consent_form(action, values, username,
                           label="Log in as (an existing or a new sandbox user)", deny="Cancel")
        )
        return page("Facebook sandbox - log in", body, status=status)

    # -- token endpoint ---------------------------------------------------------------------

    async def token(self, request: web.Request) -> web.Response:
        try:
            p = params(request)
            client_id = self._client(p)
            if p.get("grant_type") == "fb_exchange_token":
                return self._extend(p, client_id)
            return self._exchange(p, client_id)
        except GraphReply as reply:
            return reply.response

    def _client(self, p: dict[str, str]) -> str:
        client_id = p.get("client_id", "")
        if not client_id:
            raise fail(101, "Missing client_id parameter.")
        if not p.get("client_secret"):
            raise fail(101, "Missing client_secret parameter.")
        expected = self.store.clients.get(self.fb.name, {}).get(client_id)
        if expected is not None and not hmac.compare_digest(expected, p["client_secret"]):
            raise fail(1, "Error validating client secret.", status=400)
        return client_id

    def _exchange(self, p: dict[str, str], client_id: str) -> web.Response:
        code = self.store.codes.get(p.get("code", ""))
        if code is None or code.platform != self.fb.name or code.client_id != client_id:
            raise invalid_param("Invalid verification code format.")
        if code.used:
            self.store.revoke_grant(code.value)
            raise fail(100, "This authorization code has been used.", subcode=36009)
        if time.time() > code.expires_at:
            raise fail(100, "This authorization code has expired.", subcode=36007)
        if p.get("redirect_uri", "") != code.redirect_uri:
            raise fail(100, "Error validating verification code. Please make sure your redirect_uri is "
                            "identical to the one you used in the OAuth dialog request", subcode=36008)
        code.used = True
        user = self.store.accounts[self.fb.name][code.account_id]
        token = self.fb.issue_user_token(user, code.scopes, client_id, SHORT_LIVED_S, code.value)
        return json_response({"access_token": token.value, "token_type": "bearer", "expires_in": SHORT_LIVED_S})

    def _extend(self, p: dict[str, str], client_id: str) -> web.Response:
        old = self.store.find_token(p.get("fb_exchange_token", ""), "access")
        if old is None or not old.is_active(time.time()):
            raise fail(190, "Error validating access token: Session has expired.", subcode=463)
        user = self.store.accounts[self.fb.name][old.account_id]
        token = self.fb.issue_user_token(user, old.scopes, client_id, LONG_LIVED_S, old.grant)
        return json_response({"access_token": token.value, "token_type": "bearer", "expires_in": LONG_LIVED_S})


def _scopes(raw: str) -> tuple[str, ...]:
    return tuple(s for s in re.split(r"[,\s]+", raw) if s) or ("public_profile",)


def _invalid_dialog(values: dict[str, str]) -> str:
    if not values["client_id"]:
        return "Invalid App ID: client_id is missing."
    target = values["redirect_uri"]
    scheme = target.split(":", 1)[0].lower()
    if "://" not in target or scheme in UNSAFE_SCHEMES:
        return "URL blocked: redirect_uri must be an absolute URL."
    if values["response_type"] not in ("", "code"):
        return "The sandbox supports response_type=code only."
    return ""


def _redirect(uri: str, **query: str) -> web.Response:
    parts = urlsplit(uri)
    merged = urlencode([*parse_qsl(parts.query, keep_blank_values=True), *query.items()])
    return web.Response(status=302, headers={"Location": urlunsplit(parts._replace(query=merged))})
