"""Helpers for tests and benchmarks: start a sandbox process and drive its control API.

Only the standard library and ``requests`` are imported, so any test (Django or not) can use it::

    with SandboxProcess() as sandbox:
        settings.PLATFORM_ORIGINS = sandbox.origins()
        creds = sandbox.mint_token("x", "smo_demo")
        ...
        assert sandbox.stats()["duplicates"] == 0
"""

from __future__ import annotations

import os
import queue
import subprocess
import sys
import tempfile
import threading
from pathlib import Path
from typing import IO, Any, Self

import requests

from .origins import default_platform_origins

REPO_ROOT = Path(__file__).resolve().parents[2]
READY_PREFIX = "SANDBOX_READY "


class SandboxError(RuntimeError):
    """The sandbox did not start, or a control call failed."""


class SandboxClient:
    """Control-API client for a sandbox that is already running at ``base_url``."""

    def __init__(self, base_url: str, *, timeout: float = 10.0) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.session = requests.Session()

    def origins(self) -> dict[str, str]:
        """The ``PLATFORM_ORIGINS`` map pointing the real platform origins at this sandbox."""
        return default_platform_origins(self.base_url)

    def _call(self, method: str, path: str, **kwargs: Any) -> Any:
        response = self.session.request(method, f"{self.base_url}/_sandbox/{path}",
                                        timeout=self.timeout, **kwargs)
        if response.status_code >= 400:
            raise SandboxError(f"{method} /_sandbox/{path} -> {response.status_code}: {response.text}")
        return response.json()

    def health(self) -> bool:
        return bool(self._call("GET", "health").get("ok"))

    def reset(self) -> None:
        self._call("POST", "reset")

    def set_faults(self, config: dict[str, Any] | list[dict[str, Any]]) -> dict[str, Any]:
        """Replace the fault configuration; returns it as the sandbox understood it."""
        return self._call("POST", "faults", json=config)

    def get_faults(self) -> dict[str, Any]:
        return self._call("GET", "faults")

    def clear_faults(self) -> None:
        self._call("DELETE", "faults")

    def mint_token(self, platform: str, account: str, scopes: list[str] | None = None,
                   expires_in: int | None = None, client_id: str | None = None) -> dict[str, Any]:
        body: dict[str, Any] = {"platform": platform, "account": account}
        if scopes is not None:
            body["scopes"] = scopes
        if expires_in is not None:
            body["expires_in"] = expires_in
        if client_id is not None:
            body["client_id"] = client_id
        return self._call("POST", "tokens", json=body)

    def expire_tokens(self, platform: str, account: str | None = None, *, token: str | None = None,
                      revoke_refresh: bool = False) -> int:
        body = {"platform": platform, "account": account, "token": token, "revoke_refresh": revoke_refresh}
        return int(self._call("POST", "tokens/expire", json=body)["expired"])

    def register_client(self, platform: str, client_id: str, client_secret: str) -> None:
        self._call("POST", "clients", json={"platform": platform, "client_id": client_id,
                                            "client_secret": client_secret})

    def creates(self, platform: str | None = None, account: str | None = None) -> list[dict[str, Any]]:
        params = {k: v for k, v in (("platform", platform), ("account", account)) if v}
        return self._call("GET", "creates", params=params)

    def stats(self) -> dict[str, Any]:
        return self._call("GET", "stats")

    def requests_log(self, limit: int = 100, platform: str | None = None) -> list[dict[str, Any]]:
        params: dict[str, Any] = {"limit": limit}
        if platform:
            params["platform"] = platform
        return self._call("GET", "requests", params=params)

    def accounts(self, platform: str | None = None) -> list[dict[str, Any]]:
        return self._call("GET", "accounts", params={"platform": platform} if platform else {})


class SandboxProcess(SandboxClient):
    """Runs ``python -m platforms.sandbox --port 0`` as a subprocess; a context manager."""

    def __init__(self, *, host: str = "127.0.0.1", port: int = 0, startup_timeout: float = 15.0,
                 extra_args: list[str] | None = None, env: dict[str, str] | None = None) -> None:
        super().__init__("http://unstarted.invalid")
        self.host, self.port = host, port
        self.startup_timeout = startup_timeout
        self.extra_args = list(extra_args or [])
        self.env = env
        self.process: subprocess.Popen[str] | None = None
        self._stderr: IO[str] | None = None
        self._lines: queue.Queue[str | None] = queue.Queue()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def start(self) -> Self:
        if self.process is not None:
            return self
        # stderr goes to a file, not a pipe nobody reads (a full pipe would block the server).
        self._stderr = tempfile.TemporaryFile("w+", encoding="utf-8", errors="replace")  # noqa: SIM115 - closed in stop()
        command = [sys.executable, "-m", "platforms.sandbox", "--host", self.host,
                   "--port", str(self.port), "--watch-parent", *self.extra_args]
        env = {**os.environ, "PYTHONUNBUFFERED": "1", **(self.env or {})}
        self.process = subprocess.Popen(command, cwd=REPO_ROOT, env=env, text=True,
                                        stdout=subprocess.PIPE, stderr=self._stderr)
        threading.Thread(target=self._pump_stdout, daemon=True).start()
        try:
            line = self._lines.get(timeout=self.startup_timeout)
        except queue.Empty:
            line = None
        if not line or not line.startswith(READY_PREFIX):
            self._fail(f"no {READY_PREFIX.strip()} line within {self.startup_timeout:.0f}s (got {line!r})")
        self.base_url = line[len(READY_PREFIX):].strip().rstrip("/")
        return self

    def _pump_stdout(self) -> None:
        # Keep draining stdout for the life of the process so the child never blocks on it.
        process = self.process
        assert process is not None and process.stdout is not None
        with process.stdout:
            for line in process.stdout:
                self._lines.put(line.rstrip("\n"))
        self._lines.put(None)

    def _fail(self, reason: str) -> None:
        if self.process is not None:
            _terminate(self.process, 5.0)
        stderr = ""
        if self._stderr is not None:
            self._stderr.seek(0)
            stderr = self._stderr.read()[-4000:]
        self.stop()
        raise SandboxError(f"sandbox failed to start: {reason}\n--- sandbox stderr ---\n{stderr}")

    def stop(self, timeout: float = 5.0) -> None:
        """Terminate, then kill if it does not exit within ``timeout`` seconds."""
        process, self.process = self.process, None
        if process is not None:
            _terminate(process, timeout)
        if self._stderr is not None:
            self._stderr.close()
            self._stderr = None
        self.session.close()

    @property
    def returncode(self) -> int | None:
        return self.process.poll() if self.process else None


def _terminate(process: subprocess.Popen[str], timeout: float) -> None:
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=timeout)
