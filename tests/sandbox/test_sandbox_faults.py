"""Fault injection and the control API: latency, errors, 429s, apply-then-hang, records."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from platforms.sandbox.testing import SandboxError

CREATE = {"platform": "x", "match": "POST /2/tweets"}


def test_error_rates_with_count_fail_the_next_n_requests_without_applying_them(sb, demo):
    sb.set_faults({**CREATE, "error_rates": {"503": 1.0}, "count": 2})
    first, second = demo.post("attempt 1"), demo.post("attempt 2")
    assert [first.status_code, second.status_code] == [503, 503]
    assert first.json() == {"detail": "Service Unavailable", "type": "about:blank",
                            "title": "Service Unavailable", "status": 503}
    assert sb.creates("x") == []
    assert demo.post("attempt 3").status_code == 201
    [rule] = sb.get_faults()["rules"]
    assert rule["fired"] == 2 and rule["remaining"] == 0


def test_error_rates_are_statistical_and_reproducible_with_a_seed(sb, demo):
    def run() -> list[int]:
        sb.set_faults({"platform": "x", "match": "GET /2/users/me", "error_rates": {"500": 0.3}, "seed": 7})
        return [demo.get("/2/users/me").status_code for _ in range(40)]

    outcome = run()
    assert set(outcome) == {200, 500} and 4 <= outcome.count(500) <= 24
    assert run() == outcome  # setting the same seed again replays the same draws


def test_faults_select_by_account_and_path(sb, demo, fan):
    sb.set_faults({"rules": [{"platform": "x", "match": "POST /2/tweets", "account": "sandbox_fan",
                              "error_rates": {"500": 1.0}}]})
    assert fan.post("fan post").status_code == 500
    assert demo.post("demo post").status_code == 201
    assert fan.get("/2/users/me").status_code == 200  # other paths untouched


def test_rate_limited_fault_then_recovery_after_reset(sb, demo, fan):
    sb.set_faults({"platform": "x", "account": "smo_demo", "rate_limited": {"reset_in_s": 2}})
    started = time.time()
    limited = demo.post("too soon")
    assert limited.status_code == 429
    assert limited.json() == {"errors": [{"code": 88, "message": "Rate limit exceeded"}]}
    assert limited.headers["x-rate-limit-remaining"] == "0"
    reset = int(limited.headers["x-rate-limit-reset"])
    assert started + 1 <= reset <= started + 3
    assert fan.post("other accounts are fine").status_code == 201
    assert sb.creates("x", account="smo_demo") == []
    time.sleep(max(0.0, reset - time.time()) + 0.2)
    assert demo.post("after the reset").status_code == 201


def test_apply_then_hang_applies_the_create_and_drops_the_response(sb, demo):
    sb.set_faults({**CREATE, "apply_then_hang": {"count": 1, "hang_s": 3}})
    started = time.monotonic()
    with pytest.raises(requests.ReadTimeout):
        demo.session.post(f"{demo.base}/2/tweets", json={"text": "did it post?"}, timeout=(2, 1))
    assert time.monotonic() - started < 2.5
    [create] = sb.creates("x")
    assert create["text"] == "did it post?"
    assert demo.post("next one is normal").status_code == 201  # count exhausted
    [hung] = [r for r in sb.requests_log(platform="x") if r["fault"] == "apply_then_hang"]
    assert hung["dropped"] is True and hung["applied_status"] == 201 and hung["status"] is None


def test_apply_then_hang_closes_the_connection_without_a_response(sb, demo):
    sb.set_faults({**CREATE, "apply_then_hang": {"hang_s": 0.5}, "count": 1})
    with pytest.raises(requests.ConnectionError):
        demo.session.post(f"{demo.base}/2/tweets", json={"text": "lost answer"}, timeout=5)
    assert [c["text"] for c in sb.creates("x")] == ["lost answer"]


def test_latency_is_applied_only_where_matched(sb, demo):
    sb.set_faults({"platform": "x", "match": "GET /2/users/*", "latency_ms": {"mean": 400, "jitter": 0}})
    started = time.monotonic()
    assert demo.get("/2/users/me").status_code == 200
    assert time.monotonic() - started >= 0.4
    started = time.monotonic()
    assert demo.post("fast").status_code == 201
    assert sb.health()  # the control API is never slowed down
    assert time.monotonic() - started < 0.3


def test_concurrent_slow_requests_do_not_queue(sb, demo):
    """256 requests each delayed 300 ms must overlap: the sandbox is never the bottleneck."""
    post_id = demo.post("read me concurrently").json()["data"]["id"]
    sb.set_faults({"platform": "x", "match": "GET /2/tweets/*", "latency_ms": {"mean": 300, "jitter": 0}})
    url, token = f"{demo.base}/2/tweets/{post_id}", demo.session.headers["Authorization"]
    workers = 256
    barrier = threading.Barrier(workers + 1)

    def one(_: int) -> tuple[int, float]:
        session = requests.Session()
        session.headers["Authorization"] = token
        barrier.wait()
        try:
            response = session.get(url, timeout=10)
            return response.status_code, time.monotonic()
        finally:
            session.close()

    with ThreadPoolExecutor(max_workers=workers) as pool:
        futures = [pool.submit(one, n) for n in range(workers)]
        barrier.wait()
        started = time.monotonic()
        results = [f.result() for f in futures]
    elapsed = max(done for _, done in results) - started
    assert [status for status, _ in results] == [200] * workers
    assert 0.3 <= elapsed < 2.5, f"256 x 300 ms took {elapsed:.2f}s (serially: 77 s)"


def test_bad_fault_configuration_is_rejected(sb):
    for bad in ({"platform": "x"}, {"platform": "nope", "latency_ms": 5}, {"error_rates": {"200": 0.5}},
                {"error_rates": {"500": 0.8, "503": 0.5}}, {"latency_ms": 5, "colour": "red"},
                {"match": "POST", "latency_ms": "slow"}):
        with pytest.raises(SandboxError):
            sb.set_faults(bad)
    assert sb.get_faults()["rules"] == []


def test_faults_round_trip_and_clear(sb):
    config = sb.set_faults({"rules": [{**CREATE, "latency_ms": 10}], "x_duplicate_check": False})
    assert config["switches"]["x_duplicate_check"] is False
    assert sb.get_faults()["rules"][0]["match"] == "POST /2/tweets"
    sb.clear_faults()
    assert sb.get_faults()["rules"] == [] and sb.get_faults()["switches"]["x_duplicate_check"] is True


def test_reset_restores_the_seeded_state(sb, demo):
    demo.post("before reset")
    sb.set_faults({"platform": "x", "latency_ms": 1})
    sb.mint_token("x", "brand_new_account")
    sb.reset()
    assert sb.creates() == [] and sb.stats()["creates"] == 0
    assert sb.get_faults()["rules"] == []
    assert demo.get("/2/users/me").status_code == 401  # tokens are gone too
    assert {a["username"] for a in sb.accounts("x")} == {"smo_demo", "sandbox_fan", "curious_cat"}


def test_requests_log_records_platform_traffic(sb, demo):
    demo.post("logged")
    demo.get("/2/users/me")
    log = sb.requests_log(limit=2, platform="x")
    assert [(r["method"], r["path"], r["status"], r["account"]) for r in log] == [
        ("POST", "/2/tweets", 201, "smo_demo"), ("GET", "/2/users/me", 200, "smo_demo")]
    assert all(r["platform"] == "x" and r["time"].endswith("Z") for r in log)
    [create] = sb.creates("x")
    assert create["request_id"] == log[0]["request_id"]


def test_expire_tokens_by_token_value(sb, make_x):
    first, second = sb.mint_token("x", "smo_demo"), sb.mint_token("x", "smo_demo")
    assert sb.expire_tokens("x", token=first["access_token"]) == 1
    assert make_x(first["access_token"]).get("/2/users/me").status_code == 401
    assert make_x(second["access_token"]).get("/2/users/me").status_code == 200
    with pytest.raises(SandboxError):
        sb.expire_tokens("x", "no_such_account")
