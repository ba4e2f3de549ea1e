"""What the burst is compared with: the practical limit (a bare thread pool posting straight to the
sandbox at the same concurrency) and the naive design (one ETA task per post on a prefork pool)."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import requests

from bench.common import REPO
from tests.harness.procs import ManagedProcess

Job = tuple[str, str]  # (access token, text)


def limit_drain(base_url: str, jobs: list[Job], threads: int) -> tuple[float, int]:
    """Seconds from the first request to the last answer, and how many answers were not 201."""
    local = threading.local()

    def send(job: Job) -> tuple[int, float]:
        session = getattr(local, "session", None)
        if session is None:
            session = local.session = requests.Session()
        token, text = job
        response = session.post(f"{base_url}/x/2/tweets", json={"text": text},
                                headers={"Authorization": f"Bearer {token}"}, timeout=30)
        return response.status_code, time.monotonic()

    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=threads) as pool:
        results = list(pool.map(send, jobs))
    return max(t for _, t in results) - started, sum(1 for status, _ in results if status != 201)


def _last_create(sandbox: Any, label: str) -> tuple[int, datetime | None]:
    created = [c for c in sandbox.creates("x") if c["text"].endswith(label)]
    stamps = [datetime.fromisoformat(c["created_at"].replace("Z", "+00:00")) for c in created]
    return len(created), max(stamps, default=None)


def naive_drain(sandbox: Any, jobs: list[Job], label: str, broker_url: str, workdir: Path, env: dict[str, str],
                concurrency: int, timeout: float) -> tuple[float, bool]:
    """Seconds from the shared ETA to the last create; True in the second value when it timed out."""
    env = {**env, "NAIVE_BROKER_URL": broker_url}
    argv = [str(REPO / ".venv" / "bin" / "celery"), "-A", "bench.naive_app", "worker", "-Q", "naive", "-P",
            "prefork", "-c", str(concurrency), "-l", "info", "-n", f"naive-{time.time_ns()}@%h",
            "--without-heartbeat", "--without-gossip", "--without-mingle"]
    worker = ManagedProcess("naive-worker", argv, env=env, cwd=REPO, log_path=workdir / "naive-worker.log")
    try:
        worker.wait_for_log(" ready.", timeout=60)
        from bench import naive_app  # reads NAIVE_BROKER_URL, set by the caller

        due = datetime.now(UTC) + timedelta(seconds=3 + len(jobs) / 500)
        for token, text in jobs:
            naive_app.publish.apply_async(args=[sandbox.base_url, token, text], eta=due)
        deadline = time.monotonic() + timeout
        count, last = _last_create(sandbox, label)
        while count < len(jobs) and time.monotonic() < deadline:
            time.sleep(1.0)
            count, last = _last_create(sandbox, label)
        end = last or datetime.now(UTC)
        timed_out = count < len(jobs)
        if timed_out:
            end = datetime.now(UTC)
        return (end - due).total_seconds(), timed_out
    finally:
        worker.stop(timeout=10)
