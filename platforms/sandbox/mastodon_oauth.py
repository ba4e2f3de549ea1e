"""Mastodon's app registration and OAuth (reference §9), as Mastodon's Doorkeeper answers them.

``POST /api/v1/apps`` registers a client (``client_id``/``client_secret``); ``GET /oauth/authorize``
renders a consent page whose form POSTs back and redirects with ``code`` and ``state`` (or
``error=access_denied``); ``POST /oauth/token`` exchanges a code (``authorization_code``) or grants an
app-only token (``client_credentials``). Tokens never expire; there are no refresh tokens. Apps live
until the sandbox is reset: a reset is an instance that forgot every app.
"""

from __future__ import annotations

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
    from .mastodon import MastodonDialect

KNOWN_SCOPES = {"read", "write", "follow", "push", "profile", "read:accounts", "read:notifications",
                "read:statuses", "write:statuses", "write:media", "write:conversations"}
USERNAME = re.compile(r"^[A-Za-z0-9_]{1,30}$")
CODE_LIFETIME_S = 600
NEVER_S = 100 * 365 * 24 * 3600
INVALID_CLIENT = ("Client authentication failed due to unknown client, no client authentication included, "
                  "or unsupported authentication method.")
INVALID_GRANT = ("The provided authorization grant is invalid, expired, revoked, does not match the redirection "
                 "URI used in the authorization request, or was issued to another client.")
AUTHORIZE_PARAMS = ("response_type", "client_id", "redirect_uri", "scope", "state")


class MastodonOAuth:
    def __init__(self, dialect: MastodonDialect) -> None:
        self.dialect = dialect
        self.store = dialect.store
        self.apps: dict[str, dict[str, Any]] = {}

    def routes(self) -> list[tuple[str, str, Handler]]:
        return [("POST", "/api/v1/apps", self.register_app), ("GET", "/oauth/authorize", self.authorize),
                ("POST", "/oauth/authorize", self.decide), ("POST", "/oauth/token", self.token)]

    async def register_app(self, request: web.Request) -> web.Response:
        form = await _form(request)
        name, uris = form.get("client_name", ""), form.get("redirect_uris", "")
        if not name or not uris:
            missing = "Name can't be blank" if not name else "Redirect URI can't be blank"
            return json_response({"error": f"Validation failed: {missing}"}, 422)
        scopes = form.get("scopes", "read") or "read"
        if set(scopes.split()) - KNOWN_SCOPES:
            return json_response({"error": "Validation failed: Scopes are invalid"}, 422)
        app = {"id": self.store.ids.next(), "name": name, "website": form.get("website") or None,
               "redirect_uri": uris, "redirect_uris": uris.split(), "scopes": scopes.split(),
               "client_id": secrets.token_urlsafe(32), "client_secret": secrets.token_urlsafe(32),
               "vapid_key": "BCk-QqERU0q-CfYZjcuB6lnyyOYfJ2AifKqfeGIm7Z-HiTU5T9eTG5GxVA0_OH5mMlI4UkkDTpaZwozy0TzdZ2M="}
        self.apps[app["client_id"]] = app
        return json_response({k: v for k, v in app.items() if k != "redirect_uris"})

    # -- consent page -------------------------------------------------------------------------

    async def authorize(self, request: web.Request) -> web.Response:
        params = {name: request.query.get(name, "") for name in AUTHORIZE_PARAMS}
        problem = self._invalid(params)
        if problem:
            return self._error_page(problem)
        return self._consent_page(request.path, params, username="smo_demo")

    async def decide(self, request: web.Request) -> web.Response:
        form = await request.post()
        params = {name: str(form.get(name, "")) for name in AUTHORIZE_PARAMS}
        problem = self._invalid(params)
        if problem:
            return self._error_page(problem)
        if form.get("decision") != "approve":
            return _redirect(params["redirect_uri"], error="access_denied", state=params["state"],
                             error_description="The resource owner or authorization server denied the request.")
        username = str(form.get("username", "")).strip().lstrip("@")
        if not USERNAME.match(username):
            return self._consent_page(request.path, params, username=username, status=400,
                                      error="A username is 1 to 30 letters, digits or underscores.")
        account = self.store.get_or_create_account(self.dialect.name, username)
        code = AuthCode(value=secrets.token_urlsafe(32), platform=self.dialect.name, client_id=params["client_id"],
                        redirect_uri=params["redirect_uri"], scopes=tuple((params["scope"] or "read").split()),
                        challenge="", challenge_method="", account_id=account.id,
                        expires_at=time.time() + CODE_LIFETIME_S)
        self.store.codes[code.value] = code
        return _redirect(params["redirect_uri"], code=code.value, state=params["state"])

    def _invalid(self, params: dict[str, str]) -> str | None:
        app = self.apps.get(params["client_id"])
        if app is None:
            return INVALID_CLIENT
        if params["redirect_uri"] not in app["redirect_uris"]:
            return "The redirect uri included is not valid."
        if params["response_type"] != "code":
            return "The authorization server does not support this response type."
        if set((params["scope"] or "read").split()) - set(app["scopes"]):
            return "The requested scope is invalid, unknown, or malformed."
        return None

    def _error_page(self, message: str) -> web.Response:
        body = f"<h1>An error has occurred</h1><p class='error'>{escape(message)}</p>"
        return page("Mastodon sandbox - authorization error", body, status=400)

    def _consent_page(self, action: str, params: dict[str, str], *, username: str, error: str | None = None,
                      status: int = 200) -> web.Response:
        app = self.apps[params["client_id"]]
        body = (
            "<h1>Authorization required</h1>"
            f"<p><strong>{escape(app['name'])}</strong> would like permission to access your account "
            f"(<code>{escape(params['scope'] or 'read')}</code>).</p>"
            f"<p class='meta'>You will be sent back to <code>{escape(params['redirect_uri'])}</code></p>"
            + (f"<p class='error'>{escape(error)}</p>" if error else "")
            + consent_form(action, params, username,
                           label="Sign in as (an existing or a new sandbox account)")
        )
        return page("Mastodon sandbox - authorize app", body, status=status)

    # -- token endpoint -------------------------------------------------------------------------

    async def token(self, request: web.Request) -> web.Response:
        form = await _form(request)
        app = self.apps.get(form.get("client_id", ""))
        if app is None or not secrets.compare_digest(app["client_secret"], form.get("client_secret", "")):
            return _oauth_error(401, "invalid_client", INVALID_CLIENT)
        grant = form.get("grant_type", "")
        if grant == "client_credentials":
            return json_response({"access_token": secrets.token_urlsafe(32), "token_type": "Bearer",
                                  "scope": form.get("scope") or "read", "created_at": int(time.time())})
        if grant != "authorization_code":
            return _oauth_error(400, "unsupported_grant_type",
                                "The authorization grant type is not supported by the authorization server.")
        code = self.store.codes.get(form.get("code", ""))
        if (code is None or code.used or code.platform != self.dialect.name or code.client_id != app["client_id"]
                or code.redirect_uri != form.get("redirect_uri") or time.time() > code.expires_at):
            return _oauth_error(400, "invalid_grant", INVALID_GRANT)
        code.used = True
        account = self.store.accounts[self.dialect.name][code.account_id]
        access, _ = self.store.issue_tokens(account, code.scopes, client_id=app["client_id"], expires_in=NEVER_S,
                                            refresh=False, grant=code.value)
        return json_response({"access_token": access.value, "token_type": "Bearer", "scope": " ".join(code.scopes),
                              "created_at": int(time.time())})


async def _form(request: web.Request) -> dict[str, str]:
    if request.content_type == "application/json":
        body = await request.json()
        return {k: str(v) for k, v in body.items()} if isinstance(body, dict) else {}
    return {k: str(v) for k, v in (await request.post()).items()}


def _redirect(uri: str, **params: str) -> web.Response:
    parts = urlsplit(uri)
    query = urlencode([*parse_qsl(parts.query, keep_blank_values=True), *params.items()])
    return web.Response(status=302, headers={"Location": urlunsplit(parts._replace(query=query))})


def _oauth_error(status: int, error: str, description: str) -> web.Response:
    return json_response({"error": error, "error_description": description}, status)
