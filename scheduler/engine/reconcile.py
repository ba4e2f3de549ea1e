"""The reconciler: settle `unknown` deliveries by asking the platform whether the post exists.

Creates are never retried blindly: "not found" only counts once the sending lease has expired plus a
grace period (the platform may still be applying the create), and whatever cannot be settled becomes
`needs_check` with a message telling the user what to look at.
"""

from __future__ import annotations

import logging
import uuid
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from platforms.errors import AuthExpired, NotSupported, RateLimited, TransientError
from platforms.registry import adapter_class, get_adapter
from platforms.types import PublishResult
from scheduler.engine import dispatch
from scheduler.engine.channels import channel_mark_needs_reconnect, channel_ref
from scheduler.engine.common import cas, platform_name
from scheduler.models import Attempt, AttemptOutcome, Delivery, DeliveryState

log = logging.getLogger(__name__)
UNKNOWN = (DeliveryState.UNKNOWN,)
RECONCILE_BATCH = 100


def reconcile_unknown(now: datetime | None = None) -> int:
    """One pass over `unknown` deliveries, oldest first. Returns how many were settled."""
    now = now or timezone.now()
    ids = list(
        Delivery.objects.filter(state=DeliveryState.UNKNOWN)
        .order_by("sending_at", "pk")
        .values_list("pk", flat=True)[:RECONCILE_BATCH]
    )
    return sum(1 for pk in ids if delivery_reconcile(pk, now=now) != DeliveryState.UNKNOWN)


def delivery_reconcile(delivery_id: int, *, now: datetime | None = None) -> str | None:
    """Ask the platform about one `unknown` delivery; returns its state afterwards (None if it is not unknown)."""
    now = now or timezone.now()
    delivery = Delivery.objects.select_related("channel").filter(pk=delivery_id, state=DeliveryState.UNKNOWN).first()
    if delivery is None:
        return None
    name = platform_name(delivery.channel)
    since = (delivery.sending_at or delivery.updated_at) - timedelta(minutes=1)
    try:  # no transaction is open here: this is a network call
        found = get_adapter(delivery.channel.platform).find_published(
            channel_ref(delivery.channel), delivery.fingerprint, since
        )
    except (TransientError, RateLimited) as exc:
        if _gave_up(delivery, now):
            return _needs_check(delivery, now, f"{name} did not answer SMO's checks ({exc.message}).", exc)
        log.info("reconcile of delivery %s postponed: %s", delivery_id, exc.message)
        return DeliveryState.UNKNOWN
    except (NotSupported, AuthExpired) as exc:
        if isinstance(exc, AuthExpired):  # the login is dead for sending too: hold the channel's posts
            channel_mark_needs_reconnect(delivery.channel, f"{name} no longer accepts this channel's login "
                                         f"({exc.message}). Reconnect the channel.")
        return _needs_check(delivery, now, f"SMO cannot ask {name} whether this post exists ({exc.message}).", exc)
    if found is not None:
        return _found(delivery, found, now)
    if _not_sent(delivery, now):
        if delivery.progress and getattr(adapter_class(delivery.channel.platform), "resumes_uploads", False):
            return _resume(delivery, now)
        return _not_found(delivery, now, name)
    if _gave_up(delivery, now):
        return _needs_check(delivery, now, f"{name} has not shown this post yet.", None)
    return DeliveryState.UNKNOWN


def _grace() -> timedelta:
    return timedelta(seconds=2 * settings.PLATFORM_READ_TIMEOUT)


def _not_sent(delivery: Delivery, now: datetime) -> bool:
    lease = delivery.lease_expires_at or delivery.updated_at
    return now >= lease + _grace()


def _gave_up(delivery: Delivery, now: datetime) -> bool:
    started = delivery.sending_at or delivery.updated_at
    return now >= started + timedelta(seconds=settings.RECONCILE_GIVE_UP_SECONDS)


def _settle(delivery: Delivery, now: datetime, outcome: str, *, error_class: str = "", message: str = "",
            **changes) -> str | None:
    token = delivery.attempt_token
    with transaction.atomic():
        if not cas(delivery.pk, token, UNKNOWN, lease_expires_at=None, **changes):
            return None  # settled meanwhile (a late send result, or another reconciler)
        Attempt.objects.create(delivery=delivery, token=token or uuid.uuid4(), started_at=now, finished_at=now,
                               outcome=outcome, error_class=error_class, error_message=message)
    return changes["state"]


def _found(delivery: Delivery, found: PublishResult, now: datetime) -> str | None:
    return _settle(delivery, now, AttemptOutcome.RECONCILED, state=DeliveryState.PUBLISHED,
                   external_id=found.external_id, permalink=found.permalink,
                   published_at=found.published_at or delivery.sending_at or now, error_code="", error_message="")


def _not_found(delivery: Delivery, now: datetime, name: str) -> str | None:
    message = (f"{name} has no post with this content; the send was interrupted before {name} received it. "
               "Retry to send it again.")
    return _settle(delivery, now, AttemptOutcome.FAILED, error_class="NotFound", message=message,
                   state=DeliveryState.FAILED, error_code="not_found", error_message=message)


def _resume(delivery: Delivery, now: datetime) -> str | None:
    """An upload session stored in `progress` can only ever make one post (resumes_uploads): continue it."""
    token = uuid.uuid4()
    with transaction.atomic():
        if not cas(delivery.pk, delivery.attempt_token, UNKNOWN, state=DeliveryState.QUEUED, attempt_token=token,
                   queued_at=now, lease_expires_at=now + timedelta(seconds=settings.QUEUED_LEASE_SECONDS),
                   error_message=f"The upload to {platform_name(delivery.channel)} was interrupted; SMO resumes it."):
            return None
        transaction.on_commit(lambda: dispatch.enqueue_publish(delivery.pk, token))
    return DeliveryState.QUEUED


def _needs_check(delivery: Delivery, now: datetime, why: str, exc: Exception | None) -> str | None:
    message = (f"{why} Open the channel on {platform_name(delivery.channel)} and check whether the post is there: "
               "if it is, mark it published; if not, retry it.")
    return _settle(delivery, now, AttemptOutcome.UNKNOWN, error_class=type(exc).__name__ if exc else "",
                   message=message, state=DeliveryState.NEEDS_CHECK, error_code="needs_check",
                   error_message=message)
