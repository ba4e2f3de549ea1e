"""Threads (reference §8): graph.threads.net under ``/threads``, threads.net pages under ``/threads/web``.

Profiles have ids ``26`` + 15 digits, containers and posts ``18`` + 15 digits. Posts, replies (ours and
the audience's) and mentions are ``Store.posts`` under ``"threads"``: a reply has ``in_reply_to_id``
and the root post's id as ``conversation_id``. ``threads_publish`` is the recorded create.

Switches (``POST /_sandbox/faults``): ``threads_quota_total`` (posts per 24 h, default 250),
``threads_reply_quota_total`` (1000), ``threads_video_in_progress_polls`` (default 2),
``threads_image_in_progress_polls`` and ``threads_text_in_progress_polls`` (default 0): status reads
answering IN_PROGRESS for each new container; ``threads_container_final`` (FINISHED, ERROR or EXPIRED
once those reads are used up); ``threads_refresh_min_age_s`` (default 86400).
"""

from __future__ import annotations

import itertools
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any, ClassVar

from aiohttp import web

from .audience import audience_item
from .dialect import Dialect, sandbox_ui
from .facebook_common import STATUS_CODES, graph_error, load_params, params, throttle_headers
from .facebook_oauth import LONG_LIVED_S
from .faults import FaultEngine
from .state import Account, Post, Store
from .threads_api import ThreadsApi
from .threads_oauth import ThreadsOAuth

SEED_ACCOUNTS = (("smo_demo_threads", "26000000000000001"), ("smo_second_threads", "26000000000000002"))
DEFAULT_SCOPES = ("threads_basic", "threads_content_publish", "threads_manage_replies", "threads_read_replies",
                  "threads_manage_mentions")
WINDOW_S = 86400


@dataclass
class Container:
    id: str
    user_id: str
    media_type: str  # TEXT | IMAGE | VIDEO | CAROUSEL
    text: str = ""
    media_url: str = ""
    children: tuple[str, ...] = ()
    carousel_item: bool = False
    reply_to_id: str = ""
    polls_left: int = 0  # IN_PROGRESS answers still to give
    final: str = "FINISHED"
    media_id: str = ""  # set once published
    created_at: float = field(default_factory=time.time)

    def status(self) -> str:
        return "PUBLISHED" if self.media_id else "IN_PROGRESS" if self.polls_left > 0 else self.final


class ThreadsDialect(Dialect):
    name = "threads"
    title = "Threads"
    prefixes = ("/threads",)
    switches: ClassVar[dict[str, Any]] = {"threads_quota_total": 250, "threads_reply_quota_total": 1000,
                                          "threads_video_in_progress_polls": 2, "threads_image_in_progress_polls": 0,
                                          "threads_text_in_progress_polls": 0, "threads_container_final": "FINISHED",
                                          "threads_refresh_min_age_s": 86400}
    audience_kinds: ClassVar[tuple[str, ...]] = ("comments", "replies", "mentions")

    def __init__(self, store: Store, faults: FaultEngine) -> None:
        self._serial = itertools.count(1)  # never reset: ids stay unique across resets
        super().__init__(store, faults)
        self.api = ThreadsApi(self)
        self.oauth = ThreadsOAuth(self)

    def seed(self, store: Store) -> None:
        self.containers: dict[str, Container] = {}
        self.published: dict[tuple[str, str], deque[float]] = {}  # (user, "posts"|"replies") -> publish times
        self.hidden: set[str] = set()
        self.issued: dict[str, float] = {}  # token -> when it was issued (refresh needs 24 h)
        for username, user_id in SEED_ACCOUNTS:
            store.add_account(self.name, username, account_id=user_id)

    def register(self, app: web.Application) -> None:
        for method, path, handler in self.oauth.routes():
            app.router.add_route(method, path, handler)
        app.router.add_get(self.prefix + "/web/@{username}/post/{code}", self.permalink)
        for method, path, handler in self.api.routes():
            app.router.add_route(method, self.prefix + path, handler)

    @sandbox_ui
    async def permalink(self, request: web.Request) -> web.Response:
        post = self.store.get_post(self.name, self.api.media_id(request.match_info["code"]))
        author = self.store.accounts[self.name].get(post.account_id) if post else None
        if post is None or author is None:
            raise web.HTTPNotFound(text="No such Threads post in the sandbox.")
        raise web.HTTPFound(f"{self.feed_path(author)}#p{post.id}")

    # -- ids and accounts -------------------------------------------------------------------

    def next_object_id(self) -> str:
        return f"18{next(self._serial):015d}"

    def profile(self, username: str) -> Account:
        """The profile with this name, created (with a Threads-shaped id) when new."""
        found = self.store.find_account(self.name, username)
        if found is not None:
            return found
        return self.store.add_account(self.name, username, account_id=f"26{next(self._serial):015d}")

    def used(self, user_id: str, kind: str) -> int:
        times = self.published.setdefault((user_id, kind), deque())
        while times and times[0] <= time.time() - WINDOW_S:
            times.popleft()
        return len(times)

    def quota(self, kind: str) -> int:
        name, default = ("threads_reply_quota_total", 1000) if kind == "replies" else ("threads_quota_total", 250)
        try:
            return int(self.faults.switch(name))
        except (TypeError, ValueError):
            return default

    # -- core hooks -------------------------------------------------------------------------

    async def load(self, request: web.Request) -> None:
        await load_params(request)

    def token_value(self, request: web.Request) -> str:
        scheme, _, value = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() == "bearer" and value.strip():
            return value.strip()
        return params(request).get("access_token", "")

    def identify(self, request: web.Request) -> Account | None:
        token = self.store.find_token(self.token_value(request), "access")
        if token is None or token.platform != self.name:
            return None
        return self.store.accounts[self.name].get(token.account_id)

    def fault_response(self, request: web.Request, status: int, reset_at: int | None) -> web.Response:
        code, subcode = STATUS_CODES.get(status, (100, None) if status < 500 else (2, None))
        headers = None
        if reset_at is not None:
            account = self.identify(request)
            headers = throttle_headers(account.id if account else "", max(0, round(reset_at - time.time())))
        return graph_error(code, subcode=subcode, status=status if status >= 500 else None, headers=headers)

    def mint_tokens(self, account: Account, scopes: list[str] | None, expires_in: int | None,
                    client_id: str) -> dict[str, Any]:
        if not account.id.startswith("26"):  # a name the control API just created: give it a Threads id
            del self.store.accounts[self.name][account.id]
            account = self.store.add_account(self.name, account.username, account_id=f"26{next(self._serial):015d}",
                                             name=account.name)
        granted = tuple(scopes) if scopes is not None else DEFAULT_SCOPES
        lifetime = LONG_LIVED_S if expires_in is None else expires_in
        token, _ = self.store.issue_tokens(account, granted, client_id=client_id, expires_in=lifetime,
                                           refresh=False, grant=f"mint:{self.store.ids.next()}")
        self.issued[token.value] = time.time()
        return {"platform": self.name, "account_id": account.id, "username": account.username,
                "access_token": token.value, "token_type": "bearer", "expires_in": lifetime,
                "scope": ",".join(granted)}

    # -- the audience simulator -------------------------------------------------------------

    def make_audience_item(self, kind: str, account: Account, post: Post | None, stranger: tuple[str, str, str],
                           text: str) -> dict[str, Any]:
        """A stranger's reply to our post ("comments"), to another stranger's reply ("replies"), or a
        post of theirs naming our account ("mentions")."""
        author_id, name, handle = stranger
        author = self.store.find_account(self.name, author_id) or self.store.add_account(
            self.name, handle, account_id=author_id, name=name)
        parent = post
        if kind == "replies" and post is not None:
            others = [p for p in self.store.all_posts(self.name)
                      if p.conversation_id == post.id and p.id != post.id and p.account_id != account.id]
            parent = others[0] if others else post
        if kind == "mentions":
            parent, text = None, f"@{account.username} {text}"
        item = Post(platform=self.name, id=self.next_object_id(), account_id=author.id, text=text,
                    request_id="audience", in_reply_to_id=parent.id if parent else None,
                    in_reply_to_account_id=parent.account_id if parent else None,
                    conversation_id=(parent.conversation_id or parent.id) if parent else "")
        item.conversation_id = item.conversation_id or item.id
        self.store.add_post(item)
        self.store.creates.pop()  # the create record counts SMO's API creates, not the audience's
        root = item.conversation_id if parent else ""
        return audience_item(kind, item.id, author.id, name, handle, text, root, item.conversation_id,
                             parent.id if parent else "", item.created_at.isoformat())
