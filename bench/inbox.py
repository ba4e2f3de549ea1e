"""Inbox benchmark (issue 5): one sync of 10,000 new items, webhook ingestion, the inbox list at 100,000 items.

(a) sync: one `inbox_sync_channel` run in this process against an in-memory adapter serving 10,000 new entries
    in pages of 1,000: comments on 100 posts (50 ours, published 2 h ago), replies, DMs from 500 people, each
    scored by VADER and checked for "needs attention". Target: the whole sync <= 10 s.
(b) webhooks: signed X Account Activity events (one tweet or DM each) POSTed by 20 concurrent clients to
    /webhooks/x/ on gunicorn with production settings (receive = verify + store + 200), then the worker's task
    body `inbox.tasks.process_webhook_event` for every stored event, one process per core (process). End to
    end = events / (receive s + process s), the phases one after the other on the same cores. Target >= 300/s.
(c) list: the list partial the inbox page polls (/w/<slug>/inbox/list/: mostly the open tab, some unread /
    negative / needs-attention / all) with 100,000 items, 20 clients on the same gunicorn; server time from
    bench/web.py's Server-Timing wrapper. Target: p95 <= 150 ms.
A human summary, then one JSON line. PostgreSQL (DATABASE_URL's server, else 127.0.0.1:5432) unless --sqlite.

    .venv/bin/python bench/inbox.py [--quick] [--sqlite] [--items 10000] [--events 3000] [--list-items 100000]
                                    [--clients 20] [--seconds 15] [--workers N] [--keep-db]
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import random
import sys
import threading
import time
import warnings
from datetime import timedelta
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from bench import inbox_data as data  # noqa: E402
from bench import web  # noqa: E402

DATABASE = "smo_bench_inbox"
TARGETS = {"sync_s": 10.0, "webhook_eps": 300.0, "list_p95_ms": 150.0}
X_SECRET = "bench-x-consumer-secret"
PAGE = 1_000


# -- (a) one sync of N new items ---------------------------------------------------------------------------------

class _PagedAdapter:
    def __init__(self, entries: list[Any]) -> None:
        self.entries = entries

    def fetch_inbox(self, channel: Any, cursor: str) -> Any:
        from platforms.types import InboxPage

        start = int(cursor or 0)
        served = self.entries[start:start + PAGE]
        return InboxPage(items=tuple(served), cursor=str(start + len(served)) if served else cursor)


def run_sync(n: int) -> dict[str, Any]:
    from django.conf import settings
    from django.utils import timezone

    from inbox import services
    from inbox.models import Conversation, InboxItem, SyncState
    from inbox.sentiment import score
    from platforms.models import Channel
    from scheduler.models import DeliveryState
    from tests.factories import DeliveryFactory, PostFactory
    from workspaces.models import Workspace

    workspace = Workspace.objects.create(name="Bench sync", slug="bench-sync", time_zone="Europe/Berlin")
    channel = Channel.objects.create(workspace=workspace, platform="x", external_id="sync-acct", display_name="Sync",
                                     credentials={"access_token": "bench"})
    now = timezone.now()
    for i in range(50):  # our posts, 2 h old: negative comments on them need attention
        post = PostFactory(workspace=workspace, text=f"Post {i}")
        DeliveryFactory(post=post, channel=channel, state=DeliveryState.PUBLISHED, external_id=f"post-{i}",
                        due_at=now - timedelta(hours=2), scheduled_for=now - timedelta(hours=2),
                        published_at=now - timedelta(hours=2))
    entries = data.sync_entries(n, now)
    began = time.perf_counter()
    for entry in entries[:2000]:
        score(entry.text)
    vader_ms = (time.perf_counter() - began) * 1000 / min(n, 2000)
    settings.INBOX_SYNC_MAX_PAGES = max(10, -(-n // PAGE))
    original = services.get_adapter
    services.get_adapter = lambda platform: _PagedAdapter(entries)
    try:
        began = time.perf_counter()
        outcome = services.inbox_sync_channel(channel.pk)
        seconds = time.perf_counter() - began
    finally:
        services.get_adapter = original
    state = SyncState.objects.get(channel=channel)
    return {"items": n, "outcome": outcome, "seconds": round(seconds, 2), "items_per_s": round(n / seconds),
            "stored": InboxItem.objects.filter(channel=channel).count(), "items_last_sync": state.items_last_sync,
            "conversations": Conversation.objects.filter(channel=channel).count(),
            "needs_attention": Conversation.objects.filter(channel=channel, needs_attention=True).count(),
            "vader_ms_per_item": round(vader_ms, 3)}


# -- (b) webhooks: receive on gunicorn, then process ------------------------------------------------------------

def _post_all(base: str, bodies: list[bytes], clients: int) -> tuple[float, int]:
    import requests

    from platforms.webhook_signatures import x_signature

    queue, lock, errors = list(reversed(bodies)), threading.Lock(), [0]

    def run() -> None:
        session = requests.Session()
        while True:
            with lock:
                if not queue:
                    return
                body = queue.pop()
            answer = session.post(f"{base}/webhooks/x/", data=body, timeout=60, headers={
                "Content-Type": "application/json", "x-twitter-webhooks-signature": x_signature(X_SECRET, body)})
            if answer.status_code != 200:
                with lock:
                    errors[0] += 1

    threads = [threading.Thread(target=run) for _ in range(clients)]
    began = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return time.perf_counter() - began, errors[0]


def _process_slice(ids: list[int]) -> int:
    from django.db import connections

    from inbox.tasks import process_webhook_event

    done = sum(process_webhook_event(pk) or 0 for pk in ids)
    connections.close_all()
    return done


def run_webhooks(base: str, n: int, clients: int, processes: int) -> dict[str, Any]:
    from django.db import connections
    from django.utils import timezone

    from inbox.models import InboxItem, ProcessedEvent
    from platforms.models import Channel, WebhookEvent
    from workspaces.models import Workspace

    workspace = Workspace.objects.create(name="Bench hooks", slug="bench-hooks", time_zone="UTC")
    Channel.objects.create(workspace=workspace, platform="x", external_id=data.ACCOUNT, display_name="Hooks",
                           credentials={"access_token": "bench"})
    now = timezone.now()
    bodies = [data.x_event(i, now) for i in range(n)]
    connections.close_all()
    receive_s, errors = _post_all(base, bodies, clients)
    ids = list(WebhookEvent.objects.order_by("pk").values_list("pk", flat=True))
    connections.close_all()  # forked workers open their own
    slices = [ids[k::processes] for k in range(processes)]
    began = time.perf_counter()
    with multiprocessing.get_context("fork").Pool(processes) as pool:
        created = sum(pool.map(_process_slice, slices))
    process_s = time.perf_counter() - began
    clean = ProcessedEvent.objects.filter(error="").count()
    return {"events": n, "clients": clients, "processes": processes, "errors": errors + (len(ids) - clean),
            "stored": len(ids), "items": InboxItem.objects.filter(channel__workspace=workspace).count(),
            "items_created": created, "receive_s": round(receive_s, 2), "process_s": round(process_s, 2),
            "receive_eps": round(n / receive_s), "process_eps": round(n / process_s),
            "end_to_end_eps": round(n / (receive_s + process_s))}


# -- (c) the list at N items --------------------------------------------------------------------------------------

def list_queries(site: data.ListSite) -> int:
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client(SERVER_NAME="127.0.0.1", HTTP_HX_REQUEST="true")
    client.force_login(get_user_model().objects.get(pk=site.user_id))
    _method, path, _data = site.request("list", random.Random(0))
    client.get(path)
    with CaptureQueriesContext(connection) as captured:
        answer = client.get(path)
    assert answer.status_code == 200, (answer.status_code, answer.content[:300])
    return len(captured)


def run_list(server: web.Gunicorn, site: data.ListSite, args: argparse.Namespace) -> dict[str, Any]:
    queries = list_queries(site)
    sessions = [web.client_session(server.url, site) for _ in range(args.clients)]
    for session in sessions:
        session.headers.update({"HX-Request": "true", "Accept": "text/html"})
    web.hammer(server.url, sessions[:args.workers * 2], site, "list", args.warmup)
    figures = web.hammer(server.url, sessions, site, "list", args.seconds)
    return {"items": args.list_items, "queries": queries, **figures}


# -- the run --------------------------------------------------------------------------------------------------------

def run(args: argparse.Namespace, env: dict[str, str]) -> dict[str, Any]:
    import django

    warnings.filterwarnings("ignore", "No directory at", UserWarning)
    django.setup()
    from django.db import connections

    results = {"sync": run_sync(args.items)}
    print(f"sync: {json.dumps(results['sync'])}", flush=True)
    connections.close_all()
    with web.Gunicorn(env, args.workers, threads=1) as server:
        results["webhooks"] = run_webhooks(server.url, args.events, args.clients, args.processes)
        print(f"webhooks: {json.dumps(results['webhooks'])}", flush=True)
        site = data.seed_list(args.list_items)
        connections.close_all()
        results["list"] = run_list(server, site, args)
        print(f"list: {json.dumps(results['list'])}", flush=True)
    return results


def summary(results: dict[str, Any], args: argparse.Namespace, database: str) -> dict[str, Any]:
    sync, hooks, listing = results["sync"], results["webhooks"], results["list"]
    errors = (sync["stored"] != args.items or sync["outcome"] != "ok") + hooks["errors"] + listing["errors"]
    checks = {"sync": sync["seconds"] <= TARGETS["sync_s"],
              "webhooks": hooks["end_to_end_eps"] >= TARGETS["webhook_eps"],
              "list": listing["server_p95_ms"] <= TARGETS["list_p95_ms"]}
    return {
        "benchmark": "inbox", "database": database, "quick": args.quick,
        "sync_items": args.items, "sync_s": sync["seconds"], "sync_items_per_s": sync["items_per_s"],
        "sync_target_s": TARGETS["sync_s"], "vader_ms_per_item": sync["vader_ms_per_item"],
        "sync_needs_attention": sync["needs_attention"],
        "webhook_events": args.events, "webhook_receive_eps": hooks["receive_eps"],
        "webhook_process_eps": hooks["process_eps"], "webhook_eps": hooks["end_to_end_eps"],
        "webhook_target_eps": TARGETS["webhook_eps"], "webhook_items": hooks["items"],
        "list_items": args.list_items, "list_p50_ms": listing["server_p50_ms"], "list_p95_ms": listing["server_p95_ms"],
        "list_client_p95_ms": listing["client_p95_ms"], "list_rps": listing["rps"], "list_queries": listing["queries"],
        "list_target_ms": TARGETS["list_p95_ms"], "clients": args.clients,
        "server": f"gunicorn {args.workers} gthread workers x 1 thread", "errors": errors,
        "checks": checks, "meets_targets": all(checks.values()) and not errors,
    }


def print_report(line: dict[str, Any]) -> None:
    def verdict(name: str) -> str:
        return "PASS" if line["checks"][name] else "FAIL"

    print(f"\ninbox benchmark on {line['database']}{' (quick)' if line['quick'] else ''}, {line['server']}")
    print(f"  sync of {line['sync_items']:,} new items: {line['sync_s']} s ({line['sync_items_per_s']:,}/s), "
          f"target <= {line['sync_target_s']:g} s  {verdict('sync')}  (VADER {line['vader_ms_per_item']} ms/item)")
    print(f"  webhooks, {line['webhook_events']:,} events: receive {line['webhook_receive_eps']}/s, process "
          f"{line['webhook_process_eps']}/s, end to end {line['webhook_eps']}/s, "
          f"target >= {line['webhook_target_eps']:g}/s  {verdict('webhooks')}")
    print(f"  list at {line['list_items']:,} items, {line['clients']} clients: server p50 {line['list_p50_ms']} ms, "
          f"p95 {line['list_p95_ms']} ms, target <= {line['list_target_ms']:g} ms  {verdict('list')}  "
          f"({line['list_queries']} queries, client p95 {line['list_client_p95_ms']} ms)")
    print(f"  errors: {line['errors']}; overall: {'PASS' if line['meets_targets'] else 'FAIL'}", flush=True)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=10_000, help="new items in the one sync")
    parser.add_argument("--events", type=int, default=3_000, help="webhook events")
    parser.add_argument("--list-items", type=int, default=100_000)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=15.0, help="list measurement")
    parser.add_argument("--warmup", type=float, default=2.0)
    parser.add_argument("--workers", type=int, default=max(2, os.cpu_count() or 2), help="gunicorn workers")
    parser.add_argument("--processes", type=int, default=max(2, os.cpu_count() or 2), help="webhook processing")
    parser.add_argument("--quick", action="store_true", help="smoke run: 1,000 items, 300 events, 3,000 in the list")
    parser.add_argument("--sqlite", action="store_true", help="SQLite in a temporary directory, not PostgreSQL")
    parser.add_argument("--keep-db", action="store_true")
    args = parser.parse_args(argv)
    if args.quick:
        args.items, args.events, args.list_items = min(args.items, 1_000), min(args.events, 300), \
            min(args.list_items, 3_000)
        args.seconds, args.warmup, args.clients = min(args.seconds, 2.0), min(args.warmup, 0.5), min(args.clients, 4)
    if args.sqlite:
        args.processes = 1  # one writer: SQLite would lock out a second
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    results, database = web.in_throwaway_database(args, DATABASE, run, {"X_CONSUMER_SECRET": X_SECRET})
    line = summary(results, args, database)
    print_report(line)
    print(json.dumps(line))
    return 1 if line["errors"] else 0


if __name__ == "__main__":
    sys.exit(main())
