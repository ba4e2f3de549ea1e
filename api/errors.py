"""One JSON error shape for the whole API: {"code", "detail", "errors"}.

Service errors are Django ValidationErrors: DeliveryBusy (a send started or finished) becomes 409,
any other one 400 with the service's own message (e.g. "X allows 280 characters; this post has 300.").
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import status
from rest_framework.exceptions import APIException, ErrorDetail
from rest_framework.response import Response
from rest_framework.views import exception_handler

from scheduler.services import DeliveryBusy


class Conflict(APIException):
    status_code = status.HTTP_409_CONFLICT
    default_code = "conflict"
    default_detail = "This change conflicts with the current state."


def api_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, DeliveryBusy):
        return _body(status.HTTP_409_CONFLICT, "delivery_busy", exc.messages)
    if isinstance(exc, DjangoValidationError):
        return _body(status.HTTP_400_BAD_REQUEST, _code_of(exc), exc.messages)
    response = exception_handler(exc, context)
    if response is None:
        return None
    data = response.data
    if isinstance(data, dict) and set(data) == {"detail"}:
        detail = data["detail"]
        response.data = {"code": getattr(detail, "code", "error"), "detail": str(detail), "errors": [str(detail)]}
    else:
        response.data = {"code": "invalid", "detail": _first_message(data), "errors": data}
    return response


def _body(status_code: int, code: str, messages: list[str]) -> Response:
    return Response({"code": code, "detail": " ".join(messages), "errors": messages}, status=status_code)


def _code_of(exc: DjangoValidationError) -> str:
    code = getattr(exc, "code", None)
    if code:
        return str(code)
    codes = [getattr(e, "code", None) for e in getattr(exc, "error_list", [])]
    return next((str(c) for c in codes if c), "invalid")


def _first_message(data: Any, path: str = "") -> str:
    """The first error in a nested DRF error structure, prefixed with where it is ("variants.0.channel")."""
    if isinstance(data, dict):
        for key, value in data.items():
            field = str(key) if key != "non_field_errors" else ""
            return _first_message(value, f"{path}.{field}" if path and field else path or field)
    if isinstance(data, list):
        for index, value in enumerate(data):
            if isinstance(value, ErrorDetail | str):
                return f"{path}: {value}" if path else str(value)
            if value:
                return _first_message(value, f"{path}.{index}" if path else str(index))
    return f"{path}: {data}" if path else str(data)
