"""The benchmark's output: a human summary with PASS/FAIL per target, then one JSON line."""

from __future__ import annotations

import json
import math
from typing import Any

TARGETS = {  # key -> (limit, description)
    "drain_s": (20.0, "burst drained (first due -> last published) <= 20 s"),
    "lag_p99_s": (15.0, "dispatch lag p99 (due_at -> sending_at) <= 15 s"),
    "duplicates": (0, "duplicates == 0"),
    "lost": (0, "lost (not published) == 0"),
    "worker_rss_mb": (400.0, "publish worker RSS peak <= 400 MB"),
    "precision_lag_p99_s": (2.0, "precision dispatch lag p99 <= 2 s"),
}
CORRECTNESS = ("duplicates", "lost")


def _num(value: float | None) -> float | None:
    return None if value is None or (isinstance(value, float) and math.isnan(value)) else round(value, 3)


def summary(results: dict[str, Any]) -> dict[str, Any]:
    burst, precision = results["burst"], results["precision"]
    drain = _num(burst.drain_s)
    line = {
        "n": burst.n,
        "drain_s": drain,
        "lag_p50_s": _num(burst.lag_p50_s),
        "lag_p99_s": _num(burst.lag_p99_s),
        "duplicates": results["duplicates"],
        "lost": (burst.n - burst.published) + (precision.n - precision.published if precision else 0),
        "limit_drain_s": _num(results["limit_drain_s"]),
        "naive_drain_s": _num(results["naive_drain_s"]),
        "precision_lag_p99_s": _num(precision.lag_p99_s) if precision else None,
        "worker_rss_mb": _num(results["worker_rss_mb"]),
        "claim_lag_p99_s": _num(burst.claim_lag_p99_s),
        "threads": results["threads"],
        "workers": results["workers"],
    }
    for name in ("limit", "naive"):
        base = line[f"{name}_drain_s"]
        line[f"drain_vs_{name}"] = round(drain / base, 2) if drain and base else None
    line["naive_timed_out"] = results["naive_timed_out"]
    return line


def verdicts(line: dict[str, Any]) -> dict[str, bool]:
    return {key: line[key] is not None and line[key] <= limit for key, (limit, _) in TARGETS.items()}


def print_report(results: dict[str, Any], *, quick: bool) -> int:
    line = summary(results)
    passed = verdicts(line)
    burst, precision = results["burst"], results["precision"]
    print(f"SMO publish burst benchmark{' (quick)' if quick else ''}: {line['n']} deliveries over "
          f"{results['profile'].channels} channels, create latency 300 ms ± 100 ms")
    print(f"  {results['connections']}; dispatcher: {results['dispatcher']}")
    print(f"  burst states: {burst.states}{' (TIMED OUT)' if burst.timed_out else ''}")
    print(f"  claim lag (due_at -> queued_at) p50 {burst.claim_lag_p50_s:.2f} s, p99 {burst.claim_lag_p99_s:.2f} s")
    if precision:
        print(f"  precision: {precision.n} deliveries over {results['profile'].precision_span_s:.0f} s, states "
              f"{precision.states}, lag p50 {precision.lag_p50_s:.2f} s")
    print(f"  limit (bare thread pool, {results['threads']} threads): {line['limit_drain_s']} s, "
          f"{results['limit_errors']} non-201 answers")
    naive = "skipped" if line["naive_drain_s"] is None else f"{line['naive_drain_s']} s"
    if line["naive_timed_out"]:
        naive += " (TIMED OUT: a lower bound)"
    print(f"  naive (ETA task per post, prefork): {naive}")
    print(f"  SMO drain / limit = {line['drain_vs_limit']}, SMO drain / naive = {line['drain_vs_naive']}")
    for key, (_, text) in TARGETS.items():
        print(f"  [{'PASS' if passed[key] else 'FAIL'}] {text}: {line[key]}")
    print(f"  process logs: {results['workdir']}")
    print(json.dumps(line))
    failing = [key for key, ok in passed.items() if not ok and (not quick or key in CORRECTNESS)]
    return 1 if failing else 0
