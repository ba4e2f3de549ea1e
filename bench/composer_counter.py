"""Benchmark of the composer's live counter endpoint on gunicorn: 20 concurrent clients, p95 server time.

    .venv/bin/python -m bench.composer_counter [--clients 20] [--requests 40] [--database-url URL]

A throwaway database (SQLite in a temporary directory unless --database-url names a PostgreSQL server
database to overwrite) gets a workspace with an X, a Facebook and an Instagram channel and 10,000 posts.
gunicorn serves the project with DEBUG off; this module's `application` wraps Django's and reports
each request's server time in a Server-Timing header, so the figure excludes client and socket queueing.
Queries per counter request are counted in-process at 1,000 and 10,000 posts (they must not grow).
The last line printed is one JSON object with the figures.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import secrets
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
TARGET_P95_MS = 30.0
USERNAME, PASSWORD = "bench-composer", "bench-composer-pass"
SAMPLES = [
    "Spring launch: everything you need to know 🚀 https://example.com/spring?utm_source=smo",
    "新製品の発売日です。詳しくはこちら https://example.jp/launch " * 3,
    "Short and sweet.",
    "A long thread opener " * 14 + "#launch #spring",
    "Emoji party 🎉🎉🎉🎉🎉 with a link https://example.com/a/b/c and more words to count " * 2,
]


# -- the server side: gunicorn imports this module and calls `application` -------------------------


def _timed(app: Callable) -> Callable:
    def application(environ: dict, start_response: Callable) -> Iterable[bytes]:
        started = time.perf_counter()

        def start(status: str, headers: list, exc_info: Any = None) -> Any:
            elapsed = (time.perf_counter() - started) * 1000
            return start_response(status, [*headers, ("Server-Timing", f"app;dur={elapsed:.2f}")], exc_info)

        return app(environ, start)

    return application


def _django_app() -> Callable:
    from django.core.wsgi import get_wsgi_application

    return get_wsgi_application()


_app: Callable | None = None
_lock = threading.Lock()


def application(environ: dict, start_response: Callable) -> Iterable[bytes]:
    global _app
    with _lock:
        if _app is None:
            _app = _timed(_django_app())
    return _app(environ, start_response)


# -- the driver -----------------------------------------------------------------------------------


def _env(database_url: str, port: int) -> dict[str, str]:
    from cryptography.fernet import Fernet

    env = dict(os.environ)
    env.update({"DEBUG": "false", "DATABASE_URL": database_url, "SECRET_KEY": secrets.token_urlsafe(50),
                "FIELD_ENCRYPTION_KEYS": Fernet.generate_key().decode(), "ALLOWED_HOSTS": "127.0.0.1",
                "PUBLIC_BASE_URL": f"http://127.0.0.1:{port}", "ENV_FILE": "/dev/null", "LOG_LEVEL": "WARNING",
                "DJANGO_SETTINGS_MODULE": "smo.settings", "SECURE_COOKIES": "false"})  # plain http on loopback
    return env


def _seed(posts: int) -> tuple[str, list[int]]:
    """The workspace, its channels and `posts` posts with a delivery each; returns (slug, channel ids)."""
    from platforms.models import Channel
    from scheduler.models import Delivery, Post
    from workspaces.models import Member, Role, Workspace

    workspace, _ = Workspace.objects.get_or_create(slug="bench", defaults={"name": "Bench",
                                                                            "time_zone": "Europe/Berlin"})
    user = _user()
    Member.objects.get_or_create(workspace=workspace, user=user, defaults={"role": Role.MARKETER})
    channels = [Channel.objects.get_or_create(workspace=workspace, platform=platform, external_id=f"{platform}-1",
                                              defaults={"display_name": f"Bench {platform}",
                                                        "credentials": {"access_token": "bench"}})[0]
                for platform in ("x", "facebook", "instagram")]
    missing = posts - Post.objects.filter(workspace=workspace).count()
    if missing > 0:
        made = Post.objects.bulk_create([Post(workspace=workspace, text=f"Seed post {n}") for n in range(missing)],
                                        batch_size=1000)
        Delivery.objects.bulk_create([Delivery(workspace=workspace, post=post, channel=channels[n % 3])
                                      for n, post in enumerate(made)], batch_size=1000)
    return workspace.slug, [channel.pk for channel in channels]


def _user() -> Any:
    from django.contrib.auth import get_user_model

    user, created = get_user_model().objects.get_or_create(username=USERNAME)
    if created:
        user.set_password(PASSWORD)
        user.save()
    return user


def _form(channel_ids: list[int], rng: random.Random) -> dict[str, Any]:
    text = rng.choice(SAMPLES)
    data: dict[str, Any] = {"text": text, "link": "https://example.com/launch", "media": "https://cdn.example.com/p.jpg",
                            "channels": [str(pk) for pk in channel_ids], "at": "2036-05-04T09:30", "draft_key": "b"}
    data[f"v{channel_ids[0]}-text"] = text[: rng.randint(10, len(text))]
    return data


def _queries_per_request(slug: str, channel_ids: list[int]) -> int:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, override_settings

    client = Client()
    client.force_login(_user())
    with override_settings(ROOT_URLCONF=_urlconf(), ALLOWED_HOSTS=["testserver"]), \
            CaptureQueriesContext(connection) as captured:
        response = client.post(f"/w/{slug}/compose/counter/", _form(channel_ids, random.Random(1)),
                               HTTP_ACCEPT="application/json")
    assert response.status_code == 200, response.status_code
    return len([q for q in captured.captured_queries if "django_session" not in q["sql"]])


def _urlconf() -> str:
    return "smo.urls"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_up(url: str, process: subprocess.Popen, timeout: float = 30.0) -> None:
    import requests

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError("gunicorn exited during start-up")
        try:
            requests.get(url, timeout=10)
            return
        except requests.RequestException:
            time.sleep(0.2)
    raise RuntimeError("gunicorn did not answer in time")


def _client(base: str, slug: str, channel_ids: list[int], count: int, seed: int, out: list[tuple[float, float, int]]
            ) -> None:
    import requests

    session = requests.Session()
    session.get(f"{base}/login/")
    session.post(f"{base}/login/", data={"username": USERNAME, "password": PASSWORD,
                                         "csrfmiddlewaretoken": session.cookies["csrftoken"]})
    headers = {"X-CSRFToken": session.cookies["csrftoken"], "Accept": "application/json", "Referer": base}
    rng = random.Random(seed)
    for _ in range(count):
        started = time.perf_counter()
        response = session.post(f"{base}/w/{slug}/compose/counter/", data=_form(channel_ids, rng), headers=headers)
        client_ms = (time.perf_counter() - started) * 1000
        timing = response.headers.get("Server-Timing", "app;dur=0")
        out.append((float(timing.split("dur=")[1]), client_ms, response.status_code))


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    rank = max(1, min(len(ordered), round(q / 100 * len(ordered) + 0.5)))
    return ordered[rank - 1] if ordered else 0.0


def _load(base: str, slug: str, channel_ids: list[int], clients: int, per_client: int) -> dict[str, Any]:
    results: list[tuple[float, float, int]] = []
    threads = [threading.Thread(target=_client, args=(base, slug, channel_ids, per_client, n, results))
               for n in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - started
    server = [r[0] for r in results]
    client = [r[1] for r in results]
    return {"requests": len(results), "errors": sum(1 for r in results if r[2] != 200),
            "server_p50_ms": round(_percentile(server, 50), 2), "server_p95_ms": round(_percentile(server, 95), 2),
            "server_p99_ms": round(_percentile(server, 99), 2), "client_p95_ms": round(_percentile(client, 95), 2),
            "throughput_rps": round(len(results) / wall, 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--requests", type=int, default=40, help="per client")
    parser.add_argument("--workers", type=int, default=2)
    # One thread per worker: threads of one process would share the GIL and count each other's work
    # as server time; extra requests wait in the listen backlog (client time) instead.
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--database-url", default="")
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="smo-bench-composer-"))
    port = _free_port()
    env = _env(args.database_url or f"sqlite:///{workdir / 'bench.sqlite3'}", port)
    os.environ.update(env)
    subprocess.run([sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"], cwd=REPO, env=env, check=True)

    import django

    django.setup()
    queries = {}
    for posts in (1_000, 10_000):
        slug, channel_ids = _seed(posts)
        queries[posts] = _queries_per_request(slug, channel_ids)
        print(f"queries per counter request with {posts:,} posts: {queries[posts]}")
    from django.db import connections

    connections.close_all()
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "bench.composer_counter:application", "-b", f"127.0.0.1:{port}",
         "-w", str(args.workers), "-k", "gthread", "--threads", str(args.threads), "--log-level", "warning"],
        cwd=REPO, env=env)
    try:
        base = f"http://127.0.0.1:{port}"
        _wait_up(f"{base}/login/", server)
        _load(base, slug, channel_ids, 2, 5)  # warm-up: imports, first connections
        figures = _load(base, slug, channel_ids, args.clients, args.requests)
    finally:
        server.terminate()
        server.wait(timeout=15)
    figures.update({"benchmark": "composer_counter", "clients": args.clients, "posts": 10_000,
                    "channels_per_request": len(channel_ids), "queries_1000_posts": queries[1_000],
                    "queries_10000_posts": queries[10_000], "target_p95_ms": TARGET_P95_MS,
                    "ok": figures["errors"] == 0 and figures["server_p95_ms"] <= TARGET_P95_MS
                    and queries[1_000] == queries[10_000]})
    print(f"counter endpoint, {args.clients} clients on gunicorn: server p95 {figures['server_p95_ms']} ms "
          f"(target {TARGET_P95_MS:.0f} ms), client p95 {figures['client_p95_ms']} ms, "
          f"{figures['throughput_rps']} req/s, {figures['errors']} errors")
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
