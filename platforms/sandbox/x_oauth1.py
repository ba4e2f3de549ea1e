"""X OAuth 1.0a 3-legged flow (reference §1.1; RFC 5849).

``POST /oauth/request_token`` (signed with the consumer secret, ``oauth_callback`` required) answers
``oauth_token``, ``oauth_token_secret`` and ``oauth_callback_confirmed=true``; ``GET /oauth/authorize``
renders a consent page whose form POSTs back and redirects to the callback with ``oauth_token`` and
``oauth_verifier`` (or ``denied=<request token>``); ``POST /oauth/access_token`` trades the request
token and verifier for a user token minted by ``Store.issue_oauth1``. Answers are form-encoded.

HMAC-SHA1 signatures are verified for consumers registered through the control API (consumer key =
client id) over the URL the client signed: the original ``https://api.x.com/...`` when the seam's
rewriting adapter forwarded the host, the sandbox's own URL otherwise. Unregistered consumers are
accepted unchecked, like unregistered OAuth 2.0 clients. Error wording follows what X is seen to send
(401 ``{"errors":[{"code":32,"message":"Could not authenticate you."}]}``, 403 code 415 "Callback URL
not approved…", 401 "Error processing your OAuth request: Invalid oauth_verifier parameter").
A request token is good for one exchange attempt: after it, right or wrong, it is spent.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
import time
from dataclasses import dataclass
from html import escape
from typing import TYPE_CHECKING
from urllib.parse import quote, unquote, urlencode, urlsplit

from aiohttp import web

from .dialect import Handler, json_response
from .feeds import consent_form, page
from .x_oauth import USERNAME, _redirect

if TYPE_CHECKING:
    from .x import XDialect

REQUEST_TOKEN_LIFETIME_S = 15 * 60
FORM = "application/x-www-form-urlencoded"  # RFC 5849 §2.1/§2.3 token responses
_HEADER_PARAM = re.compile(r'([A-Za-z0-9_]+)="([^"]*)"')
_DEFAULT_PORTS = {"http": "80", "https": "443"}
REQUIRED = ("oauth_consumer_key", "oauth_signature_method", "oauth_signature", "oauth_nonce", "oauth_timestamp")


@dataclass
class RequestToken:
    value: str
    secret: str
    consumer_key: str
    callback: str
    expires_at: float
    account_id: str = ""  # set once the user approved
    verifier: str = ""
    spent: bool = False


class XOAuth1:
    def __init__(self, dialect: XDialect) -> None:
        self.x = dialect
        self.store = dialect.store
        self.pending: dict[str, RequestToken] = {}

    def reset(self) -> None:
        self.pending.clear()

    def routes(self) -> list[tuple[str, str, Handler]]:
        return [
            ("POST", "/oauth/request_token", self.request_token),
            ("GET", "/oauth/authorize", self.authorize),
            ("POST", "/oauth/authorize", self.decide),
            ("POST", "/oauth/access_token", self.access_token),
        ]

    # -- step 1: request token --------------------------------------------------------------

    async def request_token(self, request: web.Request) -> web.Response:
        params = await _oauth_params(request)
        if any(not params.get(name) for name in REQUIRED):
            return _bad_auth()
        if not self._signature_ok(request, params, token_secret=""):
            return _not_authenticated()
        callback = params.get("oauth_callback", "")
        if not _callback_ok(callback):
            return _callback_not_approved()
        token = RequestToken(value=secrets.token_urlsafe(20), secret=secrets.token_urlsafe(24),
                             consumer_key=params["oauth_consumer_key"], callback=callback,
                             expires_at=time.time() + REQUEST_TOKEN_LIFETIME_S)
        self.pending[token.value] = token
        return _form({"oauth_token": token.value, "oauth_token_secret": token.secret,
                      "oauth_callback_confirmed": "true"})

    # -- step 2: the user's consent ---------------------------------------------------------

    async def authorize(self, request: web.Request) -> web.Response:
        token = self._usable(request.query.get("oauth_token", ""))
        if token is None or token.account_id:
            return _error_page()
        return self._consent_page(request.path, token, username="smo_demo")

    async def decide(self, request: web.Request) -> web.Response:
        form = await request.post()
        token = self._usable(str(form.get("oauth_token", "")))
        if token is None or token.account_id:
            return _error_page()
        if form.get("decision") != "approve":
            token.spent = True
            return self._answer(token, denied=token.value)
        username = str(form.get("username", "")).strip().lstrip("@")
        if not USERNAME.match(username):
            return self._consent_page(request.path, token, username=username, status=400,
                                      error="A username is 1 to 15 letters, digits or underscores.")
        token.account_id = self.store.get_or_create_account(self.x.name, username).id
        token.verifier = secrets.token_urlsafe(24)
        return self._answer(token, oauth_token=token.value, oauth_verifier=token.verifier)

    def _answer(self, token: RequestToken, **params: str) -> web.Response:
        if token.callback != "oob":
            return _redirect(token.callback, **params)
        # Out-of-band clients show the user a PIN to type back in.
        shown = params.get("oauth_verifier", "")
        body = (f"<h1>Your PIN</h1><p><code>{escape(shown)}</code></p>" if shown
                else "<h1>Access denied</h1><p>You did not authorize the app.</p>")
        return page("X sandbox - authorize app", body)

    def _consent_page(self, action: str, token: RequestToken, *, username: str, error: str = "",
                      status: int = 200) -> web.Response:
        body = (
            "<h1>Authorize app</h1>"
            f"<p>The app <strong>{escape(token.consumer_key)}</strong> wants to use your X account "
            "(OAuth 1.0a): read and post for you and read your direct messages.</p>"
            + (f"<p class='error'>{escape(error)}</p>" if error else "")
            + consent_form(action, {"oauth_token": token.value}, username,
                           label="Sign in as (an existing or a new sandbox account)")
        )
        return page("X sandbox - authorize app", body, status=status)

    # -- step 3: access token ---------------------------------------------------------------

    async def access_token(self, request: web.Request) -> web.Response:
        params = await _oauth_params(request)
        if any(not params.get(name) for name in REQUIRED):
            return _bad_auth()
        token = self._usable(params.get("oauth_token", ""))
        if token is None:
            return _oauth_failure("Invalid request token.")
        if token.consumer_key != params["oauth_consumer_key"] or not self._signature_ok(
                request, params, token_secret=token.secret):
            return _not_authenticated()
        token.spent = True  # one attempt: a guessed verifier never gets a second try
        verifier = params.get("oauth_verifier", "")
        if not token.account_id or not hmac.compare_digest(verifier.encode(), token.verifier.encode()):
            return _oauth_failure("Invalid oauth_verifier parameter")
        account = self.store.accounts[self.x.name][token.account_id]
        user = self.store.issue_oauth1(account, client_id=token.consumer_key, grant=f"oauth1:{token.value}")
        return _form({"oauth_token": user.value, "oauth_token_secret": user.secret, "user_id": account.id,
                      "screen_name": account.username})

    # -- helpers ----------------------------------------------------------------------------

    def _usable(self, value: str) -> RequestToken | None:
        token = self.pending.get(value) if value else None
        if token is None or token.spent or time.time() > token.expires_at:
            return None
        return token

    def _signature_ok(self, request: web.Request, params: dict[str, str], *, token_secret: str) -> bool:
        consumer_secret = self.store.clients.get(self.x.name, {}).get(params["oauth_consumer_key"])
        if consumer_secret is None:
            return True  # unregistered consumer: accepted unchecked, as documented above
        if params["oauth_signature_method"] != "HMAC-SHA1":
            return False
        expected = signature(request.method, self._signed_url(request), request["oauth_pairs"],
                             consumer_secret, token_secret)
        return hmac.compare_digest(expected.encode(), params["oauth_signature"].encode())

    def _signed_url(self, request: web.Request) -> str:
        forwarded = request.headers.get("X-Forwarded-Host", "")
        if forwarded:  # the seam rewrote https://api.x.com/oauth/... onto /x/oauth/...
            scheme = request.headers.get("X-Forwarded-Proto", "https")
            return f"{scheme}://{forwarded}{request.path.removeprefix(self.x.prefix)}"
        return f"{request.scheme}://{request.host}{request.path}"


def signature(method: str, url: str, pairs: list[tuple[str, str]], consumer_secret: str, token_secret: str) -> str:
    """RFC 5849 §3.4.2 HMAC-SHA1 over the signature base string (§3.4.1) of the decoded `pairs`."""
    parts = urlsplit(url)
    scheme, host = parts.scheme.lower(), (parts.hostname or "").lower()
    port = f":{parts.port}" if parts.port and str(parts.port) != _DEFAULT_PORTS.get(scheme) else ""
    base_uri = f"{scheme}://{host}{port}{parts.path or '/'}"
    encoded = sorted((_enc(name), _enc(value)) for name, value in pairs if name != "oauth_signature")
    normalized = "&".join(f"{name}={value}" for name, value in encoded)
    base = "&".join((method.upper(), _enc(base_uri), _enc(normalized)))
    key = f"{_enc(consumer_secret)}&{_enc(token_secret)}"
    return base64.b64encode(hmac.new(key.encode(), base.encode(), hashlib.sha1).digest()).decode()


def _enc(value: str) -> str:
    return quote(value, safe="-._~")


async def _oauth_params(request: web.Request) -> dict[str, str]:
    """Every signed parameter (header oauth_* minus realm, query, form body) as decoded pairs on
    ``request["oauth_pairs"]``; returns them as a dict for lookups."""
    pairs: list[tuple[str, str]] = []
    scheme, _, value = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() == "oauth":
        pairs += [(unquote(k), unquote(v)) for k, v in _HEADER_PARAM.findall(value) if k != "realm"]
    pairs += list(request.query.items())
    if request.content_type == FORM:
        pairs += [(k, str(v)) for k, v in (await request.post()).items()]
    request["oauth_pairs"] = pairs
    return dict(pairs)


def _callback_ok(callback: str) -> bool:
    if callback == "oob":
        return True
    target = urlsplit(callback)  # X only accepts registered callbacks; here any absolute http(s) URL will do
    return target.scheme.lower() in ("http", "https") and bool(target.netloc)


def _form(payload: dict[str, str]) -> web.Response:
    return web.Response(text=urlencode(payload), content_type=FORM, headers={"Cache-Control": "no-store"})


def _bad_auth() -> web.Response:
    return json_response({"errors": [{"code": 215, "message": "Bad Authentication data."}]}, 400)


def _not_authenticated() -> web.Response:
    return json_response({"errors": [{"code": 32, "message": "Could not authenticate you."}]}, 401)


def _callback_not_approved() -> web.Response:
    body = ("<?xml version='1.0' encoding='UTF-8'?><errors><error code=\"415\">Callback URL not approved for "
            "this client application. Approved callback URLs can be adjusted in your application settings"
            "</error></errors>")
    return web.Response(text=body, status=403, content_type="application/xml")


def _oauth_failure(reason: str) -> web.Response:
    return web.Response(text=f"Error processing your OAuth request: {reason}", status=401, content_type="text/plain")


def _error_page() -> web.Response:
    body = ("<h1>Something went wrong</h1><p class='error'>This page is no longer valid: the request token is "
            "unknown, expired or already used.</p><p>Go back to the app and start signing in again.</p>")
    return page("X sandbox - authorization error", body, status=400)
