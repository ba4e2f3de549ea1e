"""The X (API v2) dialect: accounts, credentials, rate limits and route table.

Routes live under ``/x`` (api.twitter.com, api.x.com, twitter.com, x.com) and ``/x-upload``
(upload.twitter.com, reserved for media). The handlers are in ``x_api`` (posts and users) and
``x_oauth`` (OAuth 2.0 PKCE), ``x_oauth1`` (OAuth 1.0a 3-legged); this module holds what both need.
"""

from __future__ import annotations

import re
import time
from typing import Any, ClassVar
from urllib.parse import unquote

from aiohttp import web

from .dialect import Dialect
from .faults import FaultEngine
from .state import Account, Store, Token
from .x_api import XApi
from .x_common import ACCESS_TOKEN_LIFETIME, Reply, problem, rate_limited, unauthorized
from .x_inbox import XInbox
from .x_media import XMedia
from .x_oauth import XOAuth
from .x_oauth1 import XOAuth1

# (username, id, display name) present after every reset. Fixed ids keep fixtures stable.
SEED_ACCOUNTS = (
    ("smo_demo", "1700000000000000001", "SMO Demo"),
    ("sandbox_fan", "1700000000000000002", "Sandbox Fan"),
    ("curious_cat", "1700000000000000003", "Curious Cat"),
)
DEFAULT_SCOPES = ("tweet.read", "tweet.write", "users.read", "offline.access", "media.write",
                  "tweet.moderate.write", "dm.read", "dm.write")
WINDOW_S = 15 * 60
DAY_S = 24 * 60 * 60
# Per-user limits per 15-minute window. POST /2/tweets is from the reference (§1.4); the read
# limits are X's published per-user values at the time of writing and may drift. Override with
# the fault switch {"x_rate_limits": {"POST /2/tweets": 3}}.
DEFAULT_LIMITS: dict[str, int] = {
    "POST /2/tweets": 200,
    "DELETE /2/tweets/:id": 50,
    "GET /2/tweets": 900,
    "GET /2/tweets/:id": 900,
    "GET /2/tweets/search/recent": 300,
    "GET /2/users/me": 75,
    "GET /2/users/:id": 900,
    "GET /2/users/by/username/:username": 900,
    "GET /2/users/:id/tweets": 900,
    "GET /2/users/:id/mentions": 300,
    "PUT /2/tweets/:id/hidden": 50,
    "GET /2/dm_events": 300,
    "POST /2/dm_conversations/with/:participant_id/messages": 200,
    "POST /2/dm_conversations/:dm_conversation_id/messages": 200,
    "POST /2/media/upload": 500,
    "POST /2/media/upload/initialize": 500,
    "POST /2/media/upload/:id/append": 5000,
    "POST /2/media/upload/:id/finalize": 500,
    "GET /2/media/upload": 1000,
    # 24-hour caps on POST /2/tweets, reported as x-app-limit-24hour-* / x-user-limit-24hour-*.
    # Real caps depend on the access tier; these are generous so benchmarks are not capped.
    "app-24h": 10000,
    "user-24h": 2400,
}
_OAUTH_TOKEN = re.compile(r'oauth_token="([^"]*)"')


class XDialect(Dialect):
    name = "x"
    title = "X"
    prefixes = ("/x", "/x-upload")
    # x_media_status_polls: STATUS calls that answer in_progress before a GIF/video succeeds;
    # x_media_fail: when set, processing ends "failed" with this message.
    switches: ClassVar[dict[str, Any]] = {"x_duplicate_check": True, "x_rate_limits": {},
                                          "x_media_status_polls": 1, "x_media_fail": ""}

    def __init__(self, store: Store, faults: FaultEngine) -> None:
        super().__init__(store, faults)
        self.media = XMedia(self)
        self.inbox = XInbox(self)
        self.api = XApi(self)
        self.oauth = XOAuth(self)
        self.oauth1 = XOAuth1(self)

    def seed(self, store: Store) -> None:
        self.media.reset()
        self.inbox.reset()
        self.oauth1.reset()
        for username, account_id, name in SEED_ACCOUNTS:
            store.add_account(self.name, username, account_id=account_id, name=name)

    def register(self, app: web.Application) -> None:
        routes = [*self.oauth.routes(), *self.oauth1.routes(), *self.api.routes(), *self.media.routes(),
                  *self.inbox.routes()]
        for method, path, handler in routes:
            app.router.add_route(method, f"{self.prefix}{path}", handler)
        for prefix in self.prefixes:
            app.router.add_route("*", prefix + "/{tail:.*}", self.not_found)

    async def not_found(self, request: web.Request) -> web.Response:
        return problem(404, "Sorry, that page does not exist.", title="Not Found")

    # -- credentials ------------------------------------------------------------------------

    def credentials(self, request: web.Request) -> Token | None:
        """The token behind ``Authorization``: ``Bearer <OAuth 2.0 token>`` or ``OAuth …``.

        OAuth 1.0a headers are matched on ``oauth_token`` only; signatures are NOT verified yet
        (tweepy signs over the original https://api.twitter.com URL, which the sandbox would
        have to rebuild - reference §13.1).
        """
        scheme, _, value = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() == "bearer":
            return self.store.find_token(value.strip(), "access")
        if scheme.lower() == "oauth":
            match = _OAUTH_TOKEN.search(value)
            return self.store.find_token(unquote(match[1]), "oauth1") if match else None
        return None

    def identify(self, request: web.Request) -> Account | None:
        token = self.credentials(request)
        return self.store.accounts[self.name].get(token.account_id) if token else None

    def authenticate(self, request: web.Request, scopes: tuple[str, ...]) -> tuple[Account, Token]:
        """Resolve the caller or answer 401; OAuth 2.0 tokens must also hold ``scopes`` (403)."""
        token = self.credentials(request)
        account = self.identify(request)
        if token is None or account is None or not token.is_active(time.time()):
            raise Reply(unauthorized())
        if token.kind == "access" and not set(scopes) <= set(token.scopes):
            raise Reply(problem(403))  # X answers a missing scope with a bare "Forbidden" problem
        return account, token

    # -- rate limits ------------------------------------------------------------------------

    def endpoint_key(self, request: web.Request) -> str:
        """``"GET /2/users/:id/tweets"`` for the matched route, the key of DEFAULT_LIMITS."""
        canonical = request.match_info.route.resource.canonical if request.match_info.route.resource else ""
        path = re.sub(r"\{(\w+)[^}]*\}", r":\1", canonical.removeprefix(self.prefix))
        return f"{request.method} {path}"

    def limit_for(self, key: str) -> int:
        overrides = self.faults.switch("x_rate_limits") or {}
        return int(overrides.get(key, DEFAULT_LIMITS.get(key, 900)))

    def caller(self, request: web.Request, scopes: tuple[str, ...]) -> Account:
        """Authenticate the request and count it in the caller's rate windows (401/403/429 raise)."""
        account, token = self.authenticate(request, scopes)
        self.count_request(request, account, token)
        return account

    def count_request(self, request: web.Request, account: Account, token: Token) -> None:
        """Count the request in the caller's windows; sets ``x-rate-limit-*`` or answers 429."""
        key = self.endpoint_key(request)
        state = self.store.hit_window((self.name, key, account.id), self.limit_for(key), WINDOW_S)
        headers = {"x-rate-limit-limit": str(state.limit), "x-rate-limit-remaining": str(state.remaining),
                   "x-rate-limit-reset": str(state.reset)}
        request["x_headers"] = headers
        if not state.allowed:
            raise Reply(rate_limited(headers))
        if key != "POST /2/tweets":
            return
        for scope, window_key in (("app", token.client_id or "sandbox"), ("user", account.id)):
            day = self.store.hit_window((self.name, f"{scope}-24h", window_key),
                                       self.limit_for(f"{scope}-24h"), DAY_S)
            headers.update({f"x-{scope}-limit-24hour-limit": str(day.limit),
                            f"x-{scope}-limit-24hour-remaining": str(day.remaining),
                            f"x-{scope}-limit-24hour-reset": str(day.reset)})
            if not day.allowed:
                raise Reply(rate_limited(headers))

    # -- core hooks -------------------------------------------------------------------------

    def fault_response(self, request: web.Request, status: int, reset_at: int | None) -> web.Response:
        if status == 429:
            reset = reset_at or int(time.time()) + WINDOW_S
            return rate_limited({"x-rate-limit-limit": str(self.limit_for(self.endpoint_key(request))),
                                 "x-rate-limit-remaining": "0", "x-rate-limit-reset": str(reset)})
        if status == 401:
            return unauthorized()
        return problem(status)

    def mint_tokens(self, account: Account, scopes: list[str] | None, expires_in: int | None,
                    client_id: str) -> dict[str, Any]:
        granted = tuple(scopes) if scopes is not None else DEFAULT_SCOPES
        unknown = sorted(set(granted) - self.oauth.known_scopes)
        if unknown:
            raise ValueError(f"unknown X scopes {unknown}")
        lifetime = ACCESS_TOKEN_LIFETIME if expires_in is None else expires_in
        grant = f"mint:{self.store.ids.next()}"
        access, refresh = self.store.issue_tokens(account, granted, client_id=client_id,
                                                  expires_in=lifetime,
                                                  refresh="offline.access" in granted, grant=grant)
        oauth1 = self.store.issue_oauth1(account, client_id=client_id, grant=grant)
        return {
            "platform": self.name, "account_id": account.id, "username": account.username,
            **self.oauth.token_payload(access, refresh, lifetime),
            "oauth_token": oauth1.value, "oauth_token_secret": oauth1.secret,
        }
