"""Record what the platform answered, in one short transaction guarded by (state=sending, token).

Each error class maps to exactly one state; the split that matters is "certainly not applied"
(retry, fail, reconnect) versus "may have been applied" (unknown, settled by the reconciler).
"""

from __future__ import annotations

import logging
import uuid
from datetime import datetime, timedelta

from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from platforms.errors import (
    AuthExpired,
    ContentRejected,
    NotReady,
    NotSupported,
    OutcomeUnknown,
    PlatformError,
    RateLimited,
    TransientError,
)
from platforms.models import Channel
from platforms.types import PublishResult
from scheduler.engine import processing
from scheduler.engine.channels import channel_mark_needs_reconnect
from scheduler.engine.common import cas, finish_attempt, platform_name, sentence
from scheduler.engine.retry import attempts_exhausted, retry_delay
from scheduler.models import AttemptOutcome, Delivery, DeliveryState

log = logging.getLogger(__name__)
SENDING = (DeliveryState.SENDING,)
LAST_PUBLISHED_RESOLUTION = timedelta(minutes=1)


def record(delivery: Delivery, token: uuid.UUID, result: object, *, duration_ms: int) -> str | None:
    """Apply the outcome; returns the new state, or None when a newer state already won."""
    now = timezone.now()
    with transaction.atomic():
        _commit_without_waiting_for_disk()
        if isinstance(result, PublishResult):
            state = _published(delivery, token, result, now)
        elif isinstance(result, _NOT_APPLIED):
            state = _refused(delivery, token, result, now)
        else:
            state = _unknown(delivery, token, result, now)
        if state is None:
            log.warning("delivery %s changed while its send was in flight; outcome %r dropped", delivery.pk, result)
            return None
        finish_attempt(token, _ATTEMPT_OUTCOME[state], now=now, duration_ms=duration_ms,
                       exc=result if isinstance(result, BaseException) else None,
                       message=_error_message(delivery.pk, state))
    return state


def _commit_without_waiting_for_disk() -> None:
    """An outcome can always be found again, so its commit need not wait for the WAL flush.

    If PostgreSQL loses it in a crash, the row is back in `sending` under the same token; its lease
    hands it to the reconciler, which asks the platform. The queued -> sending commit is different
    (it is what stops a second send) and keeps the server's full durability.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL synchronous_commit TO OFF")


# Errors that certainly did not apply the create. Anything else, including a bare PlatformError or
# an exception no adapter should raise, may have been applied and goes to `unknown`.
_NOT_APPLIED = (RateLimited, TransientError, AuthExpired, ContentRejected, NotSupported, NotReady)

_ATTEMPT_OUTCOME = {
    DeliveryState.PUBLISHED: AttemptOutcome.PUBLISHED,
    DeliveryState.RETRY_WAIT: AttemptOutcome.RETRY,
    DeliveryState.FAILED: AttemptOutcome.FAILED,
    DeliveryState.NEEDS_RECONNECT: AttemptOutcome.NEEDS_RECONNECT,
    DeliveryState.UNKNOWN: AttemptOutcome.UNKNOWN,
    DeliveryState.QUEUED: AttemptOutcome.WAITING,
}


def _error_message(delivery_id: int, state: str) -> str:
    if state == DeliveryState.PUBLISHED:
        return ""
    return Delivery.objects.filter(pk=delivery_id).values_list("error_message", flat=True).first() or ""


def _published(delivery: Delivery, token: uuid.UUID, result: PublishResult, now: datetime) -> str | None:
    # A success that arrives after the lease moved the row to `unknown` still settles it: same token.
    ok = cas(
        delivery.pk, token, (DeliveryState.SENDING, DeliveryState.UNKNOWN),
        state=DeliveryState.PUBLISHED, external_id=result.external_id, permalink=result.permalink,
        progress={}, processing_since=None,
        published_at=result.published_at or now, lease_expires_at=None, error_code="",
        error_message=sentence(result.warning) if result.warning else "",
    )
    if not ok:
        return None
    _stamp_channel(delivery.channel, now)
    return DeliveryState.PUBLISHED


def _stamp_channel(channel: Channel, now: datetime) -> None:
    """Set last_published_at at most once a minute: a burst on one channel would otherwise queue on
    its row lock. The copy read before the send usually shows a fresh stamp, which saves the query."""
    stale = now - LAST_PUBLISHED_RESOLUTION
    if channel.last_published_at is not None and channel.last_published_at >= stale:
        return
    Channel.objects.filter(
        Q(last_published_at__isnull=True) | Q(last_published_at__lt=stale), pk=channel.pk
    ).update(last_published_at=now)


def _refused(delivery: Delivery, token: uuid.UUID, exc: PlatformError, now: datetime) -> str | None:
    name = platform_name(delivery.channel)
    if isinstance(exc, NotReady):
        return processing.wait_for_media(delivery, token, exc, now, name)
    if isinstance(exc, RateLimited):
        return _rate_limited(delivery, token, exc, now, name)
    if isinstance(exc, TransientError):
        return _transient(delivery, token, exc, now, name)
    if isinstance(exc, AuthExpired):
        return _auth_expired(delivery, token, exc, name)
    verb = "cannot publish" if isinstance(exc, NotSupported) else "rejected"
    message = f"{name} {verb} this post: {sentence(exc.message)} Edit the post or the channel, then retry."
    return _fail(delivery, token, exc, message)


def _fail(delivery: Delivery, token: uuid.UUID, exc: PlatformError, message: str) -> str | None:
    ok = cas(delivery.pk, token, SENDING, state=DeliveryState.FAILED, lease_expires_at=None,
             error_code=_code(exc), error_message=message, progress={}, processing_since=None)
    return DeliveryState.FAILED if ok else None


def _code(exc: BaseException) -> str:
    return (getattr(exc, "platform_code", "") or type(exc).__name__)[:64]


def _transient(delivery: Delivery, token: uuid.UUID, exc: TransientError, now: datetime, name: str) -> str | None:
    attempt = _attempt_count(delivery.pk)
    if attempts_exhausted(attempt):
        message = (f"{name} could not be reached after {attempt} attempts (last error: {sentence(exc.message)}) "
                   "Check the platform's status, then retry.")
        return _fail(delivery, token, exc, message)
    due = now + retry_delay(attempt)
    return _retry_later(delivery, token, exc, due, f"{name} was unavailable: {sentence(exc.message)} "
                        f"SMO will try again at {due:%H:%M} UTC.")


def _rate_limited(delivery: Delivery, token: uuid.UUID, exc: RateLimited, now: datetime, name: str) -> str | None:
    due = exc.retry_at if exc.retry_at and exc.retry_at > now else now + retry_delay(_attempt_count(delivery.pk))
    # Hold the whole channel, so the dispatcher stops feeding it posts it would refuse; only ever extend.
    Channel.objects.filter(pk=delivery.channel_id).exclude(paused_until__gte=due).update(paused_until=due)
    message = (f"{name} asked SMO to slow down for this account ({sentence(exc.message)}) "
               f"Its posts wait until {due:%H:%M} UTC.")
    return _retry_later(delivery, token, exc, due, message)


def _retry_later(delivery: Delivery, token: uuid.UUID, exc: PlatformError, due: datetime, message: str) -> str | None:
    ok = cas(delivery.pk, token, SENDING, state=DeliveryState.RETRY_WAIT, due_at=due, lease_expires_at=None,
             error_code=_code(exc), error_message=message)
    return DeliveryState.RETRY_WAIT if ok else None


def _auth_expired(delivery: Delivery, token: uuid.UUID, exc: AuthExpired, name: str) -> str | None:
    message = (f"{name} no longer accepts this channel's login ({sentence(exc.message)}) "
               "Reconnect the channel; its posts are sent as soon as you do.")
    ok = cas(delivery.pk, token, SENDING, state=DeliveryState.NEEDS_RECONNECT, lease_expires_at=None,
             error_code=_code(exc), error_message=message)
    if not ok:
        return None
    channel_mark_needs_reconnect(delivery.channel, message)
    return DeliveryState.NEEDS_RECONNECT


def _unknown(delivery: Delivery, token: uuid.UUID, result: object, now: datetime) -> str | None:
    if not isinstance(result, OutcomeUnknown):
        log.error("unexpected result from the %s adapter for delivery %s: %r",
                  delivery.channel.platform, delivery.pk, result, exc_info=isinstance(result, BaseException))
    message = (f"SMO lost contact with {platform_name(delivery.channel)} while sending, so it may or may not have "
               "published the post. SMO is checking; nothing to do yet.")
    # The lease is kept: the reconciler waits for it (plus a grace) before concluding "not sent".
    ok = cas(delivery.pk, token, SENDING, state=DeliveryState.UNKNOWN, error_code=_code(result), error_message=message)
    return DeliveryState.UNKNOWN if ok else None


def _attempt_count(delivery_id: int) -> int:
    return Delivery.objects.filter(pk=delivery_id).values_list("attempt_count", flat=True).first() or 0
