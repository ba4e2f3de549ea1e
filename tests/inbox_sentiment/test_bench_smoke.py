"""`bench/inbox.py --quick --sqlite` runs end to end (in-process sync, gunicorn webhooks and list, the report):
correctness only here; the timing targets belong to the full run on PostgreSQL (`bench/inbox.py`)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
KEYS = {"sync_items", "sync_s", "sync_target_s", "vader_ms_per_item", "webhook_events", "webhook_receive_eps",
        "webhook_process_eps", "webhook_eps", "webhook_target_eps", "list_items", "list_p95_ms", "list_target_ms",
        "list_queries", "clients", "errors", "meets_targets"}


@pytest.mark.chaos
@pytest.mark.timeout(300)
def test_quick_inbox_benchmark_reports_every_figure_with_nothing_lost() -> None:
    run = subprocess.run([sys.executable, "bench/inbox.py", "--quick", "--sqlite"], cwd=REPO, capture_output=True,
                         text=True, timeout=290)
    output = run.stdout.strip().splitlines()
    assert output, f"no output (rc {run.returncode}):\n{run.stderr[-4000:]}"
    figures = json.loads(output[-1])
    assert set(figures) >= KEYS, f"missing {KEYS - set(figures)} in {figures}"
    assert (figures["sync_items"], figures["webhook_events"], figures["list_items"]) == (1000, 300, 3000)
    assert figures["errors"] == 0, run.stdout
    assert figures["webhook_items"] == 300  # every event became exactly one inbox item
    assert figures["sync_needs_attention"] > 0  # negative comments on our fresh posts were flagged
    assert (figures["sync_target_s"], figures["webhook_target_eps"], figures["list_target_ms"]) == (10.0, 300.0, 150.0)
    assert all(figures[key] > 0 for key in ("sync_s", "webhook_receive_eps", "webhook_process_eps", "list_p95_ms"))
    summary = "\n".join(output[:-1])
    assert "sync of 1,000 new items" in summary and "webhooks, 300 events" in summary and "list at 3,000" in summary
    assert run.returncode == 0, run.stdout + run.stderr[-4000:]
