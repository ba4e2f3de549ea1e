"""The service and browser gating in conftest.py: skip with a reason, or fail when REQUIRE_*=1.

Each case runs pytest in a subprocess on a tiny generated test file, with this suite's conftest.py
copied beside it, so the real hooks decide, with no services or browser reachable.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = """
import pytest

@pytest.mark.services
def test_needs_services():
    pass

@pytest.mark.browser
def test_needs_browser():
    pass

def test_plain():
    pass
"""


def run_sample(tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    shutil.copy(ROOT / "tests" / "conftest.py", tmp_path / "conftest.py")
    (tmp_path / "test_sample.py").write_text(SAMPLE)
    environment = {key: value for key, value in os.environ.items() if not key.startswith(("REQUIRE_", "PYTEST_"))}
    environment.update(
        PYTHONPATH=str(ROOT),
        DJANGO_SETTINGS_MODULE="smo.settings",
        DATABASE_URL="",  # the embedded SQLite: not PostgreSQL
        TEST_REDIS_URL="redis://127.0.0.1:1/0",  # nothing listens on port 1
        CHROMIUM_PATH=str(tmp_path / "no-chromium"),
        **env,
    )
    command = [
        sys.executable,
        "-m",
        "pytest",
        "-rs",
        "-p",
        "no:cacheprovider",
        "--rootdir",
        str(tmp_path),
        "test_sample.py",
    ]
    return subprocess.run(command, cwd=tmp_path, env=environment, capture_output=True, text=True, timeout=120)


def test_without_services_the_marked_tests_skip_with_reasons(tmp_path: Path) -> None:
    result = run_sample(tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 passed, 2 skipped" in result.stdout
    assert "not PostgreSQL" in result.stdout and "does not answer" in result.stdout
    assert "Chromium not found" in result.stdout


def test_require_services_turns_the_skip_into_a_failure(tmp_path: Path) -> None:
    result = run_sample(tmp_path, REQUIRE_SERVICES="1")
    assert result.returncode != 0
    assert "REQUIRE_SERVICES=1 forbids skipping" in result.stdout
    assert "1 passed, 1 skipped, 1 error" in result.stdout  # the browser test still just skips


def test_require_browser_turns_the_skip_into_a_failure(tmp_path: Path) -> None:
    result = run_sample(tmp_path, REQUIRE_BROWSER="1")
    assert result.returncode != 0
    assert "REQUIRE_BROWSER=1 forbids skipping" in result.stdout


def test_redis_url_fixture_skips_when_redis_is_missing(tmp_path: Path) -> None:
    (tmp_path / "test_fixture.py").write_text("def test_uses_redis(redis_url):\n    pass\n")
    result = run_sample(tmp_path)
    assert "does not answer" in result.stdout


def test_scripts_test_treats_no_tests_as_failure(tmp_path: Path) -> None:
    environment = {**os.environ, "DATABASE_URL": "", "TEST_REDIS_URL": "", "PYTEST_ARGS": ""}
    command = [str(ROOT / "scripts" / "test"), "-p", "no:cacheprovider", str(tmp_path)]
    result = subprocess.run(command, env=environment, capture_output=True, text=True, timeout=120)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "collected no tests" in result.stderr


@pytest.mark.parametrize("value", ["1", "true", "yes"])
def test_require_flag_spellings(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    from tests.conftest import require

    monkeypatch.setenv("REQUIRE_SERVICES", value)
    with pytest.raises(pytest.fail.Exception):
        require("services", ["Redis missing"])
    monkeypatch.setenv("REQUIRE_SERVICES", "0")
    with pytest.raises(pytest.skip.Exception, match="Redis missing"):
        require("services", ["Redis missing", None])
    require("services", [None])  # nothing missing: the test runs
