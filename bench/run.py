"""The benchmark's phases, run after the database exists and the environment is set."""

from __future__ import annotations

import argparse
import os
from datetime import timedelta
from pathlib import Path
from typing import Any

import django


def run_all(sandbox: Any, profile: Any, threads: int, workdir: Path, env: dict[str, str], broker: str,
            naive_broker: str, args: argparse.Namespace) -> dict[str, Any]:
    django.setup()
    from django.utils import timezone

    from bench import baselines, smo_phase
    from bench.common import RssSampler, database_url
    from tests.harness.stack import Stack, StackConfig

    workspace, channels = smo_phase.make_channels(sandbox, profile.channels)
    ids = smo_phase.schedule_burst(workspace, channels, profile.n, "[smo]")
    # Production leases and timeouts, beat's cadence: the benchmark measures the shipped defaults.
    config = StackConfig(database_url=database_url(profile.database), broker_url=broker, workdir=workdir,
                         queued_lease_s=120, sending_lease_s=90, read_timeout_s=20.0, dispatch_interval_s=1.0,
                         reconcile_interval_s=15.0, retry_base_s=30,
                         extra_env={k: env[k] for k in ("DEBUG", "SECRET_KEY", "FIELD_ENCRYPTION_KEYS", "LOG_LEVEL")
                                    if k in env})
    stack = Stack(config, sandbox)
    try:
        workers = [stack.start_worker(concurrency=max(1, threads // args.workers), prefetch=args.prefetch)
                   for _ in range(args.workers)]
        if args.beat:
            stack.start_beat()
        else:
            stack.start_dispatcher(loop=True, interval=1.0, reconcile_interval=15.0)
        with RssSampler(lambda: sum(stack.rss_mb(worker) for worker in workers)) as rss:
            due = timezone.now() + timedelta(seconds=2)
            smo_phase.arm(ids, due)
            burst = smo_phase.measure(ids, due, not smo_phase.wait_published(ids, profile.timeout_s))
            precision = None if args.skip_precision else _precision(smo_phase, workspace, channels, profile)
        smo_stats = sandbox.stats()
    finally:
        stack.close()

    tokens = smo_phase.tokens_of(channels)

    def jobs(label: str) -> list[tuple[str, str]]:
        return [(token, f"Burst post {number} {label}")
                for number in range(profile.n // len(channels)) for token in tokens]

    limit_s, limit_errors = baselines.limit_drain(sandbox.base_url, jobs("[limit]"), threads)
    naive_s, naive_timed_out = None, False
    if not args.skip_naive:
        cores = os.cpu_count() or 2
        naive_s, naive_timed_out = baselines.naive_drain(
            sandbox, jobs("[naive]"), "[naive]", naive_broker, workdir, env, cores,
            timeout=profile.n * 0.4 / cores * 1.5 + 60)
    return {
        "profile": profile, "threads": threads, "workers": args.workers, "prefetch": args.prefetch,
        "burst": burst, "precision": precision,
        "duplicates": smo_stats["duplicates"], "smo_creates": smo_stats["creates"],
        "worker_rss_mb": rss.peak_mb, "limit_drain_s": limit_s, "limit_errors": limit_errors,
        "naive_drain_s": naive_s, "naive_timed_out": naive_timed_out, "workdir": str(workdir),
        "dispatcher": "celery beat" if args.beat else "dispatcher loop (1 s, beat's cadence)",
    }


def _precision(smo_phase: Any, workspace: Any, channels: list[Any], profile: Any) -> Any:
    from django.utils import timezone

    start = timezone.now() + timedelta(seconds=3)
    spread = smo_phase.schedule_spread(workspace, channels, profile.precision_n, start, profile.precision_span_s)
    timed_out = not smo_phase.wait_published(spread, profile.precision_span_s + 30)
    return smo_phase.measure(spread, start, timed_out)
