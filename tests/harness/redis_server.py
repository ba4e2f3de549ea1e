"""A dedicated, disposable redis-server on a free port, so a test may restart the broker."""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import redis

from tests.harness.procs import ManagedProcess, free_port, wait_until


def redis_server_available() -> bool:
    return shutil.which("redis-server") is not None


class RedisServer:
    def __init__(self, workdir: Path, port: int | None = None) -> None:
        self.workdir = workdir
        self.port = port or free_port()
        self.proc: ManagedProcess | None = None
        self.starts = 0

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> RedisServer:
        self.starts += 1
        argv = [shutil.which("redis-server") or "redis-server", "--port", str(self.port), "--bind", "127.0.0.1",
                "--save", "", "--appendonly", "no", "--dir", str(self.workdir)]
        self.proc = ManagedProcess(f"redis-{self.port}", argv, env=dict(os.environ), cwd=self.workdir,
                                   log_path=self.workdir / f"redis-{self.port}.log")
        wait_until(self._accepts, 10, what=f"redis-server on port {self.port}")
        return self

    def _accepts(self) -> bool:
        try:
            return bool(redis.Redis(port=self.port, socket_timeout=0.5).ping())
        except (OSError, redis.RedisError):
            return False

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.kill()
            self.proc = None

    def restart(self, down_for: float = 0.0) -> None:
        """Kill -9 and start again on the same port: every queued message is gone (no persistence)."""
        self.stop()
        time.sleep(down_for)
        self.start()
