"""The Stack: real SMO processes (Celery workers, dispatchers, beat) sharing one environment.

Everything a process reads comes from the environment built here: the database (PostgreSQL, maybe
through a cuttable proxy), the broker (Redis on a dedicated db number or a dedicated server), the
sandbox's origins, short leases and timeouts, and failpoints. Logs go to files under ``workdir``;
``logs()`` collects them for a failing test's report. ``close()`` (also run at exit) leaves no
process behind.
"""

from __future__ import annotations

import contextlib
import json
import os
import queue
import signal
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from itertools import count
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import quote, urlsplit, urlunsplit

import psutil
import redis

from tests.harness.dispatcher_main import REPLY
from tests.harness.procs import ManagedProcess, wait_until

REPO = Path(__file__).resolve().parents[2]
CELERY = str(REPO / ".venv" / "bin" / "celery")
PUBLISH_TASK = "scheduler.tasks.publish_delivery"


class SandboxLike(Protocol):
    base_url: str

    def origins(self) -> dict[str, str]: ...


def database_url(settings_dict: dict[str, Any], *, host: str | None = None, port: int | None = None) -> str:
    """A DATABASE_URL for Django's connection settings (during tests NAME is the test database)."""
    user = quote(settings_dict.get("USER") or "")
    password = quote(settings_dict.get("PASSWORD") or "")
    auth = f"{user}:{password}@" if password else (f"{user}@" if user else "")
    netloc = f"{auth}{host or settings_dict.get('HOST') or '127.0.0.1'}:{port or settings_dict.get('PORT') or 5432}"
    return urlunsplit(("postgres", netloc, "/" + settings_dict["NAME"], "", ""))


def with_port(url: str, port: int) -> str:
    parts = urlsplit(url)
    auth = parts.netloc.rsplit("@", 1)[0] + "@" if "@" in parts.netloc else ""
    return urlunsplit((parts.scheme, f"{auth}127.0.0.1:{port}", parts.path, parts.query, parts.fragment))


@dataclass
class StackConfig:
    database_url: str
    broker_url: str
    workdir: Path
    queued_lease_s: int = 4
    sending_lease_s: int = 4
    read_timeout_s: float = 2.0
    dispatch_interval_s: float = 0.5
    reconcile_interval_s: float = 1.0
    retry_base_s: int = 1
    extra_env: dict[str, str] = field(default_factory=dict)

    def env(self, sandbox: SandboxLike | None) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "SMO_FAILPOINTS"))}
        env.update({
            "DJANGO_SETTINGS_MODULE": "smo.settings",
            "PYTHONUNBUFFERED": "1",
            "DEBUG": "true",
            "DATABASE_URL": self.database_url,
            "CELERY_BROKER_URL": self.broker_url,
            "QUEUED_LEASE_SECONDS": str(self.queued_lease_s),
            "SENDING_LEASE_SECONDS": str(self.sending_lease_s),
            "PLATFORM_READ_TIMEOUT": str(self.read_timeout_s),
            "PLATFORM_CONNECT_TIMEOUT": "2",
            "DISPATCH_INTERVAL_SECONDS": str(self.dispatch_interval_s),
            "RECONCILE_INTERVAL_SECONDS": str(self.reconcile_interval_s),
            "RETRY_BASE_SECONDS": str(self.retry_base_s),
            "RETRY_MAX_SECONDS": str(max(self.retry_base_s * 8, 10)),
        })
        if sandbox is not None:
            env["SANDBOX_URL"] = sandbox.base_url
            env["PLATFORM_ORIGINS"] = json.dumps(sandbox.origins())
        env.update(self.extra_env)
        return env


class DispatcherProcess:
    """A ``tests.harness.dispatcher_main`` child driven over stdin/stdout."""

    def __init__(self, proc: ManagedProcess) -> None:
        self.proc = proc
        self.call_timeout = 30.0
        self._replies: queue.Queue[dict[str, Any] | None] = queue.Queue()
        threading.Thread(target=self._pump, name=f"{proc.name}-replies", daemon=True).start()
        self._read_reply(timeout=60)

    def _pump(self) -> None:
        """Reply lines to the queue, anything else to the log; None when the child's stdout closes."""
        stream = self.proc.popen.stdout
        assert stream is not None
        for line in stream:
            if line.startswith(REPLY):
                self._replies.put(json.loads(line[len(REPLY):]))
            else:
                with contextlib.suppress(OSError), self.proc.log_path.open("a") as log:
                    log.write(line)
        self._replies.put(None)

    def dispatch(self, now: Any = None, at: float | None = None) -> dict[str, Any]:
        return self.call("dispatch", now=now, at=at)

    def reconcile(self, now: Any = None) -> dict[str, Any]:
        return self.call("reconcile", now=now)

    def send(self, op: str, now: Any = None, at: float | None = None) -> None:
        command = {"op": op, "now": now.isoformat() if hasattr(now, "isoformat") else now, "at": at}
        assert self.proc.popen.stdin is not None
        self.proc.popen.stdin.write(json.dumps(command) + "\n")
        self.proc.popen.stdin.flush()

    def call(self, op: str, now: Any = None, at: float | None = None) -> dict[str, Any]:
        self.send(op, now, at)
        return self.receive()

    def receive(self) -> dict[str, Any]:
        reply = self._read_reply(self.call_timeout)
        if not reply.get("ok"):
            raise RuntimeError(f"dispatcher {reply.get('error')}\n{reply.get('trace', '')}")
        return reply

    def _read_reply(self, timeout: float) -> dict[str, Any]:
        try:
            reply = self._replies.get(timeout=timeout)
        except queue.Empty:
            reply = None
        if reply is None:
            raise RuntimeError(f"{self.proc.name} gave no reply:\n{self.proc.log_text()[-4000:]}")
        return reply

    def stop(self) -> None:
        self.proc.stop(timeout=5)


class Stack:
    def __init__(self, config: StackConfig, sandbox: SandboxLike | None = None) -> None:
        self.config = config
        self.sandbox = sandbox
        self.workdir = config.workdir
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.processes: list[ManagedProcess] = []
        self.workers: list[ManagedProcess] = []
        self._ids = count(1)
        self._task_app: Any = None

    # -- environment and processes ---------------------------------------------------------

    def env(self, **overrides: str) -> dict[str, str]:
        env = self.config.env(self.sandbox)
        env.update(overrides)
        return env

    def _spawn(self, name: str, argv: list[str], env: dict[str, str], **kwargs: Any) -> ManagedProcess:
        log_path = self.workdir / f"{name}.log"
        proc = ManagedProcess(name, argv, env=env, cwd=REPO, log_path=log_path, **kwargs)
        self.processes.append(proc)
        return proc

    def start_worker(self, concurrency: int = 8, *, failpoints: str | None = None, queues: str = "publish",
                     env: dict[str, str] | None = None, prefetch: int | None = None,
                     wait: bool = True) -> ManagedProcess:
        """One ``celery worker -P threads`` in its own process group."""
        index = next(self._ids)
        name = f"worker{index}"
        worker_env = self.env(**(env or {}))
        if failpoints:
            worker_env["SMO_FAILPOINTS"] = failpoints
        argv = [CELERY, "-A", "smo", "worker", "-Q", queues, "-P", "threads", "-c", str(concurrency),
                "-n", f"{name}-{os.getpid()}@%h", "-l", "info",
                "--without-heartbeat", "--without-gossip", "--without-mingle"]
        if prefetch is not None:  # settings fix the multiplier; the command line overrides it
            argv += ["--prefetch-multiplier", str(prefetch)]
        proc = self._spawn(name, argv, worker_env)
        self.workers.append(proc)
        if wait:
            proc.wait_for_log(" ready.", timeout=45)
        return proc

    def kill_worker(self, worker: ManagedProcess | None = None, sig: int = signal.SIGKILL) -> ManagedProcess:
        worker = worker or self.workers[-1]
        worker.kill(sig)
        return worker

    def stop_worker(self, worker: ManagedProcess) -> None:
        worker.stop()

    def start_dispatcher(self, *, loop: bool = False, interval: float | None = None,
                         reconcile_interval: float | None = None,
                         env: dict[str, str] | None = None) -> DispatcherProcess | ManagedProcess:
        """A dispatcher loop (beat's cadence, in a plain process) or, without ``loop``, a driven one."""
        name = f"dispatcher{next(self._ids)}"
        argv = [sys.executable, "-m", "tests.harness.dispatcher_main"]
        if loop:
            argv += ["--loop", "--interval", str(interval or self.config.dispatch_interval_s),
                     "--reconcile-interval", str(reconcile_interval or self.config.reconcile_interval_s)]
            proc = self._spawn(name, argv, self.env(**(env or {})))
            proc.wait_for_log("dispatcher loop ready", timeout=45)
            return proc
        proc = self._spawn(name, argv, self.env(**(env or {})), stdin=-1, stdout_pipe=True)
        return DispatcherProcess(proc)

    def start_beat(self) -> tuple[ManagedProcess, ManagedProcess]:
        """Real ``celery beat`` plus a worker for the ``default`` queue that runs its ticks."""
        name = f"beat{next(self._ids)}"
        argv = [CELERY, "-A", "smo", "beat", "-l", "info", "-s", str(self.workdir / f"{name}-schedule"),
                "--pidfile", ""]
        beat = self._spawn(name, argv, self.env())
        ticker = self.start_worker(concurrency=2, queues="default")
        return beat, ticker

    # -- broker ----------------------------------------------------------------------------

    def redis(self) -> redis.Redis:
        return redis.Redis.from_url(self.config.broker_url)

    def flush_redis(self) -> None:
        self.redis().flushdb()

    def queue_length(self, queue: str = "publish") -> int:
        return int(self.redis().llen(queue))

    def send_publish(self, delivery_id: int, token: str, *, times: int = 1) -> None:
        """Put the ``publish_delivery`` message on the broker ``times`` times, as a redelivery would."""
        app = self._tasks()
        for _ in range(times):
            app.send_task(PUBLISH_TASK, args=[delivery_id, str(token)], queue="publish")

    def _tasks(self) -> Any:
        if self._task_app is None:
            from celery import Celery

            self._task_app = Celery("harness", broker=self.config.broker_url, set_as_current=False)
            self._task_app.conf.update(task_serializer="json", accept_content=["json"])
        return self._task_app

    # -- observation -----------------------------------------------------------------------

    @staticmethod
    def wait_until(predicate: Callable[[], object], timeout: float, interval: float = 0.1, what: str = "") -> object:
        return wait_until(predicate, timeout, interval, what)

    @staticmethod
    def rss_mb(proc: ManagedProcess) -> float:
        """Resident memory of the process and all its descendants, in MB."""
        try:
            root = psutil.Process(proc.pid)
            members = [root, *root.children(recursive=True)]
        except psutil.NoSuchProcess:
            return 0.0
        total = 0
        for member in members:
            try:
                total += member.memory_info().rss
            except psutil.NoSuchProcess:
                continue
        return total / 1e6

    def logs(self, tail: int = 6000) -> str:
        parts = []
        for proc in self.processes:
            text = proc.log_text()
            parts.append(f"===== {proc.name} (pid {proc.pid}, rc {proc.popen.poll()}) =====\n{text[-tail:]}")
        return "\n".join(parts)

    def close(self) -> None:
        if self._task_app is not None:
            self._task_app.close()
        for proc in reversed(self.processes):
            proc.stop(timeout=5)
