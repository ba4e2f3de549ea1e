"""Celery entry points. Thin: primary keys in, one service call, JSON arguments only.

No task here is ever given an ETA or a countdown: the database is the schedule and the beat ticks
(`dispatch_due`, `reconcile_unknown`, static in settings) are the only clocks.
"""

from __future__ import annotations

from celery import shared_task
from django.utils import timezone

from scheduler import engine


@shared_task(name="scheduler.tasks.dispatch_due", ignore_result=True)
def dispatch_due() -> int:
    return engine.dispatch_due(timezone.now())


# acks_late: a worker that dies mid-send leaves the message to be redelivered; the token CAS turns the
# redelivery into a no-op and the sending lease hands the delivery to the reconciler.
@shared_task(name="scheduler.tasks.publish_delivery", acks_late=True, ignore_result=True)
def publish_delivery(delivery_id: int, token: str) -> str | None:
    return engine.delivery_publish(int(delivery_id), str(token))


@shared_task(name="scheduler.tasks.reconcile_unknown", ignore_result=True)
def reconcile_unknown() -> int:
    return engine.reconcile_unknown(timezone.now())


@shared_task(name="scheduler.tasks.reconcile_delivery", acks_late=True, ignore_result=True)
def reconcile_delivery(delivery_id: int) -> str | None:
    return engine.delivery_reconcile(int(delivery_id))
