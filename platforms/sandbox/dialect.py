"""What every platform dialect provides to the sandbox core.

A dialect owns one or more path prefixes (``/x``, ``/x-upload``), seeds its accounts, registers
its routes, names the account behind a request (so faults can target accounts), and knows how
its platform spells an error, because an injected 503 must look like the real platform's 503.
"""

from __future__ import annotations

import json
from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable
from typing import Any, ClassVar

from aiohttp import web

from .faults import FaultEngine
from .state import Account, Store

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def sandbox_ui(handler: Handler) -> Handler:
    """Mark a route as the sandbox's own page (feeds): never faulted, never logged as traffic."""
    handler.sandbox_ui = True  # type: ignore[attr-defined]
    return handler


def json_response(payload: Any, status: int = 200, *, content_type: str = "application/json",
                  headers: dict[str, str] | None = None) -> web.Response:
    # Compact separators, as platform APIs send; content type is explicit because X answers
    # problems as application/problem+json and facebook-sdk breaks without a content type.
    return web.Response(text=json.dumps(payload, separators=(",", ":")), status=status,
                        content_type=content_type, headers=headers)


class Dialect(ABC):
    """Base class for one platform's emulation."""

    name: str = ""
    title: str = ""
    prefixes: tuple[str, ...] = ()
    switches: ClassVar[dict[str, Any]] = {}

    def __init__(self, store: Store, faults: FaultEngine) -> None:
        self.store = store
        self.faults = faults

    @property
    def prefix(self) -> str:
        return self.prefixes[0]

    def feed_path(self, account: Account) -> str:
        return f"{self.prefix}/feed/{account.username}"

    def bind(self, dialects: list[Dialect]) -> None:  # noqa: B027 - optional hook, no-op by default
        """Meet the other dialects before seeding (Instagram shares the Graph host with Facebook)."""

    @abstractmethod
    def seed(self, store: Store) -> None:
        """Create the accounts that exist after every reset."""

    @abstractmethod
    def register(self, app: web.Application) -> None:
        """Add this dialect's routes to ``app``."""

    async def load(self, request: web.Request) -> None:  # noqa: B027 - optional hook, no-op by default
        """Read what ``identify`` needs from the body before it runs (default: nothing).

        ``identify`` is synchronous, but some platforms (Facebook) carry the token in the body.
        """

    @abstractmethod
    def identify(self, request: web.Request) -> Account | None:
        """The account the request acts as (from its credentials), expired tokens included."""

    @abstractmethod
    def fault_response(self, request: web.Request, status: int, reset_at: int | None) -> web.Response:
        """An injected error in the platform's own format (``reset_at`` is set for 429s)."""

    @abstractmethod
    def mint_tokens(self, account: Account, scopes: list[str] | None, expires_in: int | None,
                    client_id: str) -> dict[str, Any]:
        """Credentials for the control API's ``POST /_sandbox/tokens``."""
