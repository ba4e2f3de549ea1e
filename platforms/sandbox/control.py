"""The control API under ``/_sandbox/``: JSON in, JSON out, for tests and benchmarks.

=========================  ===============================================================
``GET  /_sandbox/health``  ``{"ok": true}``
``POST /_sandbox/reset``   everything back to the seeded state (faults cleared too)
``GET|POST|DELETE /_sandbox/faults``  read / replace / clear the fault configuration
``POST /_sandbox/tokens``  mint credentials ``{"platform","account","scopes"?,"expires_in"?}``
``POST /_sandbox/tokens/expire``  ``{"platform","account"|"token","revoke_refresh"?}``
``GET  /_sandbox/creates`` every create applied since reset (``?platform=&account=``)
``GET  /_sandbox/stats``   ``{"creates","duplicates","by_platform"}``
``GET  /_sandbox/requests`` recent platform requests (``?limit=&platform=``), oldest first
``GET|POST /_sandbox/accounts``  list (``?platform=``) / create ``{"platform","username"}``
``POST /_sandbox/clients`` register ``{"platform","client_id","client_secret"}`` so the
                           token endpoint checks that secret (unregistered: any secret works)
=========================  ===============================================================
"""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, Any

from aiohttp import web

from .dialect import Dialect, json_response
from .faults import FaultConfigError
from .state import Account

if TYPE_CHECKING:
    from .app import Sandbox

USERNAME = re.compile(r"^@?[A-Za-z0-9_.]{1,30}$")


class ControlError(Exception):
    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


def register_control(app: web.Application, sandbox: Sandbox) -> None:
    control = Control(sandbox)
    routes = [
        ("GET", "/health", control.health), ("POST", "/reset", control.reset),
        ("GET", "/faults", control.get_faults), ("POST", "/faults", control.set_faults),
        ("DELETE", "/faults", control.clear_faults), ("POST", "/tokens", control.mint),
        ("POST", "/tokens/expire", control.expire), ("GET", "/creates", control.creates),
        ("GET", "/stats", control.stats), ("GET", "/requests", control.requests),
        ("GET", "/accounts", control.accounts), ("POST", "/accounts", control.add_account),
        ("POST", "/clients", control.add_client),
    ]
    for method, path, handler in routes:
        app.router.add_route(method, "/_sandbox" + path, _guarded(handler))


def _guarded(handler: Any) -> Any:
    async def wrapper(request: web.Request) -> web.Response:
        try:
            return await handler(request)
        except ControlError as exc:
            return json_response({"error": str(exc)}, exc.status)

    return wrapper


class Control:
    def __init__(self, sandbox: Sandbox) -> None:
        self.sandbox = sandbox
        self.store = sandbox.store

    async def health(self, request: web.Request) -> web.Response:
        return json_response({"ok": True})

    async def reset(self, request: web.Request) -> web.Response:
        self.store.reset()
        self.sandbox.faults.clear()
        return json_response({"ok": True})

    async def get_faults(self, request: web.Request) -> web.Response:
        return json_response(self.sandbox.faults.describe())

    async def set_faults(self, request: web.Request) -> web.Response:
        body = await _json(request)  # an object, or a bare list of rules
        try:
            return json_response(self.sandbox.faults.configure(body))
        except FaultConfigError as exc:
            raise ControlError(str(exc)) from None

    async def clear_faults(self, request: web.Request) -> web.Response:
        self.sandbox.faults.clear()
        return json_response(self.sandbox.faults.describe())

    async def mint(self, request: web.Request) -> web.Response:
        body = await _body(request)
        dialect = self._dialect(body.get("platform"))
        account = self._account(dialect, body.get("account"), create=True)
        scopes, expires_in = body.get("scopes"), body.get("expires_in")
        if scopes is not None and not (isinstance(scopes, list) and all(isinstance(s, str) for s in scopes)):
            raise ControlError("scopes must be a list of strings")
        if expires_in is not None and (not isinstance(expires_in, int) or isinstance(expires_in, bool)):
            raise ControlError("expires_in must be an integer number of seconds (negative: already expired)")
        client_id = str(body.get("client_id") or "sandbox-client")
        try:
            return json_response(dialect.mint_tokens(account, scopes, expires_in, client_id))
        except ValueError as exc:
            raise ControlError(str(exc)) from None

    async def expire(self, request: web.Request) -> web.Response:
        body = await _body(request)
        dialect = self._dialect(body.get("platform"))
        token = body.get("token")
        if not body.get("account") and not token:
            raise ControlError("give 'account' (username or id) or 'token'")
        account = self._account(dialect, body["account"], create=False) if body.get("account") else None
        count = self.store.expire_tokens(dialect.name, account_id=account.id if account else None,
                                         value=token, revoke_refresh=bool(body.get("revoke_refresh")))
        return json_response({"expired": count})

    async def creates(self, request: web.Request) -> web.Response:
        platform, account = request.query.get("platform"), request.query.get("account")
        records = [
            {k: v for k, v in record.items() if k != "fingerprint"}
            for record in self.store.creates
            if (not platform or record["platform"] == platform)
            and (not account or account.lstrip("@").lower() in (record["account_id"], record["username"].lower()))
        ]
        return json_response(records)

    async def stats(self, request: web.Request) -> web.Response:
        return json_response(self.store.stats())

    async def requests(self, request: web.Request) -> web.Response:
        raw_limit = request.query.get("limit", "100")
        if not raw_limit.isdigit():
            raise ControlError("limit must be a positive integer")
        platform = request.query.get("platform")
        records = [r for r in self.store.requests if not platform or r["platform"] == platform]
        return json_response(records[-int(raw_limit):] if int(raw_limit) else [])

    async def accounts(self, request: web.Request) -> web.Response:
        platform = request.query.get("platform")
        return json_response([
            account.summary()
            for name, accounts in self.store.accounts.items() if not platform or name == platform
            for account in accounts.values()
        ])

    async def add_account(self, request: web.Request) -> web.Response:
        body = await _body(request)
        dialect = self._dialect(body.get("platform"))
        account = self._account(dialect, body.get("username"), create=True)
        if body.get("name"):
            account.name = str(body["name"])
        return json_response(account.summary())

    async def add_client(self, request: web.Request) -> web.Response:
        body = await _body(request)
        dialect = self._dialect(body.get("platform"))
        client_id, secret = body.get("client_id"), body.get("client_secret")
        if not isinstance(client_id, str) or not client_id or not isinstance(secret, str) or not secret:
            raise ControlError("client_id and client_secret must be non-empty strings")
        self.store.clients[dialect.name][client_id] = secret
        return json_response({"platform": dialect.name, "client_id": client_id})

    def _dialect(self, name: Any) -> Dialect:
        dialect = self.sandbox.dialect(name) if isinstance(name, str) else None
        if dialect is None:
            known = [d.name for d in self.sandbox.dialects]
            raise ControlError(f"unknown platform {name!r}; known: {known}")
        return dialect

    def _account(self, dialect: Dialect, ref: Any, *, create: bool) -> Account:
        if not isinstance(ref, str) or not USERNAME.match(ref):
            raise ControlError("account must be a username (letters, digits, _ or .) or an id")
        account = self.store.find_account(dialect.name, ref)
        if account is None and create:
            account = self.store.add_account(dialect.name, ref.lstrip("@"))
        if account is None:
            raise ControlError(f"no {dialect.name} account {ref!r}", 404)
        return account


async def _json(request: web.Request) -> Any:
    try:
        return json.loads(await request.read() or b"{}")
    except ValueError:
        raise ControlError("the body must be JSON") from None


async def _body(request: web.Request) -> dict[str, Any]:
    body = await _json(request)
    if not isinstance(body, dict):
        raise ControlError("the body must be a JSON object")
    return body
