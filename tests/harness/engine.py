"""Find the publishing engine's entry points by their agreed names, wherever the module put them."""

from __future__ import annotations

from collections.abc import Callable
from importlib import import_module
from typing import Any

_MODULES = (
    "scheduler.engine",
    "scheduler.engine.dispatch",
    "scheduler.engine.publish",
    "scheduler.engine.reconcile",
    "scheduler.engine.leases",
    "scheduler.services",
    "scheduler.dispatch",
    "scheduler.publishing",
)


def engine_function(name: str) -> Callable[..., Any]:
    """Return e.g. ``dispatch_due`` from the first engine module that defines it."""
    for module_name in _MODULES:
        try:
            module = import_module(module_name)
        except ImportError:
            continue
        func = getattr(module, name, None)
        if callable(func):
            return func
    raise LookupError(f"no engine function {name!r} in any of {_MODULES}")
