"""Child processes that can never outlive the harness: own process group, log file, exact kill."""

from __future__ import annotations

import atexit
import contextlib
import os
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Callable, Sequence
from pathlib import Path

_LIVE: set[ManagedProcess] = set()
# util-linux's setpriv sets the parent-death signal and execs the command: the kernel SIGKILLs the
# child if the harness dies, even by kill -9 when atexit never runs. Where it is missing, atexit and
# the fixtures' finalizers are the safety net.
_SETPRIV = shutil.which("setpriv")


def _die_with_parent(argv: list[str]) -> list[str]:
    return [_SETPRIV, "--pdeathsig", "KILL", "--", *argv] if _SETPRIV else argv


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until(predicate: Callable[[], object], timeout: float, interval: float = 0.1, what: str = "") -> object:
    """Poll ``predicate`` until it returns something truthy; raise TimeoutError naming ``what``."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() >= deadline:
            raise TimeoutError(f"timed out after {timeout:.1f}s waiting for {what or predicate!r}")
        time.sleep(interval)


class ManagedProcess:
    """One child in its own session (so its group can be signalled without touching anyone else),
    with stdout and stderr appended to ``log_path``."""

    def __init__(self, name: str, argv: Sequence[str], *, env: dict[str, str], cwd: Path, log_path: Path,
                 stdin: int | None = subprocess.DEVNULL, stdout_pipe: bool = False) -> None:
        self.name = name
        self.argv = list(argv)
        self.log_path = log_path
        self._log = open(log_path, "ab", buffering=0)  # noqa: SIM115 - closed in stop()
        self.popen = subprocess.Popen(
            _die_with_parent(self.argv), env=env, cwd=cwd, stdin=stdin, stderr=self._log, start_new_session=True,
            stdout=subprocess.PIPE if stdout_pipe else self._log, text=stdout_pipe or None,
        )
        _LIVE.add(self)

    @property
    def pid(self) -> int:
        return self.popen.pid

    def alive(self) -> bool:
        return self.popen.poll() is None

    def log_text(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")
        except FileNotFoundError:
            return ""

    def wait_for_log(self, needle: str, timeout: float) -> None:
        def seen() -> bool:
            if needle in self.log_text():
                return True
            if not self.alive():
                raise RuntimeError(f"{self.name} exited ({self.popen.returncode}) before {needle!r}:\n"
                                   + self.log_text()[-4000:])
            return False

        wait_until(seen, timeout, what=f"{self.name} to log {needle!r}")

    def signal_group(self, sig: int) -> None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.popen.pid, sig)

    def kill(self, sig: int = signal.SIGKILL) -> None:
        """Send ``sig`` to the whole group; after SIGKILL, reap it so nothing is left behind."""
        self.signal_group(sig)
        if sig == signal.SIGKILL:
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.popen.wait(timeout=10)
            self._close()

    def stop(self, timeout: float = 10.0) -> None:
        """SIGTERM (Celery's warm shutdown), then SIGKILL whatever is left of the group."""
        if self.alive():
            self.signal_group(signal.SIGTERM)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.popen.wait(timeout=timeout)
        self.signal_group(signal.SIGKILL)  # children of a process that exited cleanly, too
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.popen.wait(timeout=10)
        self._close()

    def _close(self) -> None:
        _LIVE.discard(self)
        with contextlib.suppress(OSError):
            self._log.close()


@atexit.register
def _kill_leftovers() -> None:
    for proc in list(_LIVE):
        proc.kill(signal.SIGKILL)
