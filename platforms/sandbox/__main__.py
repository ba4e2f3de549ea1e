"""``python -m platforms.sandbox [--host 127.0.0.1] [--port 8100]``.

Prints exactly one line to stdout once listening - ``SANDBOX_READY http://<host>:<port>`` -
so a parent process can wait for it; everything else (logs) goes to stderr.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import os
import signal
import sys

from aiohttp import web

from .app import create_app

# Hundreds of clients connect at once in the concurrency tests; the default backlog of 128
# would make the surplus wait for SYN retransmits (a full second each).
LISTEN_BACKLOG = 1024


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m platforms.sandbox", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8100, help="0 picks a free port")
    parser.add_argument("--watch-parent", action="store_true",
                        help="exit when the parent process dies (used by SandboxProcess)")
    parser.add_argument("--log-level", default="WARNING")
    return parser.parse_args(argv)


async def serve(host: str, port: int, *, watch_parent: bool = False) -> None:
    runner = web.AppRunner(create_app(), access_log=None, shutdown_timeout=1.0)
    await runner.setup()
    site = web.TCPSite(runner, host, port, backlog=LISTEN_BACKLOG)
    await site.start()
    bound_port = runner.addresses[0][1]
    shown_host = "127.0.0.1" if host in ("", "0.0.0.0") else host
    if ":" in shown_host:
        shown_host = f"[{shown_host}]"
    print(f"SANDBOX_READY http://{shown_host}:{bound_port}", flush=True)

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    watcher = asyncio.create_task(_watch_parent(stop)) if watch_parent else None
    try:
        await stop.wait()
    finally:
        if watcher:
            watcher.cancel()
        await runner.cleanup()


async def _watch_parent(stop: asyncio.Event) -> None:
    """A test run killed with SIGKILL cannot stop its sandbox; notice the re-parenting instead."""
    parent = os.getppid()
    while os.getppid() == parent:
        await asyncio.sleep(1.0)
    stop.set()


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    logging.basicConfig(level=args.log_level.upper(), stream=sys.stderr,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve(args.host, args.port, watch_parent=args.watch_parent))


if __name__ == "__main__":
    main()
