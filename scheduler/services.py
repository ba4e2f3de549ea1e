"""Writes on posts and deliveries made by people (the composer, the calendar, the channel pages).

Edits race the publisher, so each one locks the post's deliveries and refuses while any of them may
be on its way to the platform; a `queued` delivery is taken back and its token cleared, which turns the
publish message already in the broker into a no-op.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from approvals.gate import approval_required_error
from approvals.services import post_content_changed
from platforms.media_probe import ProbeError
from platforms.models import Channel
from platforms.preflight import check_media
from platforms.registry import get_adapter
from scheduler.campaigns import check_post_audience
from scheduler.engine.common import platform_name, sentence
from scheduler.models import Delivery, DeliveryState, Post, Variant
from scheduler.rendering import render_for, render_request
from scheduler.timezones import local_to_utc
from workspaces.audit import audit_record

__all__ = [
    "DeliveryBusy",
    "delivery_cancel",
    "delivery_mark_published",
    "deliveries_resume_for_channel",
    "local_to_utc",
    "post_retry_failed",
    "post_schedule",
    "post_set_variants",
    "post_update_content",
    "render_request",
]

# The platform may already have (or be about to have) this content: edits must not pretend otherwise.
BUSY_STATES = (DeliveryState.SENDING, DeliveryState.PUBLISHED, DeliveryState.UNKNOWN)
RETRYABLE_STATES = (DeliveryState.FAILED, DeliveryState.NEEDS_CHECK)
# Cancelling a failed or held delivery is allowed too, but these are the ones a user cancels to stop a send.
CANCELLABLE_STATES = (DeliveryState.DRAFT, DeliveryState.SCHEDULED, DeliveryState.QUEUED, DeliveryState.RETRY_WAIT)
EDITABLE_FIELDS = ("text", "link", "media", "thread", "campaign", "first_comment", "quote_of", "poll_options",
                   "poll_minutes", "audience")
VARIANT_FIELDS = ("text", "link", "media", "thread", "first_comment", "options")


class DeliveryBusy(ValidationError):
    """The change would race a send that has started or finished."""


def _busy_message(delivery: Delivery) -> str:
    name = platform_name(delivery.channel)
    if delivery.state == DeliveryState.PUBLISHED:
        return _("This post is already published on %(platform)s; it can no longer be changed there.") % {
            "platform": name}
    return _("This post is being sent to %(platform)s right now; wait until it finishes, then try again.") % {
        "platform": name}


def _lock_deliveries(post: Post) -> list[Delivery]:
    # Ordered by pk so two editors of one post always lock in the same order (no deadlock).
    return list(Delivery.objects.select_for_update().filter(post=post).select_related("channel").order_by("pk"))


def _refuse_if_busy(deliveries: Iterable[Delivery]) -> None:
    busy = [d for d in deliveries if d.state in BUSY_STATES]
    if busy:
        raise DeliveryBusy([_busy_message(d) for d in busy], code="delivery_busy")


def _unqueue(deliveries: Iterable[Delivery], now: datetime) -> None:
    ids = [d.pk for d in deliveries if d.state == DeliveryState.QUEUED]
    Delivery.objects.filter(pk__in=ids, state=DeliveryState.QUEUED).update(
        state=DeliveryState.SCHEDULED, attempt_token=None, lease_expires_at=None, queued_at=None, updated_at=now
    )


def _validate(post: Post, channels: list[Channel]) -> None:
    problems: list[str] = []
    for channel in channels:
        if channel.workspace_id != post.workspace_id:
            problems.append(_("The channel %(channel)s belongs to another workspace.") % {"channel": channel})
            continue
        adapter = get_adapter(channel.platform)
        name = platform_name(channel)
        try:
            request = render_for(post, channel)
        except ProbeError as exc:
            problems.append(sentence(exc.message))
            continue
        found = [sentence(p if name in p else f"{name}: {p}") for p in adapter.validate(request)]
        # Media rules live in one table (platforms.preflight); an adapter may still word the same rule itself.
        found += check_media(channel.platform, name, request.media)
        problems.extend(p for p in dict.fromkeys(found) if p not in problems)
    if problems:
        raise ValidationError(problems, code="invalid_for_platform")


def post_schedule(post: Post, channels: Iterable[Channel], due_at: datetime, *,
                  publish_now: bool = False, actor: Any = None) -> list[Delivery]:
    """Schedule the post on each channel at `due_at` (aware). One delivery per channel, `scheduled`.

    A time in the past is refused unless `publish_now` is set (then it is sent on the next tick).
    """
    channels = list(channels)
    if timezone.is_naive(due_at):
        raise ValueError("post_schedule needs an aware datetime; convert wall-clock times with local_to_utc().")
    now = timezone.now()
    if due_at < now and not publish_now:
        raise ValidationError(_("This time is already past. Pick a later time, or publish now."), code="past")
    if not channels:
        raise ValidationError(_("Pick at least one channel to publish to."), code="no_channels")
    _validate(post, channels)
    with transaction.atomic():
        existing = {d.channel_id: d for d in _lock_deliveries(post)}
        _refuse_if_busy(existing[c.pk] for c in channels if c.pk in existing)
        _refuse_unless_approved(post, channels)
        deliveries = [_schedule_one(post, channel, existing.get(channel.pk), due_at, now) for channel in channels]
    audit_record(workspace=post.workspace_id, actor=actor, target=post,
                 action="post.published_now" if publish_now else "post.scheduled",
                 details={"channels": [str(c) for c in channels], "due_at": due_at.isoformat()})
    return deliveries


def _refuse_unless_approved(post: Post, channels: list[Channel] | None = None) -> None:
    """The approval gate (approvals.gate): where the workspace requires it, only approved content goes out."""
    error = approval_required_error(post, channels)
    if error is not None:
        raise error


def _schedule_one(post: Post, channel: Channel, delivery: Delivery | None, due_at: datetime,
                  now: datetime) -> Delivery:
    if delivery is None:
        delivery = Delivery(workspace_id=post.workspace_id, post=post, channel=channel)
    delivery.state, delivery.due_at, delivery.scheduled_for = DeliveryState.SCHEDULED, due_at, due_at
    delivery.attempt_token = delivery.lease_expires_at = delivery.queued_at = None
    delivery.error_code = delivery.error_message = ""
    delivery.save()
    return delivery


def post_update_content(post: Post, *, actor: Any = None, **changes) -> Post:
    """Change the post's content (text, link, media, thread, campaign) unless a send has started."""
    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValueError(f"post_update_content cannot change {', '.join(sorted(unknown))}.")
    with transaction.atomic():
        deliveries = _lock_deliveries(post)
        _refuse_if_busy(deliveries)
        for name, value in changes.items():
            setattr(post, name, value)
        if "campaign" in changes or "audience" in changes:
            check_post_audience(post.campaign, post.audience)
        _validate(post, [d.channel for d in deliveries if d.state != DeliveryState.CANCELLED])
        post.save()
        _unqueue(deliveries, timezone.now())
        # Media uploaded for the old content must not be published with the new one.
        Delivery.objects.filter(post=post).exclude(progress={}).update(progress={}, processing_since=None)
        post_content_changed(post, actor)  # voids a stale approval; may take the post off the schedule
    audit_record(workspace=post.workspace_id, actor=actor, action="post.edited", target=post,
                 details={"fields": sorted(changes)})
    return post


def delivery_cancel(delivery: Delivery, *, actor: Any = None) -> Delivery:
    """Cancel one delivery unless its send has started or finished. Cancelling twice is harmless."""
    with transaction.atomic():
        locked = {d.pk: d for d in _lock_deliveries(delivery.post)}
        current = locked[delivery.pk]
        _refuse_if_busy([current])
        Delivery.objects.filter(pk=current.pk).update(
            state=DeliveryState.CANCELLED, attempt_token=None, lease_expires_at=None, updated_at=timezone.now()
        )
    delivery.refresh_from_db()
    if current.state != DeliveryState.CANCELLED:  # cancelling twice is harmless, and not news
        audit_record(workspace=delivery.workspace_id, actor=actor, action="post.cancelled", target=delivery.post,
                     details={"channel": str(delivery.channel), "delivery": delivery.pk, "was": current.state})
    return delivery


def post_retry_failed(post: Post, *, actor: Any = None) -> int:
    """Send again only the deliveries that failed or need a check; published ones are left alone.

    The attempt count is kept, so a delivery that exhausted its automatic retries gets one more try.
    """
    now = timezone.now()
    with transaction.atomic():
        ids = [d.pk for d in _lock_deliveries(post) if d.state in RETRYABLE_STATES]
        if ids:
            _refuse_unless_approved(post)
        count = Delivery.objects.filter(pk__in=ids).update(
            state=DeliveryState.SCHEDULED, due_at=now, attempt_token=None, lease_expires_at=None,
            error_code="", error_message="", updated_at=now,
        )
    if count:
        audit_record(workspace=post.workspace_id, actor=actor, action="post.retried", target=post,
                     details={"deliveries": count})
    return count


def deliveries_resume_for_channel(channel: Channel) -> int:
    """After a reconnect: the channel's `needs_reconnect` deliveries go back to `scheduled`.

    Each keeps its due time if that is still ahead; overdue ones are due now.
    """
    now = timezone.now()
    waiting = Delivery.objects.filter(channel=channel, state=DeliveryState.NEEDS_RECONNECT)
    with transaction.atomic():
        overdue = waiting.filter(Q(due_at__isnull=True) | Q(due_at__lt=now)).update(
            state=DeliveryState.SCHEDULED, due_at=now, error_code="", error_message="", updated_at=now
        )
        ahead = waiting.update(state=DeliveryState.SCHEDULED, error_code="", error_message="", updated_at=now)
    return overdue + ahead


def delivery_mark_published(delivery: Delivery, *, permalink: str = "", actor: Any = None) -> Delivery:
    """The user checked the platform and the post is there: settle a `needs_check` delivery."""
    now = timezone.now()
    updated = Delivery.objects.filter(pk=delivery.pk, state=DeliveryState.NEEDS_CHECK).update(
        state=DeliveryState.PUBLISHED, permalink=permalink, published_at=now, error_code="", error_message="",
        updated_at=now,
    )
    if not updated:
        raise ValidationError(_("Only a post that needs checking can be marked as published."),
                              code="not_needs_check")
    delivery.refresh_from_db()
    audit_record(workspace=delivery.workspace_id, actor=actor, action="post.marked_published", target=delivery.post,
                 details={"channel": str(delivery.channel), "delivery": delivery.pk, "permalink": permalink})
    return delivery


def post_set_variants(post: Post, variants: Iterable[dict], *, actor: Any = None) -> None:
    """The post's per-channel overrides become exactly those in `variants`.

    Each item names its `channel` and the VARIANT_FIELDS it sets (None = inherit the post's value);
    a field an item leaves out keeps what is stored, and a channel not listed loses its variant.
    """
    keep: list[int] = []
    with transaction.atomic():
        for item in variants:
            fields = {name: item[name] for name in VARIANT_FIELDS if name in item}
            if "options" in fields and fields["options"] is None:  # options are never inherited: none = {}
                fields["options"] = {}
            Variant.objects.update_or_create(post=post, channel=item["channel"], defaults=fields)
            keep.append(item["channel"].pk)
        Variant.objects.filter(post=post).exclude(channel_id__in=keep).delete()
        post_content_changed(post, actor)  # voids a stale approval; may take the post off the schedule
