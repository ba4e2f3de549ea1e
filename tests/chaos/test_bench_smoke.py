"""`bench/publish_burst.py --quick` runs end to end and reports every figure; correctness only here
(nothing lost, nothing doubled), the timing targets belong to `make bench`."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
KEYS = {"n", "drain_s", "lag_p50_s", "lag_p99_s", "duplicates", "lost", "limit_drain_s", "naive_drain_s",
        "precision_lag_p99_s", "worker_rss_mb"}


@pytest.mark.services
@pytest.mark.chaos
@pytest.mark.timeout(240)
def test_quick_benchmark_reports_every_figure_with_nothing_lost_or_doubled(redis_url: str) -> None:
    # redis_url only gates on Redis being there; the benchmark makes its own database and broker.
    run = subprocess.run([sys.executable, "bench/publish_burst.py", "--quick"], cwd=REPO, capture_output=True,
                         text=True, timeout=230)
    output = run.stdout.strip().splitlines()
    assert output, f"no output (rc {run.returncode}):\n{run.stderr[-4000:]}"
    figures = json.loads(output[-1])
    assert set(figures) >= KEYS, f"missing {KEYS - set(figures)} in {figures}"
    assert figures["n"] == 200
    assert (figures["lost"], figures["duplicates"]) == (0, 0), run.stdout
    assert all(isinstance(figures[key], int | float) for key in KEYS), figures
    assert run.returncode == 0, run.stdout + run.stderr[-4000:]


WEB_KEYS = {f"{endpoint}_{figure}_{size}" for endpoint in ("feed", "counter") for figure in ("p95_ms", "queries")
            for size in ("60", "300")} | {"feed_target_ms", "counter_target_ms", "clients", "errors", "meets_targets"}


@pytest.mark.chaos
@pytest.mark.timeout(240)
def test_quick_web_benchmark_measures_both_endpoints_at_both_sizes() -> None:
    # SQLite and tiny sizes: this proves the script end to end (gunicorn, sign-in, CSRF, both endpoints, the
    # report); the figures belong to a full run on PostgreSQL.
    run = subprocess.run([sys.executable, "bench/web.py", "--quick", "--sqlite", "--sizes", "60,300", "--clients", "4",
                          "--seconds", "1", "--warmup", "0.3"], cwd=REPO, capture_output=True, text=True, timeout=230)
    output = run.stdout.strip().splitlines()
    assert output, f"no output (rc {run.returncode}):\n{run.stderr[-4000:]}"
    figures = json.loads(output[-1])
    assert set(figures) >= WEB_KEYS, f"missing {WEB_KEYS - set(figures)} in {figures}"
    assert (figures["clients"], figures["errors"], figures["queries_constant"]) == (4, 0, True), run.stdout
    assert (figures["feed_target_ms"], figures["counter_target_ms"]) == (150.0, 30.0)
    assert 0 < figures["feed_events_60"] < figures["feed_events_300"]  # the month on screen fills up
    details = figures["details"]
    assert all(one["requests"] > 0 and one["server_p95_ms"] > 0 for sizes in details.values() for one in sizes.values())
    table = [line.split()[:2] for line in output if line.startswith(("feed ", "counter "))]  # the human summary
    assert {("feed", "60"), ("feed", "300"), ("counter", "60"), ("counter", "300")} <= set(map(tuple, table))
    assert run.returncode == 0, run.stdout + run.stderr[-4000:]
