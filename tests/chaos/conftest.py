"""Fixtures for the chaos proofs: a Stack of real processes on the test database, the test Redis
and the session's sandbox. When a test fails, every process's log is attached to its report."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.harness.redis_server import RedisServer, redis_server_available
from tests.harness.stack import Stack, StackConfig, database_url


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    report = yield
    stack: Stack | None = getattr(item, "_chaos_stack", None)
    if stack is not None and report.failed:
        report.sections.append((f"stack logs ({report.when})", stack.logs()))
    return report


@pytest.fixture
def sandbox(live_sandbox: Any) -> Iterator[Any]:
    """The session's sandbox, reset, with X's duplicate-content 403 off so a double post is visible."""
    live_sandbox.start()  # idempotent: a no-op when the session fixture already started it
    live_sandbox.reset()
    live_sandbox.set_faults({"x_duplicate_check": False})
    yield live_sandbox
    live_sandbox.clear_faults()


@pytest.fixture
def broker_url(redis_url: str, tmp_path: Path) -> Iterator[str]:
    """A redis-server of this test's own when the binary exists: numbered databases on the shared
    6379 are shared with every other test run on the machine, and a stray worker of another run
    would take (and drop) this test's messages. Otherwise the suite's flushed TEST_REDIS_URL."""
    if not redis_server_available():
        yield redis_url
        return
    (tmp_path / "redis").mkdir()
    server = RedisServer(tmp_path / "redis").start()
    try:
        yield server.url
    finally:
        server.stop()


@pytest.fixture
def stack(request: pytest.FixtureRequest, transactional_db: None, broker_url: str, sandbox: Any,
          tmp_path: Path) -> Iterator[Stack]:
    """Processes on the test database (rows committed, so they see them); stopped before the flush."""
    from django.conf import settings
    from django.db import connection

    config = StackConfig(database_url=database_url(connection.settings_dict), broker_url=broker_url,
                         workdir=tmp_path / "stack")
    # The workers must decrypt the credentials this process encrypts.
    config.extra_env["FIELD_ENCRYPTION_KEYS"] = ",".join(settings.FIELD_ENCRYPTION_KEYS)
    stack = Stack(config, sandbox)
    request.node._chaos_stack = stack
    try:
        yield stack
    finally:
        stack.close()


@pytest.fixture
def replies_through_the_stack(stack: Stack, monkeypatch: pytest.MonkeyPatch) -> None:
    """Replies queued in the test's process ring the stack's broker, as the web process rings Redis in
    production, so the stack's publish worker sends them."""
    from inbox import reply_engine

    def enqueue(reply_id: int, token: Any) -> None:
        stack._tasks().send_task("inbox.tasks.send_reply", args=[reply_id, str(token)], queue="publish")

    monkeypatch.setattr(reply_engine, "enqueue_send", enqueue)
