"""Small helpers shared by the engine's steps."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from platforms.models import Channel
from platforms.registry import UnknownPlatform, adapter_class
from scheduler.models import Attempt, AttemptOutcome, Delivery, DeliveryState

SEND_PENDING_STATES = (DeliveryState.SCHEDULED, DeliveryState.RETRY_WAIT)


def platform_name(channel: Channel) -> str:
    """The name users know the platform by ("X"), for messages."""
    try:
        return str(getattr(adapter_class(channel.platform), "display_name", channel.platform))
    except UnknownPlatform:
        return channel.platform


def sentence(text: str) -> str:
    text = (text or "").strip()
    return text if text.endswith((".", "!", "?")) else f"{text}."


def cas(delivery_id: int, token: Any, states: tuple[str, ...], **changes: Any) -> bool:
    """Compare-and-set: change the row only if it is still in one of `states` with this token.

    `.update()` skips auto_now, so updated_at is set here for every engine write.
    """
    changes.setdefault("updated_at", timezone.now())
    return bool(
        Delivery.objects.filter(pk=delivery_id, state__in=states, attempt_token=token).update(**changes)
    )


def finish_attempt(token: Any, outcome: AttemptOutcome, *, now: Any, exc: BaseException | None = None,
                   message: str = "", duration_ms: int | None = None) -> None:
    changes: dict[str, Any] = {"outcome": outcome, "finished_at": now, "error_message": message}
    if exc is not None:
        changes["error_class"] = type(exc).__name__
    if duration_ms is not None:
        changes["duration_ms"] = duration_ms
    Attempt.objects.filter(token=token, outcome=AttemptOutcome.IN_PROGRESS).update(**changes)
