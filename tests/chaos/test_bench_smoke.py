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
