"""The publishing engine: dispatcher, publisher, reconciler and retry policy.

The database is the schedule (see "The publishing engine" in ARCHITECTURE.md). Every state change
here is a compare-and-set UPDATE on the delivery row, so a stale, duplicate or late message can never
overwrite a newer state, and no transaction or row lock is ever held across a platform call.
"""

from scheduler.engine.dispatch import dispatch_due, expire_leases
from scheduler.engine.publish import delivery_publish
from scheduler.engine.reconcile import delivery_reconcile, reconcile_unknown
from scheduler.engine.retry import retry_delay

__all__ = [
    "delivery_publish",
    "delivery_reconcile",
    "dispatch_due",
    "expire_leases",
    "reconcile_unknown",
    "retry_delay",
]
