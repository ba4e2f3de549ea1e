"""A dispatcher process the harness drives: ``python -m tests.harness.dispatcher_main``.

``--loop`` ticks ``dispatch_due(now)`` every ``--interval`` seconds (beat's cadence) and
``reconcile_unknown(now)`` every ``--reconcile-interval``. Without ``--loop`` it reads one JSON command
per line on stdin (``{"op": "dispatch", "now": "<iso>", "at": <epoch>}``) and answers one line on
stdout prefixed with ``@@REPLY``, so a test can tick the engine at a chosen instant, or make two
processes dispatch at the same wall-clock moment.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import time
import traceback
from datetime import datetime
from typing import Any

REPLY = "@@REPLY "
log = logging.getLogger("harness.dispatcher")


def _setup() -> None:
    import django

    django.setup()


def _now(value: str | None) -> datetime:
    from django.utils import timezone

    return datetime.fromisoformat(value) if value else timezone.now()


def run_op(op: str, now: datetime) -> Any:
    from django.db import connection

    from tests.harness.engine import engine_function

    name = {"dispatch": "dispatch_due", "reconcile": "reconcile_unknown"}[op]
    try:
        return engine_function(name)(now)
    except Exception:
        connection.close()  # a cut connection must not poison the next tick
        raise


def serve() -> None:
    print(REPLY + json.dumps({"ready": True}), flush=True)
    for line in sys.stdin:
        if not line.strip():
            continue
        command = json.loads(line)
        if command.get("at"):
            time.sleep(max(0.0, command["at"] - time.time()))
        try:
            result = run_op(command["op"], _now(command.get("now")))
            reply = {"ok": True, "result": _jsonable(result), "t": time.time()}
        except Exception as exc:  # reported to the driving test, which decides
            reply = {"ok": False, "error": f"{type(exc).__name__}: {exc}", "trace": traceback.format_exc()}
        print(REPLY + json.dumps(reply, default=str), flush=True)


def loop(interval: float, reconcile_interval: float) -> None:
    # Printed, not logged: the harness waits for it whatever LOG_LEVEL is.
    print(f"dispatcher loop ready: every {interval:.2f}s, reconcile every {reconcile_interval:.2f}s",
          file=sys.stderr, flush=True)
    next_reconcile = time.monotonic()
    while True:
        started = time.monotonic()
        _tick("dispatch")
        if reconcile_interval > 0 and started >= next_reconcile:
            _tick("reconcile")
            next_reconcile = started + reconcile_interval
        time.sleep(max(0.0, interval - (time.monotonic() - started)))


def _tick(op: str) -> None:
    try:
        result = run_op(op, _now(None))
        if result:
            log.info("%s -> %s", op, _jsonable(result))
    except Exception:
        log.exception("%s tick failed", op)


def _jsonable(result: Any) -> Any:
    if isinstance(result, int | str | float | bool) or result is None:
        return result
    if isinstance(result, list | tuple | set):
        return len(result)
    if isinstance(result, dict):
        return {str(k): _jsonable(v) for k, v in result.items()}
    return repr(result)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--loop", action="store_true")
    parser.add_argument("--interval", type=float, default=1.0)
    parser.add_argument("--reconcile-interval", type=float, default=1.0)
    args = parser.parse_args()
    _setup()
    if args.loop:
        loop(args.interval, args.reconcile_interval)
    else:
        serve()


if __name__ == "__main__":
    main()
