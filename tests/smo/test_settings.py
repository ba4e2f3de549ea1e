"""Start-up configuration: malformed values stop the process with a message naming the variable."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
GOOD_KEY = "x7wAeoMq1DOCbVqKPcJYSx8jD3rYxWbWfN0nqMzq0bM="


def start(**variables: str) -> subprocess.CompletedProcess[str]:
    """Load the settings in a fresh interpreter with exactly these variables (no .env file)."""
    keep = {k: v for k, v in os.environ.items() if k in {"PATH", "HOME", "LANG", "SYSTEMROOT"}}
    environment = {**keep, "ENV_FILE": "/dev/null", "DJANGO_SETTINGS_MODULE": "smo.settings", **variables}
    return subprocess.run(
        [sys.executable, "-c", "import django; django.setup(); print('STARTED')"],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_embedded_default_starts_with_debug_only() -> None:
    result = start(DEBUG="true")
    assert "STARTED" in result.stdout, result.stderr


def test_production_starts_with_its_secrets() -> None:
    result = start(DEBUG="false", SECRET_KEY="s" * 50, FIELD_ENCRYPTION_KEYS=GOOD_KEY)
    assert "STARTED" in result.stdout, result.stderr


@pytest.mark.parametrize("missing", ["SECRET_KEY", "FIELD_ENCRYPTION_KEYS"])
def test_missing_secret_without_debug_is_an_error(missing: str) -> None:
    variables = {"DEBUG": "false", "SECRET_KEY": "s" * 50, "FIELD_ENCRYPTION_KEYS": GOOD_KEY}
    del variables[missing]
    result = start(**variables)
    assert result.returncode != 0
    assert f"{missing} is required when DEBUG is off" in result.stderr


@pytest.mark.parametrize(
    ("name", "value", "expected"),
    [
        ("DEBUG", "maybe", "DEBUG must be a boolean"),
        ("DATABASE_URL", "nonsense://x", "DATABASE_URL is not a valid database URL"),
        ("CELERY_BROKER_URL", "kafka://x", "CELERY_BROKER_URL must start with"),
        ("PLATFORM_ORIGINS", "[1, 2]", "PLATFORM_ORIGINS must be a JSON object"),
        ("PLATFORM_ORIGINS", "{not json", "PLATFORM_ORIGINS must be a JSON object"),
        ("PLATFORM_ORIGINS", '{"https://api.x.com": "ftp://x"}', "PLATFORM_ORIGINS: the replacement"),
        ("DISPATCH_BATCH_SIZE", "lots", "DISPATCH_BATCH_SIZE must be a whole number"),
        ("SENDING_LEASE_SECONDS", "0", "SENDING_LEASE_SECONDS must be at least 1"),
        ("PLATFORM_READ_TIMEOUT", "soon", "PLATFORM_READ_TIMEOUT must be a number"),
        ("DEFAULT_WORKSPACE_TIME_ZONE", "Mars/Olympus", "DEFAULT_WORKSPACE_TIME_ZONE must be an IANA time zone"),
        ("FIELD_ENCRYPTION_KEYS", "not-a-key", "FIELD_ENCRYPTION_KEYS: key #1 is not a valid Fernet key"),
        ("LOG_LEVEL", "LOUD", "LOG_LEVEL must be one of"),
    ],
)
def test_malformed_value_names_the_variable(name: str, value: str, expected: str) -> None:
    result = start(**{"DEBUG": "true", name: value})
    assert result.returncode != 0
    assert expected in result.stderr, result.stderr[-2000:]
