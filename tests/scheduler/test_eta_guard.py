"""Guard: Celery never holds a post for later (ARCHITECTURE.md, "The publishing engine").

Scans the project's Python source and fails on an ETA or countdown over 60 s, on retry delays that
default past a minute, and on any beat schedule entry made outside the static dict in smo/settings.py.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCANNED_PACKAGES = ("smo", "scheduler", "platforms", "inbox", "workspaces", "media", "api")
SETTINGS = "smo/settings.py"
MAX_DELAY = 60
DELAY_KEYWORDS = {"countdown", "default_retry_delay", "retry_backoff_max"}
# Dynamic beat schedules (django-celery-beat, redbeat, Celery's own API).
FORBIDDEN_NAMES = {"PeriodicTask", "PeriodicTasks", "ClockedSchedule", "CrontabSchedule", "IntervalSchedule",
                   "SolarSchedule", "add_periodic_task", "RedBeatSchedulerEntry"}
FORBIDDEN_MODULES = ("django_celery_beat", "redbeat")
SCHEDULE_NAMES = {"CELERY_BEAT_SCHEDULE", "beat_schedule"}


def _short_delay(node: ast.expr) -> bool:
    """A literal number of seconds <= 60, or min(..., <literal <= 60>, ...)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, int | float) and not isinstance(node.value, bool):
        return 0 <= node.value <= MAX_DELAY
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "min":
        return any(_short_delay(arg) for arg in node.args)
    return False


def _call_problems(call: ast.Call) -> list[str]:
    keywords = {k.arg: k.value for k in call.keywords if k.arg}
    problems = []
    eta = keywords.get("eta")
    if eta is not None and not (isinstance(eta, ast.Constant) and eta.value is None):
        problems.append("eta= (the database is the schedule; use due_at)")
    problems += [f"{name}= over {MAX_DELAY} s or not a literal" for name in sorted(DELAY_KEYWORDS & set(keywords))
                 if not _short_delay(keywords[name])]
    backoff = keywords.get("retry_backoff")
    if backoff is not None and not (isinstance(backoff, ast.Constant) and backoff.value is False) \
            and "retry_backoff_max" not in keywords:
        problems.append(f"retry_backoff without retry_backoff_max <= {MAX_DELAY} (Celery's default is 600 s)")
    func = call.func
    if isinstance(func, ast.Attribute) and func.attr == "retry" and not {"countdown", "eta"} & set(keywords):
        problems.append(f".retry() without countdown <= {MAX_DELAY} (default_retry_delay is 180 s)")
    return problems


def _identifier(node: ast.AST) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    if isinstance(node, ast.Subscript):
        return _identifier(node.value)
    return None


def _schedule_problems(node: ast.AST, is_settings: bool, module_level: set[ast.AST]) -> list[str]:
    """Outside settings any mention of the beat schedule is a dynamic entry; inside, only one static assignment."""
    if _identifier(node) not in SCHEDULE_NAMES or not isinstance(node, ast.Name | ast.Attribute | ast.Subscript):
        return []
    if not is_settings:
        return [f"beat schedule {_identifier(node)} touched outside {SETTINGS}"]
    if isinstance(node, ast.Subscript) and isinstance(node.ctx, ast.Store):
        return ["beat schedule entry added by item assignment"]
    if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store) and node not in module_level:
        return ["beat schedule assigned somewhere other than one module-level dict"]
    return []


def scan_source(source: str, path: str = "<snippet>") -> list[str]:
    tree = ast.parse(source, filename=path)
    is_settings = path == SETTINGS
    module_level = {t for stmt in tree.body if isinstance(stmt, ast.Assign) and isinstance(stmt.value, ast.Dict)
                    for t in stmt.targets}
    problems: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        line = getattr(node, "lineno", 0)
        if isinstance(node, ast.Call):
            problems += [(line, p) for p in _call_problems(node)]
            func = node.func
            if isinstance(func, ast.Attribute) and func.attr in {"update", "setdefault", "__setitem__"} \
                    and _identifier(func.value) in SCHEDULE_NAMES:
                problems.append((line, f"beat schedule changed with .{func.attr}()"))
        if isinstance(node, ast.Name | ast.Attribute) and _identifier(node) in FORBIDDEN_NAMES:
            problems.append((line, f"{_identifier(node)}: dynamic beat entries are not allowed"))
        if isinstance(node, ast.alias) and node.name.split(".")[0] in FORBIDDEN_MODULES + tuple(FORBIDDEN_NAMES):
            problems.append((line, f"imports {node.name}"))
        if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] in FORBIDDEN_MODULES:
            problems.append((line, f"imports from {node.module}"))
        problems += [(line, p) for p in _schedule_problems(node, is_settings, module_level)]
    return [f"{path}:{line}: {problem}" for line, problem in sorted(set(problems))]


def project_files() -> list[Path]:
    return sorted(p for package in SCANNED_PACKAGES for p in (ROOT / package).rglob("*.py")
                  if "node_modules" not in p.parts)


def test_no_long_eta_countdown_or_dynamic_beat_entry_in_the_source():
    files = project_files()
    relative = {p.relative_to(ROOT).as_posix() for p in files}
    # Not vacuous: the files that matter were read, and the settings really hold the static schedule.
    assert {SETTINGS, "scheduler/tasks.py", "scheduler/engine/dispatch.py", "platforms/registry.py"} <= relative
    assert len(files) >= 25 and {p.parts[len(ROOT.parts)] for p in files} == set(SCANNED_PACKAGES)
    settings_source = (ROOT / SETTINGS).read_text()
    assert "CELERY_BEAT_SCHEDULE = {" in settings_source and "scheduler.tasks.dispatch_due" in settings_source
    problems = [problem for path in files
                for problem in scan_source(path.read_text(), path.relative_to(ROOT).as_posix())]
    assert problems == []


@pytest.mark.parametrize(
    ("snippet", "expected"),
    [
        ("publish.apply_async((1, 't'), eta=when)", "eta="),
        ("publish.apply_async((1,), countdown=3600)", "countdown= over 60"),
        ("publish.apply_async((1,), countdown=delay)", "countdown= over 60"),
        ("publish.apply_async((1,), countdown=min(delay, 600))", "countdown= over 60"),
        ("self.retry(exc=exc, countdown=61)", "countdown= over 60"),
        ("self.retry(exc=exc)", ".retry() without countdown"),
        ("@shared_task(default_retry_delay=300)\ndef f(): pass", "default_retry_delay= over 60"),
        ("@shared_task(autoretry_for=(E,), retry_backoff=True)\ndef f(): pass", "retry_backoff without"),
        ("@shared_task(retry_backoff=True, retry_backoff_max=900)\ndef f(): pass", "retry_backoff_max= over 60"),
        ("PeriodicTask.objects.create(name=n, task='scheduler.tasks.publish_delivery', clocked=c)", "PeriodicTask"),
        ("from django_celery_beat.models import ClockedSchedule", "django_celery_beat"),
        ("app.add_periodic_task(10.0, ping.s())", "add_periodic_task"),
        ("app.conf.beat_schedule = {'x': {'task': 't', 'schedule': 5}}", "outside smo/settings.py"),
        ("settings.CELERY_BEAT_SCHEDULE['post-1'] = {}", "outside smo/settings.py"),
    ],
)
def test_scanner_catches_bad_snippets(snippet, expected):
    problems = scan_source(snippet)
    assert problems and any(expected in p for p in problems), problems


def test_scanner_rules_inside_settings():
    static = "CELERY_BEAT_SCHEDULE = {'tick': {'task': 't', 'schedule': 1.0}}\n"
    assert scan_source(static, SETTINGS) == []
    assert scan_source(static + "CELERY_BEAT_SCHEDULE['post-9'] = {}\n", SETTINGS)
    assert scan_source(static + "CELERY_BEAT_SCHEDULE.update(more)\n", SETTINGS)
    assert scan_source("def f():\n    CELERY_BEAT_SCHEDULE = {}\n", SETTINGS)


@pytest.mark.parametrize(
    "snippet",
    [
        "publish_delivery.delay(pk, str(token))",
        "publish.apply_async((1,), countdown=30)",
        "self.retry(exc=exc, countdown=min(2 ** n, 60))",
        "self.retry(exc=exc, countdown=min(60, backoff(n)))",
        "task.apply_async((1,), eta=None)",
        "@shared_task(default_retry_delay=10, retry_backoff=True, retry_backoff_max=60)\ndef f(): pass",
        "session.mount('https://', HTTPAdapter(max_retries=retry))",
    ],
)
def test_scanner_accepts_short_delays(snippet):
    assert scan_source(snippet) == []
