"""What the LinkedIn dialect's modules share: URN prefixes, LinkedIn's error body, the active API versions."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from aiohttp import web

from .dialect import json_response

PERSON, ORGANIZATION = "urn:li:person:", "urn:li:organization:"
_MESSAGES = {400: ("ILLEGAL_ARGUMENT", "Bad request"), 401: ("INVALID_ACCESS_TOKEN", "Invalid access token"),
             403: ("ACCESS_DENIED", "Not enough permissions to access this resource"),
             404: ("NOT_FOUND", "Not Found"), 422: ("UNPROCESSABLE_ENTITY", "Unprocessable entity"),
             429: ("TOO_MANY_REQUESTS", "Resource level throttle limit for calls to this resource is reached."),
             500: ("INTERNAL_SERVER_ERROR", "Internal Server Error"), 503: ("SERVICE_UNAVAILABLE",
                                                                           "Service Unavailable")}


def error(status: int, message: str | None = None, *, code: str | None = None,
          service_code: int | None = None, headers: dict[str, str] | None = None) -> web.Response:
    default_code, default_message = _MESSAGES.get(status, ("ERROR", "Error"))
    body: dict[str, Any] = {"status": status, "code": code or default_code, "message": message or default_message}
    if service_code is not None:
        body["serviceErrorCode"] = service_code
    return json_response(body, status, headers=headers)


def active_versions(now: datetime | None = None) -> set[str]:
    """The YYYYMM versions LinkedIn serves: the current month and the eleven before it."""
    moment = now or datetime.now(UTC)
    months = [(moment.year * 12 + moment.month - 1) - back for back in range(12)]
    return {f"{m // 12:04d}{m % 12 + 1:02d}" for m in months}
