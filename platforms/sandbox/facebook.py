"""The Facebook Pages (Graph API) dialect: users, Pages, tokens, errors and the route table.

Routes live under ``/facebook`` (graph.facebook.com and www.facebook.com). Graph paths are
versioned (``/v21.0/{node}/{edge}``); handlers are in ``facebook_api`` (Pages, posts, photos),
``facebook_video``, ``facebook_inbox`` (comments, Messenger) and ``facebook_oauth`` (Login dialog,
token exchange). Users and Pages are both
sandbox accounts of platform ``facebook``; the dialect remembers which are Pages and who
administers them. Page tokens never expire unless minted from a short-lived user token.
"""

from __future__ import annotations

import time
from typing import Any, ClassVar

from aiohttp import web

from .dialect import Dialect, sandbox_ui
from .facebook_api import FacebookApi
from .facebook_common import STATUS_CODES, graph_error, load_params, params, throttle_headers
from .facebook_oauth import LONG_LIVED_S, FacebookOAuth
from .faults import FaultEngine
from .state import Account, Store, Token

# (username, id, name) after every reset; Page ids and user ids have Meta's lengths.
SEED_USERS = (("sandbox_admin", "100000000000001", "Sandbox Admin"),
              ("sandbox_fan", "100000000000002", "Sandbox Fan"))
SEED_PAGES = (("smo_demo_page", "102000000000001", "SMO Demo Page"),
              ("smo_second_page", "102000000000002", "SMO Second Page"))
DEFAULT_PERMISSIONS = ("pages_show_list", "pages_read_engagement", "pages_manage_posts",
                       "pages_manage_engagement", "pages_read_user_content", "pages_messaging", "public_profile")


class FacebookDialect(Dialect):
    name = "facebook"
    title = "Facebook"
    prefixes = ("/facebook",)
    # facebook_error_codes: injected HTTP status -> Graph code or [code, subcode], e.g. {"400": 368}.
    # facebook_video_processing_reads / facebook_video_final: see facebook_video; facebook_messaging_window_s:
    # how long after a person's last message the Page may answer (facebook_inbox).
    switches: ClassVar[dict[str, Any]] = {"facebook_duplicate_check": True, "facebook_error_codes": {},
                                          "facebook_video_processing_reads": 1, "facebook_video_final": "ready",
                                          "facebook_messaging_window_s": 86400}

    def __init__(self, store: Store, faults: FaultEngine) -> None:
        self.pages: dict[str, set[str]] = {}  # page id -> admin user ids
        self.instagram: Any = None  # the Instagram dialect, bound by the sandbox (same Graph host)
        super().__init__(store, faults)
        self.api = FacebookApi(self)
        self.oauth = FacebookOAuth(self)

    def seed(self, store: Store) -> None:
        self.pages = {}
        self.photos: dict[str, dict[str, Any]] = {}  # photo id -> {page, url, published, post_id}
        self.links: dict[str, str] = {}  # post id -> link
        self.unpublished: set[str] = set()  # feed posts created with published=false, videos still processing
        self.videos: dict[str, dict[str, Any]] = {}  # video id -> facebook_video's record
        for username, account_id, name in SEED_USERS:
            store.add_account(self.name, username, account_id=account_id, name=name)
        for username, account_id, name in SEED_PAGES:
            store.add_account(self.name, username, account_id=account_id, name=name)
            self.pages[account_id] = {SEED_USERS[0][1]}

    def register(self, app: web.Application) -> None:
        for method, path, handler in [*self.oauth.routes(), *self.api.routes()]:
            app.router.add_route(method, f"{self.prefix}{path}", handler)
        app.router.add_get(self.prefix + r"/{page:\d+}/posts/{post:\d+}", self.permalink)
        app.router.add_post(self.prefix + "/_sandbox/messages", self.api.inbox.person_writes)
        app.router.add_route("*", self.prefix + "/{tail:.*}", self.not_found)

    @sandbox_ui
    async def permalink(self, request: web.Request) -> web.Response:
        """www.facebook.com/{page}/posts/{post} (the permalinks SMO stores) opens the sandbox feed."""
        page, post = request.match_info["page"], request.match_info["post"]
        raise web.HTTPFound(f"{self.prefix}/feed/{page}#p{page}_{post}")

    async def not_found(self, request: web.Request) -> web.Response:
        return graph_error(100, "Unknown path components: " + request.path.removeprefix(self.prefix))

    # -- callers ----------------------------------------------------------------------------

    def is_page(self, account: Account) -> bool:
        return account.id in self.pages

    def add_page(self, username: str, admin_id: str, name: str | None = None) -> Account:
        page = self.store.find_account(self.name, username) or self.store.add_account(
            self.name, username, name=name)
        self.pages.setdefault(page.id, set()).add(admin_id)
        return page

    async def load(self, request: web.Request) -> None:
        await load_params(request)

    def token_value(self, request: web.Request) -> str:
        scheme, _, value = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() in ("bearer", "oauth") and value.strip():
            return value.strip()
        return params(request).get("access_token", "")

    def token(self, request: web.Request) -> Token | None:
        return self.store.find_token(self.token_value(request), "access", "page")

    def identify(self, request: web.Request) -> Account | None:
        token = self.token(request)
        # Instagram tokens reach the Graph host too; their accounts live under "instagram".
        return self.store.accounts[token.platform].get(token.account_id) if token else None

    # -- tokens -----------------------------------------------------------------------------

    def issue_user_token(self, user: Account, scopes: tuple[str, ...], client_id: str,
                         expires_in: int, grant: str) -> Token:
        token, _ = self.store.issue_tokens(user, scopes, client_id=client_id, expires_in=expires_in,
                                           refresh=False, grant=grant)
        return token

    def issue_page_token(self, page: Account, user_token: Token) -> Token:
        """A Page token for ``user_token``'s user: it never expires when the user token is
        long-lived (reference §2.1), else it ends with the user token."""
        token, _ = self.store.issue_tokens(page, user_token.scopes, client_id=user_token.client_id,
                                           expires_in=0, refresh=False, grant=user_token.grant)
        token.kind = "page"
        lifetime = (user_token.expires_at or 0) - time.time()
        token.expires_at = None if user_token.expires_at is None or lifetime > 86400 else user_token.expires_at
        return token

    def pages_of(self, user_id: str) -> list[Account]:
        accounts = self.store.accounts[self.name]
        return [accounts[pid] for pid, admins in self.pages.items() if user_id in admins and pid in accounts]

    # -- core hooks -------------------------------------------------------------------------

    def graph_code(self, status: int) -> tuple[int, int | None]:
        """The Graph (code, subcode) an injected HTTP status becomes; the switch
        ``facebook_error_codes`` ({"400": 368} or {"401": [190, 460]}) overrides the default."""
        default = STATUS_CODES.get(status, (100, None) if status < 500 else (2, None))
        override = (self.faults.switch("facebook_error_codes") or {}).get(str(status))
        values = override if isinstance(override, list) else [override]
        try:
            return int(values[0]), int(values[1]) if len(values) > 1 else None
        except (TypeError, ValueError, IndexError):
            return default  # unset or malformed: never let a fault switch crash the sandbox

    def fault_response(self, request: web.Request, status: int, reset_at: int | None) -> web.Response:
        code, subcode = self.graph_code(status)
        headers = None
        if reset_at is not None or code in (4, 17, 32, 613, 80001):
            account = self.identify(request)
            reset_in = max(0, round((reset_at or time.time() + 3600) - time.time()))
            headers = throttle_headers(account.id if account else "", reset_in)
        http_status = status if status >= 500 else None  # Graph's own default for 4xx (mostly 400)
        return graph_error(code, subcode=subcode, status=http_status, headers=headers)

    def mint_tokens(self, account: Account, scopes: list[str] | None, expires_in: int | None,
                    client_id: str) -> dict[str, Any]:
        """A user token, plus (when ``account`` is a Page, or a new name) that Page's token.

        New names become Pages administered by the seeded ``sandbox_admin``."""
        granted = tuple(scopes) if scopes is not None else DEFAULT_PERMISSIONS
        users = {u[1] for u in SEED_USERS}
        is_user = account.id in users or (account.id not in self.pages and self._has_pages(account))
        admin = account if is_user else self.store.accounts[self.name][SEED_USERS[0][1]]
        if not is_user:
            self.pages.setdefault(account.id, set()).add(admin.id)
        lifetime = LONG_LIVED_S if expires_in is None else expires_in
        grant = f"mint:{self.store.ids.next()}"
        user_token = self.issue_user_token(admin, granted, client_id, lifetime, grant)
        payload: dict[str, Any] = {
            "platform": self.name, "account_id": account.id, "username": account.username,
            "token_type": "bearer", "expires_in": lifetime, "user_id": admin.id,
            "user_access_token": user_token.value, "access_token": user_token.value,
            "scope": ",".join(granted),
        }
        if not is_user:
            page_token = self.issue_page_token(account, user_token)
            if expires_in is not None:  # an explicit lifetime (tests of expiry) applies to both
                page_token.expires_at = time.time() + expires_in
            payload.update(page_id=account.id, page_access_token=page_token.value,
                           access_token=page_token.value)
        return payload

    def _has_pages(self, account: Account) -> bool:
        return any(account.id in admins for admins in self.pages.values())
