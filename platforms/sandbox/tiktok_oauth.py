"""TikTok Login Kit v2 (reference §7): ``GET /v2/auth/authorize/`` renders a consent page whose form
POSTs back and redirects with ``code`` and ``state`` (or ``error=access_denied``);
``POST /v2/oauth/token/`` exchanges codes and refreshes with rotation: every refresh answers a new
refresh token and the one it used stops working. Token errors are ``{"error", "error_description",
"log_id"}``; the client is authenticated by ``client_key`` and ``client_secret`` in the form.
"""

from __future__ import annotations

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
from .tiktok_common import ACCESS_LIFETIME_S, DEFAULT_SCOPES, REFRESH_LIFETIME_S, log_id

if TYPE_CHECKING:
    from .tiktok import TikTokDialect

AUTHORIZE_PARAMS = ("client_key", "scope", "response_type", "redirect_uri", "state")
SCOPE_DESCRIPTIONS = {"user.info.basic": "Read your profile info (avatar, display name)",
                      "user.info.profile": "Read your profile link and bio", "video.list": "Read your public videos",
                      "video.publish": "Post content to TikTok for you", "video.upload": "Send drafts to your inbox"}
USERNAME = re.compile(r"^[A-Za-z0-9_.]{2,24}$")
CODE_LIFETIME_S = 600


class TikTokOAuth:
    def __init__(self, dialect: TikTokDialect) -> None:
        self.tiktok = dialect
        self.store = dialect.store

    def routes(self) -> list[tuple[str, str, Handler]]:
        return [("GET", "/v2/auth/authorize/", self.authorize), ("POST", "/v2/auth/authorize/", self.decide),
                ("POST", "/v2/oauth/token/", self.token)]

    async def authorize(self, request: web.Request) -> web.Response:
        params = {name: request.query.get(name, "") for name in AUTHORIZE_PARAMS}
        problem = _invalid(params)
        return _error_page(problem) if problem else self._consent(request.path, params, "smo_demo")

    async def decide(self, request: web.Request) -> web.Response:
        form = await request.post()
        params = {name: str(form.get(name, "")) for name in AUTHORIZE_PARAMS}
        problem = _invalid(params)
        if problem:
            return _error_page(problem)
        if form.get("decision") != "approve":
            return _redirect(params["redirect_uri"], error="access_denied", error_description="User cancelled",
                             state=params["state"])
        username = str(form.get("username", "")).strip().lstrip("@")
        if not USERNAME.match(username):
            return self._consent(request.path, params, username, "A username is 2 to 24 letters, digits, _ or .")
        account = self.store.get_or_create_account(self.tiktok.name, username)
        code = AuthCode(value=secrets.token_urlsafe(40), platform=self.tiktok.name, client_id=params["client_key"],
                        redirect_uri=params["redirect_uri"], scopes=tuple(params["scope"].split(",")),
                        challenge="", challenge_method="", account_id=account.id,
                        expires_at=time.time() + CODE_LIFETIME_S)
        self.store.codes[code.value] = code
        return _redirect(params["redirect_uri"], code=code.value, scopes=params["scope"], state=params["state"])

    def _consent(self, action: str, params: dict[str, str], username: str, error: str = "") -> web.Response:
        scopes = "".join(f"<li><code>{escape(s)}</code> - {escape(SCOPE_DESCRIPTIONS.get(s, s))}</li>"
                         for s in params["scope"].split(","))
        body = (f"<h1>Authorize app</h1><p><strong>{escape(params['client_key'])}</strong> would like to:</p>"
                f"<ul>{scopes}</ul>" + (f"<p class='error'>{escape(error)}</p>" if error else "")
                + consent_form(action, params, username,
                               label="Log in as (an existing or a new sandbox account)"))
        return page("TikTok sandbox - authorize app", body, status=400 if error else 200)

    async def token(self, request: web.Request) -> web.Response:
        form = {k: str(v) for k, v in (await request.post()).items()}
        key, secret = form.get("client_key", ""), form.get("client_secret", "")
        registered = self.store.clients.get(self.tiktok.name, {}).get(key)
        if not key or not secret or (registered is not None and not hmac.compare_digest(registered, secret)):
            return _error(401, "invalid_client", "Client key or secret is incorrect.")
        if form.get("grant_type") == "authorization_code":
            return self._exchange(form, key)
        if form.get("grant_type") == "refresh_token":
            return self._refresh(form, key)
        return _error(400, "unsupported_grant_type", "The grant type is not supported.")

    def _exchange(self, form: dict[str, str], key: str) -> web.Response:
        code = self.store.codes.get(form.get("code", ""))
        if code is None or code.client_id != key or time.time() > code.expires_at or code.used:
            return _error(400, "invalid_grant", "Authorization code is expired.")
        if form.get("redirect_uri") != code.redirect_uri:
            return _error(400, "invalid_request", "The redirect_uri does not match.")
        code.used = True
        return self.issue(code.account_id, code.scopes, key, grant=code.value)

    def _refresh(self, form: dict[str, str], key: str) -> web.Response:
        old = self.store.find_token(form.get("refresh_token", ""), "refresh")
        if old is None or old.revoked or old.client_id != key or old.platform != self.tiktok.name or (
                old.expires_at is not None and time.time() > old.expires_at):
            return _error(400, "invalid_grant", "Refresh token is invalid or expired.")
        old.revoked = True  # rotation: the answer carries the only refresh token that works from now on
        return self.issue(old.account_id, old.scopes, key, grant=old.grant)

    def issue(self, account_id: str, scopes: tuple[str, ...], key: str, *, grant: str) -> web.Response:
        return json_response(self.tokens(account_id, scopes, key, grant=grant, expires_in=ACCESS_LIFETIME_S),
                             headers={"Cache-Control": "no-store"})

    def tokens(self, account_id: str, scopes: tuple[str, ...], key: str, *, grant: str,
               expires_in: int) -> dict[str, Any]:
        account = self.store.accounts[self.tiktok.name][account_id]
        access, refresh = self.store.issue_tokens(account, scopes, client_id=key, expires_in=expires_in,
                                                  refresh=True, grant=grant)
        assert refresh is not None
        refresh.expires_at = time.time() + REFRESH_LIFETIME_S
        return {"open_id": account.id, "scope": ",".join(scopes or DEFAULT_SCOPES), "access_token": access.value,
                "expires_in": expires_in, "refresh_token": refresh.value, "refresh_expires_in": REFRESH_LIFETIME_S,
                "token_type": "Bearer"}


def _invalid(params: dict[str, str]) -> str:
    for name in AUTHORIZE_PARAMS:
        if not params[name]:
            return f"Missing required parameter: {name}."
    if params["response_type"] != "code":
        return "response_type must be 'code'."
    if urlsplit(params["redirect_uri"]).scheme not in ("http", "https"):
        return "redirect_uri must be an http(s) URL."
    unknown = sorted(set(params["scope"].split(",")) - set(SCOPE_DESCRIPTIONS))
    return f"Unknown scope: {','.join(unknown)}." if unknown else ""


def _error_page(message: str) -> web.Response:
    return page("TikTok sandbox - authorization error",
                f"<h1>Something went wrong</h1><p class='error'>{escape(message)}</p>", status=400)


def _redirect(uri: str, **params: str) -> web.Response:
    parts = urlsplit(uri)
    query = urlencode([*parse_qsl(parts.query, keep_blank_values=True), *params.items()])
    return web.Response(status=302, headers={"Location": urlunsplit(parts._replace(query=query))})


def _error(status: int, error: str, description: str) -> web.Response:
    return json_response({"error": error, "error_description": description, "log_id": log_id()}, status)
