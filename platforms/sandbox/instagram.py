"""Instagram with Facebook Login (reference §3): IG business accounts linked to the sandbox's Pages.

The API lives on the Graph host, so its requests arrive under ``/facebook`` and pass the
Facebook dialect's middleware hooks (tokens, fault rules with ``"platform": "facebook"``, Graph
error bodies). This dialect owns the Instagram state and registers its routes *before* the
Facebook catch-alls: IG ids have their own shapes (users ``17841…``, containers and
media ``179…``, both 17 digits like Meta's) so the route patterns cannot take a Page, post or photo id.
Its own prefix ``/facebook/instagram`` serves the feed pages (``/facebook/instagram/feed/{user}``)
and the permalinks (``/facebook/instagram/p/{code}``).

Instagram Login lives under ``/instagram`` (graph.instagram.com and api.instagram.com): the same
API routes, ``/me`` with ``user_id``, and the token endpoints (instagram_oauth); its dialog is
``/facebook/instagram/oauth/authorize`` (www.instagram.com). Comments, replies, hiding and direct
messages are served from ``Store.comments`` / ``Store.messages`` (instagram_inbox).

Switches (``POST /_sandbox/faults``): ``instagram_quota_total`` (posts per 24 h, default 50),
``instagram_video_in_progress_polls`` (default 2) and ``instagram_image_in_progress_polls`` (default 0):
status reads answering IN_PROGRESS for each new video / image container; ``instagram_in_progress_polls``
overrides both when set; ``instagram_container_final`` (FINISHED, ERROR or EXPIRED once those reads are
used up); ``instagram_refresh_min_age_s`` (a token must be this old to be refreshed, default 86400).
"""

from __future__ import annotations

import itertools
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any, ClassVar

from aiohttp import web

from .dialect import Dialect, sandbox_ui
from .facebook import SEED_PAGES, FacebookDialect
from .facebook_common import load_params
from .facebook_oauth import LONG_LIVED_S
from .faults import FaultEngine
from .instagram_api import InstagramApi
from .instagram_inbox import InstagramInbox
from .instagram_oauth import InstagramOAuth
from .state import Account, Store

# (username, IG user id, linked Page id) after every reset.
SEED_ACCOUNTS = (("smo_demo_ig", "17841400000000001", SEED_PAGES[0][1]),
                 ("smo_second_ig", "17841400000000002", SEED_PAGES[1][1]))
QUOTA_WINDOW_S = 86400
DEFAULT_SCOPES = ("instagram_basic", "instagram_content_publish", "instagram_manage_comments",
                  "pages_show_list", "pages_read_engagement")


@dataclass
class Container:
    id: str
    ig_id: str
    kind: str  # IMAGE | REELS | VIDEO | CAROUSEL | CHILD
    caption: str = ""
    image_url: str = ""
    video_url: str = ""
    children: tuple[str, ...] = ()
    polls_left: int = 0  # IN_PROGRESS answers still to give
    final: str = "FINISHED"
    media_id: str = ""  # set once published
    created_at: float = field(default_factory=time.time)

    def status(self) -> str:
        return "PUBLISHED" if self.media_id else "IN_PROGRESS" if self.polls_left > 0 else self.final


class InstagramDialect(Dialect):
    name = "instagram"
    title = "Instagram"
    prefixes = ("/facebook/instagram", "/instagram")
    switches: ClassVar[dict[str, Any]] = {"instagram_quota_total": 50, "instagram_in_progress_polls": None,
                                          "instagram_video_in_progress_polls": 2,
                                          "instagram_image_in_progress_polls": 0,
                                          "instagram_container_final": "FINISHED",
                                          "instagram_refresh_min_age_s": 86400}

    def __init__(self, store: Store, faults: FaultEngine) -> None:
        self._serial = itertools.count(1)  # never reset: ids stay unique across resets
        self.fb: FacebookDialect | None = None
        super().__init__(store, faults)
        self.api = InstagramApi(self)
        self.inbox = InstagramInbox(self)
        self.oauth = InstagramOAuth(self)

    def bind(self, dialects: list[Dialect]) -> None:
        self.fb = next(d for d in dialects if isinstance(d, FacebookDialect))
        self.fb.instagram = self

    def seed(self, store: Store) -> None:
        self.links: dict[str, str] = {}  # Page id -> IG user id
        self.containers: dict[str, Container] = {}
        self.published: dict[str, deque[float]] = {}  # IG user id -> media_publish times
        self.shortcodes: dict[str, str] = {}  # permalink code -> media id
        self.issued: dict[str, float] = {}  # Instagram Login token -> when it was issued (refresh needs 24 h)
        for username, ig_id, page_id in SEED_ACCOUNTS:
            store.add_account(self.name, username, account_id=ig_id)
            self.links[page_id] = ig_id

    def register(self, app: web.Application) -> None:
        # Inbox routes first: they include a pattern for /{node}/conversations on the Graph host.
        for method, path, handler in [*self.inbox.routes(), *self.api.routes()]:
            app.router.add_route(method, "/facebook" + path, handler)
        for method, path, handler in [*self.api.login_routes(), *self.inbox.routes(),
                                      *self.api.routes(login_host=True)]:
            app.router.add_route(method, "/instagram" + path, handler)
        for method, path, handler in self.oauth.routes():
            app.router.add_route(method, path, handler)
        app.router.add_get(self.prefix + "/p/{code}/", self.permalink)
        app.router.add_get(self.prefix + "/p/{code}", self.permalink)

    @sandbox_ui
    async def permalink(self, request: web.Request) -> web.Response:
        media = self.store.get_post(self.name, self.shortcodes.get(request.match_info["code"], ""))
        account = self.store.accounts[self.name].get(media.account_id) if media else None
        if media is None or account is None:
            raise web.HTTPNotFound(text="No such Instagram post in the sandbox.")
        raise web.HTTPFound(f"{self.feed_path(account)}#p{media.id}")

    # -- ids and accounts -------------------------------------------------------------------

    def next_object_id(self) -> str:
        return f"179{next(self._serial):014d}"

    def next_comment_id(self) -> str:
        """Comment ids (``178`` + 14 digits): the audience simulator uses this too, so routes match them."""
        return f"178{next(self._serial):014d}"

    def new_shortcode(self, media_id: str) -> str:
        code = "SBX" + format(int(media_id), "x")[-10:]
        self.shortcodes[code] = media_id
        return code

    def business_account(self, page_id: str) -> str | None:
        return self.links.get(page_id)

    def linked_pages(self, ig_id: str) -> set[str]:
        return {page for page, ig in self.links.items() if ig == ig_id}

    def quota_used(self, ig_id: str) -> int:
        times = self.published.setdefault(ig_id, deque())
        while times and times[0] <= time.time() - QUOTA_WINDOW_S:
            times.popleft()
        return len(times)

    def quota_total(self) -> int:
        try:
            return int(self.faults.switch("instagram_quota_total"))
        except (TypeError, ValueError):
            return 50

    # -- core hooks: Graph requests are handled by the Facebook dialect's middleware hooks ----

    async def load(self, request: web.Request) -> None:
        if request.path.startswith("/instagram/"):
            await load_params(request)

    def identify(self, request: web.Request) -> Account | None:
        # /facebook/instagram holds only pages and the dialog; /instagram is the Instagram Login API.
        if not request.path.startswith("/instagram/"):
            return None
        assert self.fb is not None
        return self.fb.identify(request)

    def fault_response(self, request: web.Request, status: int, reset_at: int | None) -> web.Response:
        assert self.fb is not None
        return self.fb.fault_response(request, status, reset_at)

    def mint_tokens(self, account: Account, scopes: list[str] | None, expires_in: int | None,
                    client_id: str) -> dict[str, Any]:
        """A token acting as the IG user (Instagram Login's shape); new names are unlinked accounts."""
        granted = tuple(scopes) if scopes is not None else DEFAULT_SCOPES
        lifetime = LONG_LIVED_S if expires_in is None else expires_in
        if not account.id.startswith("17841"):  # a name the control API just created: give it an IG id
            account = self.reshape(account)
        token, _ = self.store.issue_tokens(account, granted, client_id=client_id, expires_in=lifetime,
                                           refresh=False, grant=f"mint:{self.store.ids.next()}")
        page_id = next(iter(sorted(self.linked_pages(account.id))), None)
        return {"platform": self.name, "account_id": account.id, "ig_user_id": account.id,
                "username": account.username, "access_token": token.value, "token_type": "bearer",
                "expires_in": lifetime, "scope": ",".join(granted), "page_id": page_id}

    def reshape(self, account: Account) -> Account:
        del self.store.accounts[self.name][account.id]
        return self.store.add_account(self.name, account.username, account_id=f"17841{next(self._serial):012d}",
                                      name=account.name)
