"""Suite-wide pytest setup: gating on real services and a browser, and the shared fixtures.

* ``@pytest.mark.services`` needs PostgreSQL as the test database and Redis at ``TEST_REDIS_URL``.
* ``@pytest.mark.browser`` needs Chromium (``CHROMIUM_PATH``, else ``chromium`` on PATH).

Without them such tests are skipped with the reason; with ``REQUIRE_SERVICES=1`` or ``REQUIRE_BROWSER=1``
they fail instead, so CI cannot go green by skipping. ``scripts/test`` sets the URLs when the servers answer.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from functools import cache
from typing import Any

import pytest

# Playwright's sync API runs an event loop in the test thread; Django's ORM would refuse to run there.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def _flag(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in {"1", "true", "yes", "on"}


def redis_test_url() -> str | None:
    return os.environ.get("TEST_REDIS_URL", "").strip() or None


def chromium_path() -> str | None:
    """CHROMIUM_PATH when set (and nothing else), otherwise `chromium` on PATH."""
    configured = os.environ.get("CHROMIUM_PATH", "").strip()
    path = configured or shutil.which("chromium")
    return path if path and os.path.isfile(path) and os.access(path, os.X_OK) else None


def postgres_problem() -> str | None:
    from django.db import connection

    if connection.vendor != "postgresql":
        return f"the test database is {connection.vendor}, not PostgreSQL (set DATABASE_URL=postgres://…)"
    return None


@cache
def redis_problem() -> str | None:
    url = redis_test_url()
    if url is None:
        return "TEST_REDIS_URL is not set (e.g. redis://127.0.0.1:6379/15)"
    import redis

    try:
        redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=2).ping()
    except (redis.RedisError, OSError, ValueError) as exc:
        return f"Redis at {url} does not answer: {exc}"
    return None


def browser_problem() -> str | None:
    if chromium_path() is None:
        where = os.environ.get("CHROMIUM_PATH") or "`chromium` on PATH"
        return f"Chromium not found ({where}); apt-get install -y chromium"
    return None


def require(kind: str, problems: list[str | None]) -> None:
    """Skip (or, with REQUIRE_<KIND>=1, fail) the running test when any problem is present."""
    found = [problem for problem in problems if problem]
    if not found:
        return
    switch = f"REQUIRE_{kind.upper()}"
    reason = f"needs {kind}: " + "; ".join(found)
    if _flag(switch):
        pytest.fail(f"{reason} — and {switch}=1 forbids skipping", pytrace=False)
    pytest.skip(reason)


def pytest_configure(config: pytest.Config) -> None:
    # Also declared in pyproject.toml; repeated so this file works on its own (the gating tests copy it).
    config.addinivalue_line("markers", "services: needs real PostgreSQL and Redis")
    config.addinivalue_line("markers", "browser: needs Chromium")


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    if item.get_closest_marker("services"):
        require("services", [postgres_problem(), redis_problem()])
    if item.get_closest_marker("browser"):
        require("browser", [browser_problem()])


@pytest.fixture(autouse=True, scope="session")
def _fast_password_hashing() -> None:
    from django.conf import settings

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def postgres_required() -> None:
    """For a test that needs PostgreSQL (SKIP LOCKED, real concurrency) but not Redis."""
    require("services", [postgres_problem()])


@pytest.fixture
def redis_url() -> Iterator[str]:
    """The test Redis URL, its database flushed before and after the test."""
    require("services", [redis_problem()])
    import redis

    url = redis_test_url()
    assert url is not None
    client = redis.Redis.from_url(url)
    client.flushdb()
    try:
        yield url
    finally:
        client.flushdb()
        client.close()


@pytest.fixture(scope="session")
def live_sandbox() -> Iterator[Any]:
    """The platform sandbox running in its own process for the whole session."""
    from platforms.sandbox.testing import SandboxProcess

    with SandboxProcess() as sandbox:
        yield sandbox


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    """pytest-playwright launches the system Chromium; Playwright never downloads a browser here."""
    return {**browser_type_launch_args, "executable_path": chromium_path(), "args": CHROMIUM_ARGS}


# Signed-in clients for the `workspace` fixture of whichever test directory asks (each defines its own).
@pytest.fixture
def admin(workspace: Any) -> Any:
    from tests.factories import client_for

    return client_for(workspace, "admin")


@pytest.fixture
def marketer(workspace: Any) -> Any:
    from tests.factories import client_for

    return client_for(workspace, "marketer")


@pytest.fixture
def viewer(workspace: Any) -> Any:
    from tests.factories import client_for

    return client_for(workspace, "viewer")


@pytest.fixture
def outsider(db: Any) -> Any:
    """An admin of another workspace: every page of `workspace` must answer 404."""
    from tests.factories import WorkspaceFactory, client_for

    return client_for(WorkspaceFactory(slug="other"), "admin")
