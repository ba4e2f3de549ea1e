"""Web benchmark: the calendar's month feed and the composer's live counter on gunicorn, 20 concurrent clients,
at 1,000 and then 10,000 posts in one workspace (about 800 a month at 10,000: ~1,080 in the grid on screen).

One throwaway database (PostgreSQL: the server of DATABASE_URL, else 127.0.0.1:5432; `--sqlite` for a file in
a temporary directory) is migrated once and grown from one size to the next; one gunicorn (production
settings, DEBUG off, gthread workers with one thread each) serves every run. Per size and endpoint it prints
the queries per request (counted in-process through Django's test client, session and user lookups
included) and the p50/p95 server time: the time inside the worker, reported by this module's WSGI wrapper in
a Server-Timing header, so waiting for a free worker (client-side queueing) is not counted. The clients' own
p95 is printed too. The last line is one JSON object with every figure.

    .venv/bin/python bench/web.py [--quick] [--clients 20] [--seconds 15] [--workers N] [--sizes 1000,10000]
                                  [--only feed|counter] [--sqlite] [--keep-db]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import warnings
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from bench import calendar_feed, common, composer_counter  # noqa: E402

DATABASE = "smo_bench_web"
USERNAME = "bench-web"
SIZES = (1_000, 10_000)
ENDPOINTS = ("feed", "counter")
TARGETS_MS = {"feed": calendar_feed.TARGET_P95_MS, "counter": composer_counter.TARGET_P95_MS}


# -- the server side: gunicorn imports this module and calls `application` -----------------------------------


def _timed(app: Callable) -> Callable:
    def timed(environ: dict, start_response: Callable) -> Iterable[bytes]:
        started = time.perf_counter()

        def start(status: str, headers: list, exc_info: Any = None) -> Any:
            elapsed = (time.perf_counter() - started) * 1000
            return start_response(status, [*headers, ("Server-Timing", f"app;dur={elapsed:.2f}")], exc_info)

        return app(environ, start)

    return timed


_app: Callable | None = None
_app_lock = threading.Lock()


def application(environ: dict, start_response: Callable) -> Iterable[bytes]:
    """gunicorn's entry point (``bench.web:application``): the production WSGI app, timed."""
    global _app
    with _app_lock:
        if _app is None:
            from django.core.wsgi import get_wsgi_application

            _app = _timed(get_wsgi_application())
    return _app(environ, start_response)


# -- the workspace ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Site:
    slug: str
    user_id: int
    channel_ids: list[int]  # X, Facebook, Instagram: the counter's channels
    calendar: calendar_feed.Calendar

    def request(self, endpoint: str, rng: random.Random) -> tuple[str, str, dict[str, Any]]:
        if endpoint == "feed":
            return calendar_feed.feed_request(self.slug, self.calendar)
        return composer_counter.counter_request(self.slug, self.channel_ids, rng)


def seed_site() -> tuple[Site, Any, list[Any]]:
    from django.contrib.auth import get_user_model

    from platforms.models import Channel
    from workspaces.models import Member, Role, Workspace

    workspace = Workspace.objects.create(name="Bench", slug="bench", time_zone="Europe/Berlin")
    user = get_user_model().objects.create_user(USERNAME)
    Member.objects.create(workspace=workspace, user=user, role=Role.MARKETER)
    channels = [Channel.objects.create(workspace=workspace, platform=platform, external_id=f"acct-{i}",
                                       display_name=f"Bench {platform} {i}", credentials={"access_token": "bench"})
                for i, platform in enumerate(("x", "facebook", "instagram", "x"))]
    site = Site(slug=workspace.slug, user_id=user.pk, channel_ids=[c.pk for c in channels[:3]],
                calendar=calendar_feed.calendar_for(datetime.now(UTC).date()))
    return site, workspace, channels


def grow_to(size: int, have: int, workspace: Any, channels: list[Any], due: list[datetime]) -> None:
    """Add posts `have`..`size` of the fixed spread, then refresh the planner's statistics as autovacuum would."""
    from django.db import connection

    calendar_feed.add_posts(workspace, channels, due[have:size])
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


# -- queries per request, in-process -------------------------------------------------------------------------


def queries_per_request(site: Site, endpoint: str) -> tuple[int, int]:
    """(queries, feed events or counter channels) for one request, after a warm-up request."""
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client(SERVER_NAME="127.0.0.1", HTTP_ACCEPT="application/json")  # an allowed host in production
    client.force_login(get_user_model().objects.get(pk=site.user_id))
    method, path, data = site.request(endpoint, random.Random(1))
    call = client.get if method == "GET" else client.post
    call(path, data)  # imports, caches
    with CaptureQueriesContext(connection) as captured:
        response = call(path, data)
    assert response.status_code == 200, (endpoint, response.status_code, response.content[:300])
    body = response.json()
    return len(captured), len(body) if endpoint == "feed" else len(body["channels"])


# -- gunicorn and the clients --------------------------------------------------------------------------------


class Gunicorn:
    def __init__(self, env: dict[str, str], workers: int, threads: int) -> None:
        self.env, self.workers, self.threads = env, workers, threads
        self.url = f"http://127.0.0.1:{env['BENCH_PORT']}"

    def __enter__(self) -> Gunicorn:
        import requests

        # One thread per worker: threads of one process would share the interpreter lock and count each
        # other's work as server time; requests beyond the workers wait in the backlog (client time) instead.
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "bench.web:application", "--bind", self.url.removeprefix("http://"),
             "--workers", str(self.workers), "--worker-class", "gthread", "--threads", str(self.threads),
             "--log-level", "warning"], cwd=REPO, env=self.env)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit("gunicorn exited during start-up")
            try:
                requests.get(self.url + "/login/", timeout=10)
                return self
            except requests.RequestException:
                time.sleep(0.2)
        self.__exit__()
        raise SystemExit("gunicorn did not answer within 60 s")

    def __exit__(self, *exc: object) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()


def client_session(base: str, site: Site) -> Any:
    """A browser-like session: the CSRF cookie from the sign-in page and a signed-in session."""
    import requests
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.test import Client

    session = requests.Session()
    session.get(f"{base}/login/", timeout=30)
    django_client = Client(SERVER_NAME="127.0.0.1")
    django_client.force_login(get_user_model().objects.get(pk=site.user_id))  # no password hashing per client
    session.cookies.set(settings.SESSION_COOKIE_NAME, django_client.cookies[settings.SESSION_COOKIE_NAME].value)
    session.headers.update({"Accept": "application/json", "Referer": base,
                            "X-CSRFToken": session.cookies.get(settings.CSRF_COOKIE_NAME, "")})
    return session


def hammer(base: str, sessions: list[Any], site: Site, endpoint: str, seconds: float) -> dict[str, Any]:
    """Every session sends `endpoint` requests back to back for `seconds`, each from its own thread."""
    results: list[tuple[float, float, int]] = []
    lock = threading.Lock()
    stop_at = time.monotonic() + seconds

    def run(session: Any, seed: int) -> None:
        rng = random.Random(seed)
        while time.monotonic() < stop_at:
            method, path, data = site.request(endpoint, rng)
            began = time.perf_counter()
            response = session.request(method, base + path, **{"params" if method == "GET" else "data": data},
                                       timeout=60)
            client_ms = (time.perf_counter() - began) * 1000
            server_ms = float(response.headers.get("Server-Timing", "app;dur=0").split("dur=")[1])
            with lock:
                results.append((server_ms, client_ms, response.status_code))

    threads = [threading.Thread(target=run, args=(session, n)) for n, session in enumerate(sessions)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    ok = [r for r in results if r[2] == 200]
    server, client = [r[0] for r in ok], [r[1] for r in ok]
    return {"requests": len(results), "errors": len(results) - len(ok), "rps": round(len(results) / seconds, 1),
            "server_p50_ms": round(common.percentile(server, 50), 1),
            "server_p95_ms": round(common.percentile(server, 95), 1),
            "client_p95_ms": round(common.percentile(client, 95), 1)}


# -- the run --------------------------------------------------------------------------------------------------


def label(size: int) -> str:
    return f"{size // 1000}k" if size % 1000 == 0 else str(size)


def measure(server: Gunicorn, sessions: list[Any], site: Site, endpoint: str, args: argparse.Namespace
            ) -> dict[str, Any]:
    queries, shown = queries_per_request(site, endpoint)
    hammer(server.url, sessions[:args.workers * 2], site, endpoint, args.warmup)  # every worker: caches, connection
    figures = hammer(server.url, sessions, site, endpoint, args.seconds)
    return {"queries": queries, ("events" if endpoint == "feed" else "channels"): shown, **figures}


def run(args: argparse.Namespace, env: dict[str, str]) -> dict[str, dict[str, dict[str, Any]]]:
    import django

    warnings.filterwarnings("ignore", "No directory at", UserWarning)  # as PYTHONWARNINGS does for gunicorn
    django.setup()
    from django.db import connections

    site, workspace, channels = seed_site()
    due = calendar_feed.due_times(site.calendar, max(args.sizes))
    results: dict[str, dict[str, dict[str, Any]]] = {endpoint: {} for endpoint in args.only}
    have = 0
    with Gunicorn(env, args.workers, threads=1) as server:
        sessions = [client_session(server.url, site) for _ in range(args.clients)]
        for size in args.sizes:
            grow_to(size, have, workspace, channels, due)
            have = size
            connections.close_all()  # the seeding connection is not needed while the clients run
            for endpoint in args.only:
                results[endpoint][label(size)] = measure(server, sessions, site, endpoint, args)
                print(f"{endpoint:>7} at {size:>6,} posts: {json.dumps(results[endpoint][label(size)])}", flush=True)
    return results


def summary(results: dict[str, dict[str, dict[str, Any]]], args: argparse.Namespace, database: str,
            month: str) -> dict[str, Any]:
    line: dict[str, Any] = {"benchmark": "web"}
    for endpoint, sizes in results.items():
        for name, figures in sizes.items():
            line[f"{endpoint}_p95_ms_{name}"] = figures["server_p95_ms"]
        for name, figures in sizes.items():
            line[f"{endpoint}_queries_{name}"] = figures["queries"]
    for endpoint in results:
        line[f"{endpoint}_target_ms"] = TARGETS_MS[endpoint]
    checks = {endpoint: {"p95_met": all(f["server_p95_ms"] <= TARGETS_MS[endpoint] for f in sizes.values()),
                         "queries_constant": len({f["queries"] for f in sizes.values()}) == 1,
                         "errors": sum(f["errors"] for f in sizes.values())}
              for endpoint, sizes in results.items()}
    line.update({
        "clients": args.clients, "sizes": list(args.sizes), "seconds_per_run": args.seconds,
        "server": f"gunicorn {args.workers} gthread workers x 1 thread", "database": database,
        "month_on_screen": month,
        "posts_per_month_at_largest": round(max(args.sizes) / calendar_feed.SPAN_DAYS * 31),
        **{f"feed_events_{name}": f["events"] for name, f in results.get("feed", {}).items()},
        "errors": sum(c["errors"] for c in checks.values()),
        "queries_constant": all(c["queries_constant"] for c in checks.values()),
        "meets_targets": all(c["p95_met"] and c["queries_constant"] and not c["errors"] for c in checks.values()),
        "details": results,
    })
    return line


def print_report(line: dict[str, Any], results: dict[str, dict[str, dict[str, Any]]]) -> None:
    print(f"\nweb benchmark: {line['clients']} concurrent clients on {line['server']}, {line['database']}, "
          f"{line['seconds_per_run']:g} s per run; server time = inside the worker (Server-Timing)")
    print(f"{'endpoint':<9}{'posts':>8}{'queries':>9}{'p50 ms':>9}{'p95 ms':>9}{'target':>8}{'client p95':>12}"
          f"{'req/s':>8}{'errors':>8}  verdict")
    for endpoint, sizes in results.items():
        target = TARGETS_MS[endpoint]
        for name, f in sizes.items():
            verdict = "PASS" if f["server_p95_ms"] <= target and not f["errors"] else "FAIL"
            print(f"{endpoint:<9}{name:>8}{f['queries']:>9}{f['server_p50_ms']:>9}{f['server_p95_ms']:>9}"
                  f"{target:>8g}{f['client_p95_ms']:>12}{f['rps']:>8}{f['errors']:>8}  {verdict}")
        constant = len({f["queries"] for f in sizes.values()}) == 1
        print(f"{endpoint:<9}queries per request constant as posts grow: {'PASS' if constant else 'FAIL'}")
    print(f"overall: {'PASS' if line['meets_targets'] else 'FAIL'}", flush=True)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=15.0, help="per endpoint and size")
    parser.add_argument("--warmup", type=float, default=2.0, help="seconds per endpoint and size, not measured")
    parser.add_argument("--workers", type=int, default=max(2, os.cpu_count() or 2),
                        help="gunicorn workers (default: one per core, so no worker waits for a core)")
    parser.add_argument("--sizes", default=",".join(map(str, SIZES)), help="post counts, ascending")
    parser.add_argument("--only", choices=ENDPOINTS, action="append", help="measure only this endpoint")
    parser.add_argument("--quick", action="store_true", help="smoke run: 3 s per endpoint and size")
    parser.add_argument("--sqlite", action="store_true", help="SQLite in a temporary directory, not PostgreSQL")
    parser.add_argument("--keep-db", action="store_true")
    args = parser.parse_args(argv)
    args.sizes = sorted({int(s) for s in args.sizes.split(",") if s.strip()})
    args.only = tuple(args.only or ENDPOINTS)
    if args.quick:
        args.seconds, args.warmup = min(args.seconds, 3.0), min(args.warmup, 1.0)
    return args


def web_env(database_url: str) -> dict[str, str]:
    env = common.base_env(DATABASE, "memory://", "{}", "", debug=False)
    port = common.free_port()
    env.update({"DATABASE_URL": database_url, "ALLOWED_HOSTS": "127.0.0.1", "SECURE_COOKIES": "false",  # plain http
                "PUBLIC_BASE_URL": f"http://127.0.0.1:{port}", "BENCH_PORT": str(port), "PYTHONPATH": str(REPO),
                # No collectstatic here: WhiteNoise's warning about it would repeat for every worker.
                "PYTHONWARNINGS": "ignore:No directory at:UserWarning"})
    return env


def in_throwaway_database(args: argparse.Namespace, name: str, run_with: Callable[..., Any],
                          extra_env: dict[str, str] | None = None) -> tuple[Any, str]:
    """Migrate a fresh database (PostgreSQL `name`, or a temporary SQLite file with --sqlite), run
    `run_with(args, env)` against it, and drop it afterwards unless --keep-db. Returns (result, kind)."""
    workdir = Path(tempfile.mkdtemp(prefix=f"smo-bench-{name}-"))
    if args.sqlite:
        env, kind = web_env(f"sqlite:///{workdir / 'bench.sqlite3'}"), "sqlite"
    else:
        common.recreate_database(name)
        env, kind = web_env(common.database_url(name)), "postgresql"
    env.update(extra_env or {})
    os.environ.update(env)
    try:
        common.migrate(env)
        return run_with(args, env), kind
    finally:
        from django.db import connections

        connections.close_all()
        if args.keep_db:
            print(f"kept the database: {env['DATABASE_URL']}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)
            if not args.sqlite:
                common.drop_database(name)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    results, database = in_throwaway_database(args, DATABASE, run)
    month = calendar_feed.calendar_for(datetime.now(UTC).date()).month.isoformat()[:7]
    line = summary(results, args, database, month)
    print_report(line, results)
    print(json.dumps(line))
    return 1 if line["errors"] else 0


if __name__ == "__main__":
    sys.exit(main())
