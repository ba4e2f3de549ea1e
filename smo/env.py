"""Typed readers for environment variables.

Every reader names the variable in its error so that a malformed value stops start-up with a
message the operator can act on, instead of a traceback deep inside Django.
"""

from __future__ import annotations

import json
import os
from typing import Any

from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def raw(name: str) -> str | None:
    value = os.environ.get(name)
    return value.strip() if value is not None else None


def string(name: str, default: str | None = None) -> str | None:
    value = raw(name)
    return default if value in (None, "") else value


def boolean(name: str, default: bool) -> bool:
    value = raw(name)
    if value is None:
        return default
    if value.lower() in _TRUE:
        return True
    if value.lower() in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (true/false/1/0), got {value!r}.")


def integer(name: str, default: int, minimum: int | None = None) -> int:
    value = raw(name)
    if value in (None, ""):
        return default
    try:
        number = int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, got {value!r}.") from None
    if minimum is not None and number < minimum:
        raise ImproperlyConfigured(f"{name} must be at least {minimum}, got {number}.")
    return number


def number(name: str, default: float) -> float:
    value = raw(name)
    if value in (None, ""):
        return default
    try:
        return float(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a number, got {value!r}.") from None


def choice(name: str, default: str, options: list[str]) -> str:
    value = string(name, default) or default
    if value.upper() not in options:
        raise ImproperlyConfigured(f"{name} must be one of {', '.join(options)}, got {value!r}.")
    return value.upper()


def listing(name: str, default: list[str]) -> list[str]:
    value = raw(name)
    if value in (None, ""):
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


def json_object(name: str, default: dict[str, Any]) -> dict[str, Any]:
    value = raw(name)
    if value in (None, ""):
        return default
    try:
        parsed = json.loads(value)
    except json.JSONDecodeError as exc:
        raise ImproperlyConfigured(f"{name} must be a JSON object: {exc.msg} at position {exc.pos}.") from None
    if not isinstance(parsed, dict):
        raise ImproperlyConfigured(f"{name} must be a JSON object, got {type(parsed).__name__}.")
    return parsed


def required_secret(name: str, debug: bool, dev_default: str) -> str:
    """A secret that falls back to a development value only while DEBUG is on."""
    value = string(name)
    if value:
        return value
    if debug:
        return dev_default
    raise ImproperlyConfigured(f"{name} is required when DEBUG is off; set it in the environment or .env.")
