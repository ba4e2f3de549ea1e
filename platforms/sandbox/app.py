"""The sandbox core: app factory, per-request fault handling and the request record.

One :class:`Sandbox` holds the shared :class:`~.state.Store`, the :class:`~.faults.FaultEngine`
and the dialects. Every request under a dialect's prefix passes through
:func:`fault_middleware`, which records it, asks the fault engine what to do and then delays,
fails, answers normally or applies-then-drops it. The sandbox's own pages and the control API
(``/_sandbox/``) are never faulted.
"""

from __future__ import annotations

import asyncio
import secrets
import time
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from .audience import register_audience
from .bluesky import BlueskyDialect
from .control import register_control
from .dialect import Dialect, Handler
from .facebook import FacebookDialect
from .faults import Decision, FaultEngine
from .feeds import register_pages
from .instagram import InstagramDialect
from .linkedin import LinkedInDialect
from .mastodon import MastodonDialect
from .pinterest import PinterestDialect
from .snapchat import SnapchatDialect
from .state import Store, iso_z, utcnow
from .threads import ThreadsDialect
from .tiktok import TikTokDialect
from .x import XDialect
from .youtube import YouTubeDialect

# Later issues add LinkedIn, … here; order is the index page's order and the route order:
# Instagram's Graph routes (distinct id shapes) must come before Facebook's catch-alls.
DIALECT_CLASSES: tuple[type[Dialect], ...] = (XDialect, InstagramDialect, FacebookDialect, MastodonDialect,
                                                 BlueskyDialect, TikTokDialect, ThreadsDialect,
                                                 LinkedInDialect, PinterestDialect, SnapchatDialect, YouTubeDialect)


@dataclass
class Sandbox:
    store: Store
    faults: FaultEngine
    dialects: list[Dialect]

    def dialect(self, name: str) -> Dialect | None:
        return next((d for d in self.dialects if d.name == name), None)

    def route(self, path: str) -> tuple[Dialect | None, str]:
        """The dialect owning ``path`` and the path relative to its prefix (``/2/tweets``).

        The longest prefix wins: ``/facebook/instagram`` is Instagram's, the rest of ``/facebook`` Facebook's."""
        owners = [(prefix, dialect) for dialect in self.dialects for prefix in dialect.prefixes
                  if path == prefix or path.startswith(prefix + "/")]
        if not owners:
            return None, path
        prefix, dialect = max(owners, key=lambda owner: len(owner[0]))
        return dialect, path[len(prefix):] or "/"


SANDBOX = web.AppKey("sandbox", Sandbox)


def build_sandbox() -> Sandbox:
    store = Store()
    switches: dict[str, Any] = {}
    for cls in DIALECT_CLASSES:
        switches.update(cls.switches)
    faults = FaultEngine(switches, platforms={cls.name for cls in DIALECT_CLASSES})
    dialects = [cls(store, faults) for cls in DIALECT_CLASSES]
    for dialect in dialects:
        dialect.bind(dialects)
    for dialect in dialects:
        store.add_seeder(dialect.seed)
    return Sandbox(store, faults, dialects)


def create_app(sandbox: Sandbox | None = None) -> web.Application:
    sandbox = sandbox or build_sandbox()
    app = web.Application(middlewares=[fault_middleware], client_max_size=64 * 1024 * 1024)
    app[SANDBOX] = sandbox
    register_control(app, sandbox)
    register_audience(app, sandbox)
    register_pages(app, sandbox)  # before the dialects' catch-all routes
    for dialect in sandbox.dialects:
        dialect.register(app)
    return app


@web.middleware
async def fault_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    sandbox = request.app[SANDBOX]
    request["request_id"] = secrets.token_hex(8)
    dialect, path = sandbox.route(request.path)
    if dialect is None or getattr(request.match_info.handler, "sandbox_ui", False):
        return await handler(request)
    await dialect.load(request)
    account = dialect.identify(request)
    decision = sandbox.faults.decide(dialect.name, request.method, path, account)
    record: dict[str, Any] = {
        "request_id": request["request_id"], "time": iso_z(utcnow()), "method": request.method,
        "platform": dialect.name, "path": path, "url_path": request.path, "query": request.query_string,
        "account": account.username if account else None, "status": None, "fault": decision.label,
        "duration_ms": None,
    }
    sandbox.store.requests.append(record)  # appended first so in-flight requests are visible
    started = time.monotonic()
    try:
        response = await _perform(request, handler, dialect, decision, record)
        if not record.get("dropped"):
            record["status"] = response.status
        return response
    except web.HTTPException as exc:
        record["status"] = exc.status
        raise
    finally:
        record["duration_ms"] = round((time.monotonic() - started) * 1000, 1)


async def _perform(request: web.Request, handler: Handler, dialect: Dialect, decision: Decision,
                   record: dict[str, Any]) -> web.StreamResponse:
    if decision.latency_s:
        await asyncio.sleep(decision.latency_s)  # never time.sleep: other requests keep flowing
    if decision.rate_limited_reset is not None:
        return dialect.fault_response(request, 429, decision.rate_limited_reset)
    if decision.error_status is not None:
        return dialect.fault_response(request, decision.error_status, None)  # not applied
    response = await handler(request)
    if decision.hang_s is None:
        return response
    # Applied, then the answer never comes: hold past the client's read timeout and close the
    # connection. aiohttp then fails to write the response and quietly drops it.
    record.update(dropped=True, applied_status=response.status)
    await asyncio.sleep(decision.hang_s)
    if request.transport is not None:
        request.transport.close()
    return response
