"""Posting queues: weekly slots per channel; add to queue, share next, reorder, pause and resume.

A queued post is an ordinary `scheduled` delivery whose due_at is a slot instant, so the dispatcher knows
nothing of queues. `Delivery.queue_slot_at` remembers the slot the queue gave it: the delivery is in the
queue while its due_at still equals that slot, or is empty while the queue is paused (held: the dispatcher
only claims rows with a due time). Whatever else moves its due_at (the calendar, scheduling at a time, a
retry) thereby takes it out of the queue, without those writers knowing about queues.

A slot is free when no delivery of the channel that is (or was) on its way is due at that instant.

Every write locks the queue row first (select_for_update), then the deliveries, so two add-to-queue calls
on one channel never take the same slot; on SQLite the IMMEDIATE transactions serialise them anyway.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Q, QuerySet
from django.utils import dateformat, timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from platforms.models import Channel
from scheduler import services
from scheduler.models import Delivery, DeliveryState, Post, PostingQueue, QueueSlot
from scheduler.queue_slots import Slot, normalise, slot_instants
from workspaces.audit import audit_record

# A delivery in one of these states holds its instant: nothing else of the queue goes out then.
OCCUPYING_STATES = tuple(s for s in DeliveryState.values
                         if s not in (DeliveryState.DRAFT, DeliveryState.CANCELLED, DeliveryState.FAILED))


@dataclass(frozen=True)
class Placement:
    """Where add-to-queue or share-next put a post on one channel."""

    channel: Channel
    delivery: Delivery
    slot: datetime  # aware UTC
    held: bool  # the queue is paused: the post waits for it to resume


# -- small helpers -------------------------------------------------------------------------------


def queue_zone_name(queue: PostingQueue) -> str:
    return queue.time_zone or queue.workspace.time_zone


def zone_or_error(name: str) -> str:
    """The zone name when SMO knows it, else a ValidationError the user can act on."""
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValidationError(_("%(zone)s is not a time zone SMO knows; pick one such as Europe/Berlin.")
                              % {"zone": repr(name[:64])},
                              code="time_zone") from None
    return name


def member_filter() -> Q:
    """Deliveries that sit in a queue (see the module's docstring)."""
    return Q(state=DeliveryState.SCHEDULED, queue_slot_at__isnull=False) & (
        Q(due_at=F("queue_slot_at")) | Q(due_at__isnull=True))


def _members(queue: PostingQueue, now: datetime, *, lock: bool = False) -> list[Delivery]:
    """The queue's posts still to go, in queue order; held ones too while it is paused."""
    rows: QuerySet[Delivery] = Delivery.objects.filter(member_filter(), channel_id=queue.channel_id)
    rows = rows.filter(due_at__isnull=True) if queue.paused else rows.filter(due_at__gt=now)
    if lock:
        rows = rows.select_for_update(of=("self",))
    return list(rows.select_related("post").order_by("queue_slot_at", "pk"))


def _occupied(channel_id: int, now: datetime, exclude: Iterable[int]) -> set[datetime]:
    rows = Delivery.objects.filter(channel_id=channel_id).exclude(pk__in=list(exclude))
    due = rows.filter(state__in=OCCUPYING_STATES, due_at__gt=now).values_list("due_at", flat=True)
    held = rows.filter(member_filter(), due_at__isnull=True, queue_slot_at__gt=now).values_list(
        "queue_slot_at", flat=True)
    return set(due) | set(held)


def _free_slots(queue: PostingQueue, now: datetime, exclude: Iterable[int] = ()) -> Iterator[datetime]:
    """The queue's slot instants after `now` that no other delivery of the channel takes, ascending."""
    taken = _occupied(queue.channel_id, now, exclude)
    slots = [(slot.weekday, slot.time) for slot in queue.slots.all()]
    return (instant for instant in slot_instants(slots, queue_zone_name(queue), now) if instant not in taken)


def _place(delivery: Delivery, slot: datetime, paused: bool) -> None:
    due = None if paused else slot
    Delivery.objects.filter(pk=delivery.pk, state=DeliveryState.SCHEDULED).update(
        queue_slot_at=slot, due_at=due, scheduled_for=slot, updated_at=timezone.now())
    delivery.queue_slot_at, delivery.due_at, delivery.scheduled_for = slot, due, slot


def _repack(queue: PostingQueue, members: Sequence[Delivery], now: datetime) -> int:
    """Give `members`, in this order, the next free slots from now. Returns how many moved."""
    free = _free_slots(queue, now, exclude=[m.pk for m in members])
    moved = 0
    for member, slot in zip(members, free, strict=False):
        if member.queue_slot_at != slot or (member.due_at is None) != queue.paused:
            _place(member, slot, queue.paused)
            moved += 1
    return moved


def _lock_queues(channels: Sequence[Channel]) -> dict[int, PostingQueue]:
    """The channels' queues, locked in pk order (no deadlock); a clear error names each channel without one."""
    ids = [channel.pk for channel in channels]
    queues = {q.channel_id: q for q in PostingQueue.objects.select_for_update(of=("self",))
              .filter(channel_id__in=ids).select_related("workspace", "channel").prefetch_related("slots")
              .order_by("pk")}
    problems = []
    for channel in channels:
        queue = queues.get(channel.pk)
        if queue is None:
            problems.append(_("%(channel)s has no posting queue yet; set its weekly times on the Queues page, or "
                              "pick a time instead.") % {"channel": channel.display_name})
        elif not queue.slots.all():
            problems.append(_("The queue of %(channel)s has no times yet; add some on the Queues page, or pick a "
                              "time instead.") % {"channel": channel.display_name})
    if problems:
        raise ValidationError([ValidationError(problem, code="no_queue") for problem in problems])
    return queues


def _lock_or_create(channel: Channel) -> PostingQueue:
    PostingQueue.objects.get_or_create(channel=channel, defaults={"workspace_id": channel.workspace_id})
    return PostingQueue.objects.select_for_update(of=("self",)).select_related("workspace", "channel").get(
        channel=channel)


def _audit_queue(queue: PostingQueue, actor: Any, **details: Any) -> None:
    audit_record(workspace=queue.workspace_id, actor=actor, action="queue.updated", target=queue,
                 target_label=f"queue of {queue.channel.display_name}", details=details)


# -- slots, zone, pause ---------------------------------------------------------------------------


def queue_set_slots(channel: Channel, slots: Iterable[Slot], *, actor: Any = None) -> PostingQueue:
    """The channel's weekly slots become exactly `slots`; creates the queue on first use.

    Upcoming queued posts move, in their order, onto the new slots (as a Buffer-like queue does).
    """
    try:
        wanted = normalise(slots)
    except ValueError as error:
        raise ValidationError(str(error), code="weekday") from None
    return _change_slots(channel, lambda _current: wanted, actor)


def queue_edit_slots(channel: Channel, *, add: Iterable[Slot] = (), remove: Iterable[int] = (),
                     actor: Any = None) -> PostingQueue:
    """Add slots and remove slots by id, read under the queue's lock so two editors lose nothing."""
    try:
        added = normalise(add)
    except ValueError as error:
        raise ValidationError(str(error), code="weekday") from None
    dropped = set(remove)
    return _change_slots(channel, lambda current: [(s.weekday, s.time) for s in current if s.pk not in dropped]
                         + added, actor)


def _change_slots(channel: Channel, compute: Any, actor: Any) -> PostingQueue:
    now = timezone.now()
    with transaction.atomic():
        queue = _lock_or_create(channel)
        before = [(s.weekday, s.time) for s in queue.slots.all()]
        after = normalise(compute(list(queue.slots.all())))
        if after != before:
            queue.slots.all().delete()
            QueueSlot.objects.bulk_create(QueueSlot(queue=queue, weekday=d, time=t) for d, t in after)
        moved = _reslot(queue, now) if after else 0
    if after != before:
        _audit_queue(queue, actor, slots=[f"{d} {t:%H:%M}" for d, t in after], moved=moved)
    return queue


def _reslot(queue: PostingQueue, now: datetime) -> int:
    """After a change of slots or zone: upcoming posts onto the new slots (held ones wait for resume)."""
    if queue.paused:
        return 0
    return _repack(queue, _members(queue, now, lock=True), now)


def queue_set_time_zone(channel: Channel, time_zone: str, *, actor: Any = None) -> PostingQueue:
    """"" follows the workspace's zone. Upcoming posts move onto the slots as read in the new zone."""
    time_zone = zone_or_error(time_zone.strip()) if time_zone.strip() else ""
    now = timezone.now()
    with transaction.atomic():
        queue = _lock_or_create(channel)
        if queue.time_zone == time_zone:
            return queue
        queue.time_zone = time_zone
        queue.save(update_fields=["time_zone", "updated_at"])
        moved = _reslot(queue, now) if queue.slots.exists() else 0
    _audit_queue(queue, actor, time_zone=time_zone or f"workspace ({queue.workspace.time_zone})", moved=moved)
    return queue


def queue_pause(channel: Channel, *, actor: Any = None) -> PostingQueue:
    """Hold the queue's posts: they keep their order but have no due time until the queue resumes.

    A post the dispatcher already claimed (`queued`) is taken back too: clearing its token makes the
    publish message in the broker a no-op, as an edit does (scheduler.services). One already sending
    is past stopping.
    """
    now = timezone.now()
    with transaction.atomic():
        queue = _lock_or_create(channel)
        if queue.paused:
            return queue
        queue.paused = True
        queue.save(update_fields=["paused", "updated_at"])
        held = Delivery.objects.filter(
            channel=channel, queue_slot_at__isnull=False, due_at=F("queue_slot_at"),
            state__in=(DeliveryState.SCHEDULED, DeliveryState.QUEUED),
        ).update(state=DeliveryState.SCHEDULED, due_at=None, attempt_token=None, lease_expires_at=None,
                 queued_at=None, updated_at=now)
    _audit_queue(queue, actor, paused=True, held=held)
    return queue


def queue_resume(channel: Channel, *, actor: Any = None) -> PostingQueue:
    """The held posts, in their order, take the next free slots from now."""
    now = timezone.now()
    with transaction.atomic():
        queue = _lock_or_create(channel)
        if not queue.paused:
            return queue
        held = _members(queue, now, lock=True)
        queue.paused = False
        queue.save(update_fields=["paused", "updated_at"])
        if held and not queue.slots.exists():
            raise ValidationError(_("The queue of %(channel)s has no times; add some before resuming it.")
                                  % {"channel": channel.display_name},
                                  code="no_slots")
        _repack(queue, held, now)
    _audit_queue(queue, actor, paused=False, reslotted=len(held))
    return queue


# -- posts into and within a queue ----------------------------------------------------------------


def post_add_to_queue(post: Post, channels: Iterable[Channel], actor: Any = None) -> list[Placement]:
    """Queue the post on each channel at that channel's next free slot; all or nothing.

    A post already in a channel's queue keeps its place. Content is checked per channel by
    services.post_schedule, which also refuses while a delivery is being sent or is published.
    """
    channels = list(dict.fromkeys(channels))
    if not channels:
        raise ValidationError(_("Pick at least one channel to queue this post on."), code="no_channels")
    now = timezone.now()
    with transaction.atomic():
        queues = _lock_queues(channels)
        placements = [_add_one(post, queues[channel.pk], channel, now, actor) for channel in channels]
    audit_record(workspace=post.workspace_id, actor=actor, action="post.queued", target=post,
                 details={"slots": {str(p.channel): p.slot.isoformat() for p in placements},
                          "held": [str(p.channel) for p in placements if p.held]})
    return placements


def _current(post: Post, channel: Channel) -> Delivery | None:
    return Delivery.objects.select_for_update().filter(post=post, channel=channel).first()


def _is_member(delivery: Delivery | None) -> bool:
    return (delivery is not None and delivery.state == DeliveryState.SCHEDULED and delivery.queue_slot_at is not None
            and delivery.due_at in (None, delivery.queue_slot_at))


def _schedule_at(post: Post, channel: Channel, queue: PostingQueue, slot: datetime, actor: Any) -> Delivery:
    (delivery,) = services.post_schedule(post, [channel], slot, actor=actor)
    _place(delivery, slot, queue.paused)
    return delivery


def _add_one(post: Post, queue: PostingQueue, channel: Channel, now: datetime, actor: Any) -> Placement:
    existing = _current(post, channel)
    if _is_member(existing):
        return Placement(channel, existing, existing.queue_slot_at, existing.due_at is None)
    slot = next(_free_slots(queue, now, exclude=[existing.pk] if existing else []))
    delivery = _schedule_at(post, channel, queue, slot, actor)
    return Placement(channel, delivery, slot, queue.paused)


def post_share_next(post: Post, channel: Channel, actor: Any = None) -> Placement:
    """Put the post at the front of the channel's queue: it takes the first free slot from now and the
    posts it displaces each move one slot later (a gap in the queue absorbs the shift)."""
    now = timezone.now()
    with transaction.atomic():
        queue = _lock_queues([channel])[channel.pk]
        existing = _current(post, channel)
        others = [m for m in _members(queue, now, lock=True) if existing is None or m.pk != existing.pk]
        free = _free_slots(queue, now, exclude=[m.pk for m in others] + ([existing.pk] if existing else []))
        first = next(free)
        delivery = existing if _is_member(existing) else _schedule_at(post, channel, queue, first, actor)
        if queue.paused:  # held posts are re-slotted on resume; only their order matters
            _repack(queue, [delivery, *others], now)
        else:
            _place(delivery, first, paused=False)
            _shift(others, first, free)
    audit_record(workspace=post.workspace_id, actor=actor, action="post.queued", target=post,
                 details={"share_next": True, "channel": str(channel), "slot": first.isoformat()})
    return Placement(channel, delivery, delivery.queue_slot_at, queue.paused)


def _shift(members: list[Delivery], cursor: datetime, free: Iterator[datetime]) -> None:
    for member in members:
        if member.queue_slot_at > cursor:
            return
        cursor = next(free)
        _place(member, cursor, paused=False)


def queue_reorder(channel: Channel, delivery_ids: Sequence[int], actor: Any = None) -> list[Delivery]:
    """The listed queued posts take their own slot instants in the listed order; others stay put."""
    if len(set(delivery_ids)) != len(delivery_ids):
        raise ValidationError(_("A post appears twice in the new order."), code="duplicate")
    now = timezone.now()
    with transaction.atomic():
        queue = _lock_queues([channel])[channel.pk]
        members = {m.pk: m for m in _members(queue, now, lock=True)}
        if any(pk not in members for pk in delivery_ids):
            raise ValidationError(_("This queue changed in the meantime (a post was sent, moved or added); reload "
                                    "the page and try again."), code="queue_changed")
        chosen = [members[pk] for pk in delivery_ids]
        for member, slot in zip(chosen, sorted(m.queue_slot_at for m in chosen), strict=True):
            if member.queue_slot_at != slot:
                _place(member, slot, queue.paused)
    _audit_queue(queue, actor, reordered=list(delivery_ids))
    return chosen


def queue_move(channel: Channel, delivery_id: int, offset: int, actor: Any = None) -> list[Delivery]:
    """Move one queued post `offset` places (-1 up, +1 down); the keyboard's way to reorder."""
    order = [m.pk for m in queue_entries(channel)]
    if delivery_id not in order:
        raise ValidationError(_("This post is no longer in the queue; reload the page."), code="queue_changed")
    index = order.index(delivery_id)
    target = min(max(index + offset, 0), len(order) - 1)
    order.insert(target, order.pop(index))
    return queue_reorder(channel, order, actor)


# -- reads -----------------------------------------------------------------------------------------


def queue_entries(channel: Channel, now: datetime | None = None) -> list[Delivery]:
    """The channel's queued posts still to go, in order (held ones while paused); [] without a queue."""
    queue = PostingQueue.objects.filter(channel=channel).first()
    return _members(queue, now or timezone.now()) if queue else []


def next_free_slot(queue: PostingQueue, now: datetime | None = None) -> datetime | None:
    """Where the next post added to this queue would go (None without slots)."""
    return next(_free_slots(queue, now or timezone.now()), None)


def placements_text(placements: Iterable[Placement], zone: ZoneInfo) -> str:
    """"Added to the queue: Acme on X on Tue 5 May 2026, 09:30 CEST; …", times on `zone`'s clock."""
    parts = []
    for placement in placements:
        name = placement.channel.display_name
        if placement.held:
            parts.append(_("%(channel)s (the queue is paused; it gets a time when the queue resumes)")
                         % {"channel": name})
        else:
            # Translators: a format of Django's date filter (PHP-style letters); English: Mon 3 Jun 2030, 17:00 CEST
            when = dateformat.format(placement.slot.astimezone(zone), pgettext("date format", "D j M Y, H:i T"))
            parts.append(_("%(channel)s on %(when)s") % {"channel": name, "when": when})
    return _("Added to the queue: %(slots)s.") % {"slots": "; ".join(parts)}
