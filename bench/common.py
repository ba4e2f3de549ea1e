"""Shared pieces of the benchmarks: the throwaway database, the sandbox, statistics, RSS, a free port."""

from __future__ import annotations

import os
import secrets
import socket
import subprocess
import sys
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

import psycopg2
from cryptography.fernet import Fernet

REPO = Path(__file__).resolve().parents[1]


def _server() -> dict[str, Any]:
    """The PostgreSQL server of DATABASE_URL when it names one, else the machine's local one."""
    url = urlsplit(os.environ.get("DATABASE_URL", ""))
    if url.scheme not in ("postgres", "postgresql", "pgsql"):
        return {"host": "127.0.0.1", "port": 5432, "user": "postgres"}
    server = {"host": url.hostname or "127.0.0.1", "port": url.port or 5432, "user": url.username or "postgres"}
    if url.password:
        server["password"] = url.password
    return server


PG = _server()
POST_LATENCY = {"mean": 300, "jitter": 100}
NO_QUOTAS = {"POST /2/tweets": 1_000_000, "user-24h": 1_000_000, "app-24h": 1_000_000}


def database_url(name: str) -> str:
    auth = PG["user"] + (f":{quote(PG['password'])}" if "password" in PG else "")
    return f"postgres://{auth}@{PG['host']}:{PG['port']}/{name}"


def pg_scalar(sql: str, dbname: str = "postgres") -> object:
    conn = psycopg2.connect(dbname=dbname, **PG)
    conn.autocommit = True
    try:
        with conn.cursor() as cur:
            cur.execute(sql)
            return cur.fetchone()[0] if cur.description else None
    finally:
        conn.close()


def recreate_database(name: str) -> None:
    pg_scalar(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    pg_scalar(f'CREATE DATABASE "{name}"')


def drop_database(name: str) -> None:
    pg_scalar(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def connection_headroom() -> tuple[int, int]:
    """(max_connections, connections in use right now by anyone on the server)."""
    limit = int(str(pg_scalar("SHOW max_connections")))
    used = int(str(pg_scalar("SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend'")))
    return limit, used


def migrate(env: dict[str, str]) -> None:
    subprocess.run([sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"], cwd=REPO, env=env, check=True)


def bench_faults() -> dict[str, object]:
    """300 ms ± 100 ms on every create, no duplicate-content 403 (doubles must be counted, not
    refused) and no per-user quotas (they would cap the burst, which is not what is measured)."""
    return {
        "rules": [{"platform": "x", "match": "POST /2/tweets", "latency_ms": POST_LATENCY}],
        "x_duplicate_check": False,
        "x_rate_limits": NO_QUOTAS,
    }


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def percentile(values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100); 0.0 for no values."""
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = max(1, min(len(ordered), round(q / 100 * len(ordered) + 0.5)))
    return ordered[rank - 1]


@dataclass
class RssSampler:
    """Samples a callable's MB figure every ``interval`` seconds in a thread and keeps the peak."""

    sample: Callable[[], float]
    interval: float = 0.2
    peak_mb: float = 0.0
    _stop: threading.Event = field(default_factory=threading.Event)

    def __enter__(self) -> RssSampler:
        threading.Thread(target=self._run, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak_mb = max(self.peak_mb, float(self.sample()))
            self._stop.wait(self.interval)


def base_env(db_name: str, broker_url: str, origins_json: str, sandbox_url: str, *, debug: bool) -> dict[str, str]:
    """The processes' environment. Without ``debug`` it is a production configuration (DEBUG off, so
    no per-query bookkeeping) with throwaway secrets that exist only for this run."""
    env = dict(os.environ)
    env.update({"DEBUG": "true" if debug else "false", "DATABASE_URL": database_url(db_name),
                "CELERY_BROKER_URL": broker_url, "PLATFORM_ORIGINS": origins_json, "SANDBOX_URL": sandbox_url,
                "DJANGO_SETTINGS_MODULE": "smo.settings", "LOG_LEVEL": "WARNING"})
    if not debug:
        env["SECRET_KEY"] = secrets.token_urlsafe(50)
        env["FIELD_ENCRYPTION_KEYS"] = Fernet.generate_key().decode()
    return env
