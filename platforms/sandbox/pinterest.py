"""The Pinterest dialect (API v5, reference §6): ``/pinterest`` plays api.pinterest.com and
www.pinterest.com, ``/pinterest-upload`` the S3 bucket video uploads go to.

- OAuth: consent page ``GET /pinterest/oauth/`` (Approve/Deny), ``POST /pinterest/v5/oauth/token`` with
  HTTP Basic client auth (``authorization_code``, ``refresh_token``; the refresh token is kept unless the
  switch ``pinterest_rotate_refresh`` is on, as for apps on continuous refresh) — pinterest_oauth.py.
- API (Bearer): ``GET /v5/user_account``, ``GET /v5/boards`` and ``/v5/boards/{id}/pins`` (bookmark pages),
  ``POST /v5/pins`` (``image_url``, ``multiple_image_urls`` 2-5, ``video_id``), ``GET /v5/pins``,
  ``GET /v5/pins/{id}``, ``POST /v5/media`` + the S3 form upload + ``GET /v5/media/{id}`` — pinterest_api.py.
- Errors are ``{"code", "message"}``; every authenticated answer carries ``X-RateLimit-Limit``,
  ``-Remaining`` and ``-Reset`` (seconds to the window's end), a 429 also ``Retry-After``. Code 2
  (authentication) and 29 (rate limit) follow Pinterest; the other codes are the sandbox's own.
- Pages: ``/pinterest/boards/{username}`` shows an account's Pins per board; ``/pinterest/pin/{id}/``
  (a Pin's permalink) leads there.

Switches: ``pinterest_media_processing_polls`` (status reads answering ``processing`` after an upload,
default 1), ``pinterest_media_final`` (``succeeded`` or ``failed``), ``pinterest_requests_per_minute``
(per account, default 1000), ``pinterest_rotate_refresh`` (default false).
"""

from __future__ import annotations

import time
from typing import Any, ClassVar

from aiohttp import web

from .dialect import Dialect
from .faults import FaultEngine
from .pinterest_api import PinterestApi
from .pinterest_common import (
    ACCESS_LIFETIME_S,
    DEFAULT_SCOPES,
    NEW_ACCOUNT_BOARDS,
    SEED_ACCOUNTS,
    SEED_BOARDS,
    WINDOW_S,
    Board,
    Media,
    PinInfo,
    error,
    rate_headers,
)
from .pinterest_oauth import PinterestOAuth
from .state import Account, Store


class PinterestDialect(Dialect):
    name = "pinterest"
    title = "Pinterest"
    prefixes = ("/pinterest", "/pinterest-upload")
    switches: ClassVar[dict[str, Any]] = {"pinterest_media_processing_polls": 1, "pinterest_media_final": "succeeded",
                                          "pinterest_requests_per_minute": 1000, "pinterest_rotate_refresh": False}

    def __init__(self, store: Store, faults: FaultEngine) -> None:
        super().__init__(store, faults)
        self.api = PinterestApi(self)
        self.oauth = PinterestOAuth(self)

    def seed(self, store: Store) -> None:
        self.boards: dict[str, Board] = {}
        self.media: dict[str, Media] = {}
        self.pins: dict[str, PinInfo] = {}
        for username, account_id, name in SEED_ACCOUNTS:
            account = store.add_account(self.name, username, account_id=account_id, name=name)
            for board_id, board_name in SEED_BOARDS.get(username, ()):
                self.boards[board_id] = Board(board_id, account.id, board_name)

    def register(self, app: web.Application) -> None:
        for method, path, handler in [*self.oauth.routes(), *self.api.routes()]:
            app.router.add_route(method, path, handler)

    def feed_path(self, account: Account) -> str:
        return f"{self.prefix}/boards/{account.username}"

    # -- ids, accounts and boards -------------------------------------------------------------

    def next_id(self) -> str:
        """Numeric ids, unique across resets and kinds, like Pinterest's Pin, board and media ids."""
        return self.store.ids.next()

    def account(self, ref: str) -> Account:
        """An existing account, or a new one with the default boards (a name typed on the consent page)."""
        account = self.store.find_account(self.name, ref)
        if account is None:
            account = self.store.add_account(self.name, ref.lstrip("@"), account_id=self.next_id())
            self.give_default_boards(account)
        return account

    def give_default_boards(self, account: Account) -> None:
        if self.boards_of(account.id) or account.username in SEED_BOARDS:
            return
        for board_name in NEW_ACCOUNT_BOARDS:
            board = Board(self.next_id(), account.id, board_name)
            self.boards[board.id] = board

    def boards_of(self, account_id: str) -> list[Board]:
        return sorted((b for b in self.boards.values() if b.account_id == account_id), key=lambda b: b.id)

    # -- core hooks ---------------------------------------------------------------------------

    def identify(self, request: web.Request) -> Account | None:
        scheme, _, value = request.headers.get("Authorization", "").partition(" ")
        token = self.store.find_token(value.strip(), "access") if scheme.lower() == "bearer" else None
        if token is None or token.platform != self.name:
            return None
        return self.store.accounts[self.name].get(token.account_id)

    def caller(self, request: web.Request) -> tuple[Account | None, web.Response | None, dict[str, str]]:
        """The calling account and the rate headers, or the 401/429 answer to give instead."""
        scheme, _, value = request.headers.get("Authorization", "").partition(" ")
        token = self.store.find_token(value.strip(), "access") if scheme.lower() == "bearer" else None
        account = self.identify(request)
        if token is None or account is None or not token.is_active(time.time()):
            return None, error(401), {}
        limit = int(self.faults.switch("pinterest_requests_per_minute") or 1000)
        state = self.store.hit_window((self.name, account.id), limit, WINDOW_S)
        headers = rate_headers(state.limit, state.remaining, state.reset)
        if not state.allowed:
            return None, error(429, headers=headers), headers
        return account, None, headers

    def fault_response(self, request: web.Request, status: int, reset_at: int | None) -> web.Response:
        if status == 429:
            reset = reset_at or int(time.time()) + WINDOW_S
            return error(429, headers=rate_headers(0, 0, reset))
        return error(status)

    def mint_tokens(self, account: Account, scopes: list[str] | None, expires_in: int | None,
                    client_id: str) -> dict[str, Any]:
        self.give_default_boards(account)  # an account the control API just created has none yet
        granted = tuple(scopes) if scopes is not None else DEFAULT_SCOPES
        lifetime = ACCESS_LIFETIME_S if expires_in is None else expires_in
        access, refresh = self.store.issue_tokens(account, granted, client_id=client_id, expires_in=lifetime,
                                                  refresh=True, grant=f"mint:{self.store.ids.next()}")
        return {"platform": self.name, "account_id": account.id, "username": account.username,
                **self.oauth.token_payload(access.value, refresh.value if refresh else "", granted, lifetime,
                                           "authorization_code")}
