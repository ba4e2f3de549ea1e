"""Publish burst benchmark (``make bench``): SMO against PostgreSQL, Redis and the sandbox.

Phases, in one run:
1. burst: N deliveries over C channels all due at one instant, drained by one publish worker (a
   thread pool) fed by a dispatcher ticking at beat's cadence (or real beat with ``--beat``);
2. precision: P deliveries due evenly over S seconds, on the same processes;
3. limit: the same N creates from a bare ThreadPoolExecutor straight to the sandbox;
4. naive: the same N creates as one ETA task per post on a prefork pool (``bench/naive_app.py``).
Every create has 300 ms ± 100 ms latency. The last line printed is one JSON object.

    .venv/bin/python bench/publish_burst.py [--quick]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

import redis  # noqa: E402

from bench import common  # noqa: E402
from bench.report import print_report  # noqa: E402
from tests.harness.redis_server import RedisServer, redis_server_available  # noqa: E402


@dataclass
class Profile:
    n: int
    channels: int
    threads: int
    precision_n: int
    precision_span_s: float
    database: str
    redis_db: int
    naive_redis_db: int
    timeout_s: float


FULL = Profile(2000, 20, 64, 60, 60.0, "smo_bench", 14, 11, 120.0)
QUICK = Profile(200, 20, 64, 10, 10.0, "smo_bench_quick", 13, 10, 60.0)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="smoke run: n=200, precision 10 over 10 s")
    parser.add_argument("--n", type=int, help="burst size (a multiple of --channels)")
    parser.add_argument("--channels", type=int)
    parser.add_argument("--threads", type=int, help="publish worker threads (capped by PostgreSQL headroom)")
    parser.add_argument("--beat", action="store_true", help="real celery beat instead of the dispatcher loop")
    parser.add_argument("--workers", type=int, default=2,
                        help="publish worker processes sharing --threads (default 2: one per core, as compose deploys)")
    parser.add_argument("--prefetch", type=int, help="worker prefetch multiplier (default: the settings' value)")
    parser.add_argument("--skip-precision", action="store_true", help="leave out the 60 s precision phase")
    parser.add_argument("--skip-naive", action="store_true", help="leave out the (slow) naive baseline")
    parser.add_argument("--debug", action="store_true", help="run the processes with DEBUG=true (slower)")
    parser.add_argument("--keep-db", action="store_true", help="keep the benchmark database afterwards")
    return parser.parse_args()


def profile_for(args: argparse.Namespace) -> Profile:
    chosen = {name: getattr(args, name) for name in ("n", "channels", "threads") if getattr(args, name)}
    return replace(QUICK if args.quick else FULL, **chosen)


def capped_threads(wanted: int) -> tuple[int, str]:
    """Keep the worker's connections (one per thread at most) well under max_connections."""
    limit, used = common.connection_headroom()
    threads = max(4, min(wanted, limit - used - 15))
    return threads, f"max_connections={limit}, in use before the run={used}, worker threads={threads}"


def brokers(profile: Profile, workdir: Path) -> tuple[str, str, RedisServer | None]:
    """A redis-server of the run's own on a free port (no other run on the machine can take its
    messages); without the binary, numbered databases on the shared 127.0.0.1:6379."""
    if redis_server_available():
        server = RedisServer(workdir).start()
        return server.url, server.url.replace("/0", "/1"), server
    urls = [f"redis://127.0.0.1:6379/{db}" for db in (profile.redis_db, profile.naive_redis_db)]
    for url in urls:
        redis.Redis.from_url(url).flushdb()
    return urls[0], urls[1], None


def main() -> int:
    args = parse_args()
    profile = profile_for(args)
    # Unique per run, so two runs on one machine (a smoke test beside `make bench`) never collide.
    profile = replace(profile, database=f"{profile.database}_{os.getpid()}")
    threads, connections = capped_threads(profile.threads)
    workdir = Path(tempfile.mkdtemp(prefix="smo-bench-"))
    from platforms.sandbox.testing import SandboxProcess

    broker, naive_broker, server = brokers(profile, workdir)
    try:
        with SandboxProcess() as sandbox:
            sandbox.set_faults(common.bench_faults())
            results = run_in_database(sandbox, profile, threads, workdir, broker, naive_broker, args)
    finally:
        if server is not None:
            server.stop()
    results["connections"] = connections
    return print_report(results, quick=args.quick)


def run_in_database(sandbox: Any, profile: Profile, threads: int, workdir: Path, broker: str, naive_broker: str,
                    args: argparse.Namespace) -> dict[str, Any]:
    env = common.base_env(profile.database, broker, json.dumps(sandbox.origins()), sandbox.base_url,
                          debug=args.debug)
    shared = ("DEBUG", "DATABASE_URL", "CELERY_BROKER_URL", "PLATFORM_ORIGINS", "SANDBOX_URL",
              "DJANGO_SETTINGS_MODULE", "SECRET_KEY", "FIELD_ENCRYPTION_KEYS")
    os.environ.update({k: env[k] for k in shared if k in env})
    os.environ["NAIVE_BROKER_URL"] = naive_broker
    common.recreate_database(profile.database)
    try:
        common.migrate(env)
        from bench.run import run_all

        return run_all(sandbox, profile, threads, workdir, env, broker, naive_broker, args)
    finally:
        from django.db import connections as django_connections

        django_connections.close_all()
        if not args.keep_db:
            common.drop_database(profile.database)


if __name__ == "__main__":
    sys.exit(main())
