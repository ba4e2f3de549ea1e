"""Calendar feed benchmark: the month grid's feed with 1,000 and then 10,000 posts, 20 concurrent clients.

SMO runs under gunicorn (sync workers, production settings: DEBUG off) on a throwaway PostgreSQL database.
The workspace's posts are spread evenly, about 800 a month, so the 10,000-post run has a full month on
screen (the 6-week grid FullCalendar asks for holds ~1,080). For each size it prints the feed's queries per
request (counted in-process) and the p50/p95 server time from gunicorn's access log (%(D)s: time spent in
the worker, without the wait for a free worker), plus what the clients saw. The last line is one JSON object.

    .venv/bin/python bench/calendar_feed.py [--clients 20] [--seconds 15] [--workers 4] [--quick]
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

import requests  # noqa: E402

from bench import common  # noqa: E402

DATABASE = "smo_bench_calendar"
SIZES = (1_000, 10_000)
PER_DAY = 800 / 31
TARGET_P95_MS = 150.0


def wsgi_app() -> Any:
    """gunicorn's entry point (``bench.calendar_feed:wsgi_app()``): the production WSGI app."""
    import django
    from django.core.wsgi import get_wsgi_application

    django.setup()
    return get_wsgi_application()


def month_grid(first: date) -> dict[str, str]:
    """The range FullCalendar's month view asks for: 6 weeks from the Sunday on or before the 1st."""
    start = first - timedelta(days=(first.weekday() + 1) % 7)
    return {"start": f"{start.isoformat()}T00:00:00", "end": f"{(start + timedelta(days=42)).isoformat()}T00:00:00"}


def seed_workspace() -> tuple[Any, Any, list[Any]]:
    from django.contrib.auth import get_user_model

    from platforms.models import Channel
    from workspaces.models import Member, Role, Workspace

    workspace = Workspace.objects.create(name="Bench", slug="bench", time_zone="Europe/Berlin")
    user = get_user_model().objects.create_user("bench", password="bench-pass-1")
    Member.objects.create(workspace=workspace, user=user, role=Role.MARKETER)
    channels = [Channel.objects.create(workspace=workspace, platform=platform, external_id=f"acct-{i}",
                                       display_name=f"Bench {platform} {i}", credentials={})
                for i, platform in enumerate(("x", "facebook", "instagram", "x"))]
    return workspace, user, channels


def slots(total: int, first_due: datetime) -> list[datetime]:
    return [first_due + timedelta(days=i / PER_DAY) for i in range(total)]


def add_posts(workspace: Any, channels: list[Any], due_times: list[datetime]) -> None:
    from scheduler.models import Delivery, DeliveryState, Post

    now = datetime.now(UTC)
    for offset in range(0, len(due_times), 2_000):
        chunk = due_times[offset:offset + 2_000]
        posts = Post.objects.bulk_create([
            Post(workspace=workspace, text=f"Post {offset + i}: summer sale, new arrivals and a link " * 3)
            for i in range(len(chunk))
        ])
        Delivery.objects.bulk_create([
            Delivery(workspace=workspace, post=post, channel=channels[i % len(channels)], due_at=due,
                     scheduled_for=due, state=DeliveryState.SCHEDULED if due > now else DeliveryState.PUBLISHED)
            for i, (post, due) in enumerate(zip(posts, chunk, strict=True))
        ])


def count_queries(user: Any, url: str, params: dict[str, str]) -> tuple[int, int]:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client(SERVER_NAME="127.0.0.1")  # an allowed host under production settings
    client.force_login(user)
    client.get(url, params)  # warm the session and the adapters' imports
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, params)
    assert response.status_code == 200, response.content[:200]
    return len(captured), len(response.json())


def session_cookie(user: Any) -> tuple[str, str]:
    from django.conf import settings
    from django.test import Client

    client = Client(SERVER_NAME="127.0.0.1")  # an allowed host under production settings
    client.force_login(user)
    return settings.SESSION_COOKIE_NAME, client.cookies[settings.SESSION_COOKIE_NAME].value


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Gunicorn:
    def __init__(self, env: dict[str, str], workers: int, log: Path) -> None:
        self.port, self.log, self.env, self.workers = free_port(), log, env, workers
        self.url = f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> Gunicorn:
        self.log.write_text("")
        self.process = subprocess.Popen(
            [str(Path(sys.executable).with_name("gunicorn")), "bench.calendar_feed:wsgi_app()", "--bind",
             f"127.0.0.1:{self.port}", "--workers", str(self.workers), "--access-logfile", str(self.log),
             "--access-logformat", "%(D)s %(s)s %(U)s", "--log-level", "warning"],
            cwd=REPO, env=self.env,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                requests.get(self.url + "/login/", timeout=10)  # a worker's first request loads Django
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

    def server_times_ms(self, path: str) -> list[float]:
        times = []
        for line in self.log.read_text().splitlines():
            micros, status, url = line.split(" ", 2)
            if url == path and status == "200":
                times.append(int(micros) / 1000)
        return times


def load(url: str, cookie: tuple[str, str], params: dict[str, str], clients: int, seconds: float) -> dict[str, Any]:
    """`clients` threads each request the feed back to back for `seconds`; client-side latencies and errors."""
    latencies: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    stop_at = time.monotonic() + seconds

    def client() -> None:
        session = requests.Session()
        session.cookies.set(*cookie)
        while time.monotonic() < stop_at:
            began = time.perf_counter()
            response = session.get(url, params=params, timeout=30)
            elapsed = (time.perf_counter() - began) * 1000
            with lock:
                (latencies.append(elapsed) if response.status_code == 200 else errors.append(str(response.status_code)))

    threads = [threading.Thread(target=client) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return {"requests": len(latencies), "errors": len(errors), "rps": round(len(latencies) / seconds, 1),
            "client_p95_ms": round(common.percentile(latencies, 95), 1)}


def measure(env: dict[str, str], args: argparse.Namespace, user: Any, path: str, params: dict[str, str],
            workdir: Path) -> dict[str, Any]:
    queries, events = count_queries(user, path, params)
    with Gunicorn(env, args.workers, workdir / "access.log") as server:
        cookie = session_cookie(user)
        load(server.url + path, cookie, params, clients=args.workers, seconds=2)  # warm every worker
        server.log.write_text("")
        seen = load(server.url + path, cookie, params, clients=args.clients, seconds=args.seconds)
        time.sleep(0.5)  # let the access log flush
        times = server.server_times_ms(path)
    return {"events": events, "queries": queries, "server_p50_ms": round(common.percentile(times, 50), 1),
            "server_p95_ms": round(common.percentile(times, 95), 1), **seen}


def run(args: argparse.Namespace, env: dict[str, str], workdir: Path) -> dict[str, Any]:
    import django

    django.setup()
    from django.urls import reverse

    workspace, user, channels = seed_workspace()
    today = datetime.now(UTC).date()
    shown = (today.replace(day=1) + timedelta(days=62)).replace(day=1)  # a month fully in the future
    first_due = datetime(shown.year, shown.month, 1, 6, tzinfo=UTC) - timedelta(days=120)
    due_times = slots(SIZES[-1], first_due)
    path = reverse("calendar:feed", kwargs={"slug": workspace.slug})
    params = month_grid(shown)
    results: dict[str, Any] = {}
    done: set[int] = set()
    for size in SIZES:
        step = SIZES[-1] // size  # every size spreads over the same year: 1,000 posts are ~80 a month
        wanted = {i for i in range(0, SIZES[-1], step)} - done
        add_posts(workspace, channels, [due_times[i] for i in sorted(wanted)])
        done |= wanted
        results[str(size)] = measure(env, args, user, path, params, workdir)
        print(f"{size:>6} posts: {json.dumps(results[str(size)])}", flush=True)
    return {"posts_per_month": round(PER_DAY * 31), "month": shown.isoformat()[:7], "sizes": results}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=15.0)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--quick", action="store_true", help="5 s per size, for a smoke run")
    parser.add_argument("--keep-db", action="store_true")
    args = parser.parse_args()
    if args.quick:
        args.seconds = 5.0
    common.recreate_database(DATABASE)
    env = common.base_env(DATABASE, "memory://", "{}", "", debug=False)
    env["PYTHONPATH"] = str(REPO)
    common.migrate(env)
    os.environ.update(env)
    try:
        with tempfile.TemporaryDirectory(prefix="smo-bench-calendar-") as tmp:
            figures = run(args, env, Path(tmp))
    finally:
        if not args.keep_db:
            common.drop_database(DATABASE)
    sizes = figures["sizes"]
    summary = {
        "benchmark": "calendar_feed", "server": f"gunicorn {args.workers} sync workers", "database": "postgresql",
        "clients": args.clients, "seconds_per_size": args.seconds, **figures,
        "queries_constant": len({s["queries"] for s in sizes.values()}) == 1,
        "target_p95_ms": TARGET_P95_MS,
        "meets_target": all(s["server_p95_ms"] <= TARGET_P95_MS and not s["errors"] for s in sizes.values()),
    }
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
