"""The dispatcher: a beat tick that moves due deliveries to `queued` and rings the publish doorbell.

Harmless if it runs twice or concurrently: on PostgreSQL claims take row locks with SKIP LOCKED, on
SQLite (whose IMMEDIATE transactions already serialise writers) every claim is a conditional UPDATE
that only succeeds while the row is still due.
"""

from __future__ import annotations

import logging
import time
import uuid
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Case, Q, UUIDField, Value, When
from django.utils import timezone

from platforms.models import Health
from scheduler.engine.common import SEND_PENDING_STATES
from scheduler.models import Attempt, AttemptOutcome, Delivery, DeliveryState

log = logging.getLogger(__name__)


def dispatch_due(now: datetime | None = None) -> int:
    """Claim due deliveries in batches until none remain or the tick's time budget is used up.

    Returns how many were claimed. Each batch is one transaction: expire leases, then claim.
    """
    now = now or timezone.now()
    budget = 0.8 * settings.DISPATCH_INTERVAL_SECONDS
    started = time.monotonic()
    total = 0
    while True:
        claimed = _dispatch_batch(now)
        total += claimed
        if claimed < settings.DISPATCH_BATCH_SIZE or time.monotonic() - started >= budget:
            return total


def _dispatch_batch(now: datetime) -> int:
    with transaction.atomic():
        expire_leases(now)
        claims = _claim(now, settings.DISPATCH_BATCH_SIZE)
        if claims:
            transaction.on_commit(lambda: _enqueue_all(claims))
    return len(claims)


def _skip_locked() -> bool:
    return connection.features.has_select_for_update_skip_locked


def _locked(queryset):
    """Rows no other dispatcher holds, locked until commit (PostgreSQL); unchanged on SQLite."""
    if _skip_locked():
        return queryset.select_for_update(skip_locked=True, of=("self",))
    return queryset


def expire_leases(now: datetime, limit: int = 1000) -> tuple[int, int]:
    """`queued` past its lease goes back to `scheduled`; `sending` past its lease becomes `unknown`.

    Never `sending -> scheduled`: the worker may have reached the platform before it died, so only
    the reconciler may decide whether the post exists.
    """
    requeued = _expire(now, DeliveryState.QUEUED, limit, state=DeliveryState.SCHEDULED, attempt_token=None,
                       lease_expires_at=None, queued_at=None)
    lost = _expire(now, DeliveryState.SENDING, limit, state=DeliveryState.UNKNOWN, error_code="lease_expired",
                   error_message="The worker stopped while sending this post; SMO is checking with the platform "
                   "whether it was published. Nothing to do yet.")
    return requeued, lost


def _expire(now: datetime, from_state: str, limit: int, **changes) -> int:
    rows = list(
        _locked(Delivery.objects.filter(state=from_state, lease_expires_at__lt=now))
        .order_by("lease_expires_at", "pk")
        .values_list("pk", "attempt_token")[:limit]
    )
    if not rows:
        return 0
    ids = [pk for pk, _ in rows]
    count = Delivery.objects.filter(pk__in=ids, state=from_state, lease_expires_at__lt=now).update(
        updated_at=now, **changes
    )
    Attempt.objects.filter(token__in=[t for _, t in rows if t], outcome=AttemptOutcome.IN_PROGRESS).update(
        outcome=AttemptOutcome.ABANDONED, finished_at=now, error_message="The worker was lost before it reported."
    )
    if count:
        log.warning("expired %d %s lease(s)", count, from_state)
    return count


def _due(now: datetime):
    return Delivery.objects.filter(
        Q(channel__paused_until__isnull=True) | Q(channel__paused_until__lte=now),
        state__in=SEND_PENDING_STATES,
        due_at__lte=now,
        channel__health=Health.OK,
    )


def _lock_due_ids(now: datetime, limit: int) -> list[int]:
    return list(_locked(_due(now)).order_by("due_at", "pk").values_list("pk", flat=True)[:limit])


def _claim(now: datetime, limit: int) -> list[tuple[int, uuid.UUID]]:
    ids = _lock_due_ids(now, limit)
    if not ids:
        return []
    tokens = {pk: uuid.uuid4() for pk in ids}
    # The state/due_at conditions repeat the SELECT's, so the UPDATE claims only rows still due even
    # without row locks (SQLite, or anything that slipped past).
    updated = Delivery.objects.filter(pk__in=ids, state__in=SEND_PENDING_STATES, due_at__lte=now).update(
        state=DeliveryState.QUEUED,
        queued_at=now,
        lease_expires_at=now + timedelta(seconds=settings.QUEUED_LEASE_SECONDS),
        attempt_token=Case(*[When(pk=pk, then=Value(tok)) for pk, tok in tokens.items()], output_field=UUIDField()),
        updated_at=now,
    )
    if updated != len(ids):
        won = set(Delivery.objects.filter(attempt_token__in=tokens.values()).values_list("pk", flat=True))
        tokens = {pk: tok for pk, tok in tokens.items() if pk in won}
    return list(tokens.items())


def _enqueue_all(claims: list[tuple[int, uuid.UUID]]) -> None:
    """One message per delivery. A message that cannot be sent is not fatal: the queued lease expires
    and the next tick claims the delivery again with a new token."""
    for delivery_id, token in claims:
        try:
            enqueue_publish(delivery_id, token)
        except Exception:
            log.exception("could not enqueue delivery %s; it will be retried when its lease expires", delivery_id)


def enqueue_publish(delivery_id: int, token: uuid.UUID, *, check_after_s: float = 0) -> None:
    """Ring the doorbell. A delay only ever spaces out media-processing checks (at most 30 s)."""
    from scheduler.tasks import publish_delivery  # the task module imports the engine

    if check_after_s > 0:
        publish_delivery.apply_async((delivery_id, str(token)), countdown=min(check_after_s, 30))
    else:
        publish_delivery.delay(delivery_id, str(token))
