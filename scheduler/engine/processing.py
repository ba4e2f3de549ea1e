"""Waiting for a platform to process media, without a sleeping worker.

An adapter raises NotReady after an upload (nothing is published yet). The delivery goes back to
`queued` under a fresh token, keeping what was done (`progress`), and a publish message is sent with a
short countdown. If that message is lost, the queued lease expires and the dispatcher claims the
delivery again; either way the adapter continues from `progress` instead of uploading again.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F

from platforms.errors import NotReady
from scheduler.engine import dispatch
from scheduler.engine.common import cas
from scheduler.models import Delivery, DeliveryState

SENDING = (DeliveryState.SENDING,)
# Bounds on the platform's suggested wait: never hammer it, never hold a message long in the broker.
MIN_CHECK_SECONDS = 1.0
MAX_CHECK_SECONDS = 30.0


def wait_for_media(delivery: Delivery, token: uuid.UUID, exc: NotReady, now: datetime, name: str) -> str | None:
    since = delivery.processing_since or now
    limit = timedelta(seconds=settings.MEDIA_PROCESSING_TIMEOUT_SECONDS)
    if now - since > limit:
        return _give_up(delivery, token, name, limit)
    delay = max(MIN_CHECK_SECONDS, min(float(exc.check_after_s or MIN_CHECK_SECONDS), MAX_CHECK_SECONDS))
    next_token = uuid.uuid4()
    ok = cas(
        delivery.pk, token, SENDING,
        state=DeliveryState.QUEUED, attempt_token=next_token, queued_at=now,
        lease_expires_at=now + timedelta(seconds=delay + settings.QUEUED_LEASE_SECONDS),
        attempt_count=F("attempt_count") - 1,  # a processing check is not a try: retries stay available
        progress=exc.progress, processing_since=since,
        error_code=(exc.platform_code or "processing")[:64],
        error_message=f"{name} is still processing the media; SMO checks again in {round(delay)} s.",
    )
    if not ok:
        return None
    transaction.on_commit(lambda: dispatch.enqueue_publish(delivery.pk, next_token, check_after_s=delay))
    return DeliveryState.QUEUED


def _give_up(delivery: Delivery, token: uuid.UUID, name: str, limit: timedelta) -> str | None:
    minutes = round(limit.total_seconds() / 60)
    message = (f"{name} did not finish processing the media within {minutes} minutes. "
               "Try a smaller or differently encoded file, then retry.")
    ok = cas(delivery.pk, token, SENDING, state=DeliveryState.FAILED, lease_expires_at=None,
             error_code="processing_timeout", error_message=message, progress={}, processing_since=None)
    return DeliveryState.FAILED if ok else None
