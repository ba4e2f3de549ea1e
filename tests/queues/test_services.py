"""Queue services: next free slot, share next, reorder, pause/resume, slot changes, errors and audit."""

from __future__ import annotations

from datetime import time
from typing import Any

import pytest
from django.core.exceptions import ValidationError

from scheduler import queues, services
from scheduler.calendar import delivery_reschedule
from scheduler.engine import dispatch_due
from scheduler.models import Delivery, DeliveryState, PostingQueue
from tests.factories import ChannelFactory, UserFactory
from tests.queues.conftest import MON, TUE, manual, new_post, order, queued, utc
from workspaces.models import AuditEvent

# The daily_queue fixture's slots after NOW (Mon 2030-06-03 10:00 CEST), in UTC.
MON_17, TUE_09, TUE_17, WED_09, WED_17, NEXT_MON_09 = (
    utc(2030, 6, 3, 15), utc(2030, 6, 4, 7), utc(2030, 6, 4, 15), utc(2030, 6, 5, 7), utc(2030, 6, 5, 15),
    utc(2030, 6, 10, 7))

pytestmark = pytest.mark.usefixtures("daily_queue")


def test_add_to_queue_takes_the_next_free_slot_one_after_the_other(x) -> None:
    first, second, third = queued(x, 3)
    assert [d.due_at for d in (first, second, third)] == [MON_17, TUE_09, TUE_17]
    stored = Delivery.objects.get(pk=first.pk)
    assert (stored.state, stored.due_at, stored.queue_slot_at, stored.scheduled_for) == (
        DeliveryState.SCHEDULED, MON_17, MON_17, MON_17)


def test_a_slot_taken_by_a_post_scheduled_by_hand_is_skipped_and_a_gap_is_filled(x) -> None:
    manual(x, MON_17)
    manual(x, TUE_17, state=DeliveryState.CANCELLED)  # cancelled: the slot is free again
    assert [d.due_at for d in queued(x, 2)] == [TUE_09, TUE_17]


def test_a_post_already_in_the_queue_keeps_its_place(x) -> None:
    (delivery,) = queued(x, 1)
    queued(x, 1)
    (again,) = queues.post_add_to_queue(delivery.post, [x])
    assert (again.delivery.pk, again.slot) == (delivery.pk, MON_17)


def test_one_post_on_two_channels_gets_each_channels_slot_and_one_audit_event(x, fb, workspace) -> None:
    queues.queue_set_slots(fb, [(TUE, time(12))])
    user = UserFactory()
    post = new_post(workspace)
    placements = queues.post_add_to_queue(post, [x, fb], actor=user)
    assert [(p.channel, p.slot, p.held) for p in placements] == [(x, MON_17, False), (fb, utc(2030, 6, 4, 10), False)]
    event = AuditEvent.objects.get(action="post.queued")
    assert event.actor == user and event.target_id == str(post.pk)
    assert event.details["slots"] == {str(x): MON_17.isoformat(), str(fb): utc(2030, 6, 4, 10).isoformat()}


def test_a_channel_without_a_queue_or_without_slots_is_named_and_nothing_is_queued(x, fb, workspace) -> None:
    post = new_post(workspace)
    with pytest.raises(ValidationError) as refused:
        queues.post_add_to_queue(post, [x, fb])
    assert refused.value.messages == [
        "Acme Page has no posting queue yet; set its weekly times on the Queues page, or pick a time instead."]
    queues.queue_set_slots(fb, [])
    with pytest.raises(ValidationError, match="The queue of Acme Page has no times yet"):
        queues.post_add_to_queue(post, [x, fb])
    assert not Delivery.objects.filter(post=post).exists()


def test_content_a_platform_refuses_is_not_queued(x, workspace) -> None:
    post = new_post(workspace, "x" * 281)
    with pytest.raises(ValidationError, match="280"):
        queues.post_add_to_queue(post, [x])
    assert not Delivery.objects.filter(post=post).exists()


def test_a_post_being_sent_cannot_be_queued(x, workspace) -> None:
    post = new_post(workspace)
    Delivery.objects.create(workspace=workspace, post=post, channel=x, state=DeliveryState.SENDING)
    with pytest.raises(services.DeliveryBusy):
        queues.post_add_to_queue(post, [x])


def test_a_channel_of_another_workspace_is_refused(x) -> None:
    foreign = ChannelFactory(display_name="Foreign")
    queues.queue_set_slots(foreign, [(MON, time(18))])
    with pytest.raises(ValidationError, match="another workspace"):
        queues.post_add_to_queue(new_post(x.workspace), [foreign])


def test_share_next_takes_the_first_slot_and_shifts_the_rest_one_slot_later(x, workspace) -> None:
    queued(x, 3)
    urgent = new_post(workspace, "Urgent")
    placement = queues.post_share_next(urgent, x)
    assert placement.slot == MON_17
    assert order(x) == [("Urgent", MON_17), ("Post 1", TUE_09), ("Post 2", TUE_17), ("Post 3", WED_09)]


def test_share_next_of_a_queued_post_moves_only_the_posts_before_it(x) -> None:
    queued(x, 4)
    third = queues.queue_entries(x)[2]
    queues.post_share_next(third.post, x)
    assert order(x) == [("Post 3", MON_17), ("Post 1", TUE_09), ("Post 2", TUE_17), ("Post 4", WED_09)]


def test_a_gap_in_the_queue_absorbs_the_shift(x) -> None:
    first, second, third = queued(x, 3)
    services.delivery_cancel(second)  # TUE_09 is free now
    queues.post_share_next(new_post(x.workspace, "Urgent"), x)
    assert order(x) == [("Urgent", MON_17), ("Post 1", TUE_09), ("Post 3", TUE_17)]


def test_reorder_gives_the_posts_their_slot_times_in_the_new_order(x) -> None:
    one, two, three = queued(x, 3)
    user = UserFactory()
    queues.queue_reorder(x, [three.pk, one.pk, two.pk], actor=user)
    assert order(x) == [("Post 3", MON_17), ("Post 1", TUE_09), ("Post 2", TUE_17)]
    assert AuditEvent.objects.get(action="queue.updated", details__reordered=[three.pk, one.pk, two.pk]).actor == user


def test_reorder_of_a_subset_leaves_the_others_alone(x) -> None:
    one, two, three = queued(x, 3)
    queues.queue_reorder(x, [three.pk, one.pk])
    assert order(x) == [("Post 3", MON_17), ("Post 2", TUE_09), ("Post 1", TUE_17)]


def test_reorder_refuses_posts_that_are_not_in_this_queue(x, workspace) -> None:
    one, two = queued(x, 2)
    outside = manual(x, WED_17)
    for ids in ([one.pk, outside.pk], [one.pk, one.pk], [one.pk, 10**9]):
        with pytest.raises(ValidationError):
            queues.queue_reorder(x, ids)
    assert order(x) == [("Post 1", MON_17), ("Post 2", TUE_09)]


def test_move_up_and_down(x) -> None:
    one, two, three = queued(x, 3)
    queues.queue_move(x, three.pk, -1)
    assert [text for text, _due in order(x)] == ["Post 1", "Post 3", "Post 2"]
    queues.queue_move(x, one.pk, 1)
    assert order(x) == [("Post 3", MON_17), ("Post 1", TUE_09), ("Post 2", TUE_17)]
    queues.queue_move(x, three.pk, -1)  # already first: nothing moves
    assert order(x)[0] == ("Post 3", MON_17)


def test_a_post_moved_in_the_calendar_leaves_the_queue_and_its_slot_is_free(x) -> None:
    one, two = queued(x, 2)
    delivery_reschedule(one, utc(2030, 6, 6, 10).replace(tzinfo=None))  # a Thursday wall time
    assert [text for text, _due in order(x)] == ["Post 2"]
    (placement,) = queues.post_add_to_queue(new_post(x.workspace, "Fresh"), [x])
    assert placement.slot == MON_17


def test_pause_holds_the_posts_so_the_dispatcher_sends_nothing(x, clock: Any) -> None:
    one, two = queued(x, 2)
    queues.queue_pause(x)
    assert PostingQueue.objects.get(channel=x).paused
    held = Delivery.objects.get(pk=one.pk)
    assert (held.state, held.due_at, held.queue_slot_at) == (DeliveryState.SCHEDULED, None, MON_17)
    assert dispatch_due(utc(2031, 1, 1)) == 0
    assert [text for text, due in order(x)] == ["Post 1", "Post 2"]


def test_pause_takes_back_a_post_the_dispatcher_already_claimed(x, clock: Any) -> None:
    (one,) = queued(x, 1)
    clock.move_to(MON_17)
    assert dispatch_due(MON_17) == 1
    queues.queue_pause(x)
    taken_back = Delivery.objects.get(pk=one.pk)
    assert (taken_back.state, taken_back.attempt_token, taken_back.due_at) == (DeliveryState.SCHEDULED, None, None)


def test_adding_while_paused_holds_the_post_and_resume_reslots_everything_in_order(x, clock: Any) -> None:
    queued(x, 2)
    queues.queue_pause(x)
    (third,) = queues.post_add_to_queue(new_post(x.workspace, "Post 3"), [x])
    assert third.held and Delivery.objects.get(pk=third.delivery.pk).due_at is None
    queues.queue_reorder(x, [third.delivery.pk, *[d.pk for d in queues.queue_entries(x)][:2]])
    clock.move_to(utc(2030, 6, 4, 8))  # Tuesday 10:00: the Monday and Tuesday-morning slots are gone
    queues.queue_resume(x)
    assert order(x) == [("Post 3", TUE_17), ("Post 1", WED_09), ("Post 2", WED_17)]
    assert not PostingQueue.objects.get(channel=x).paused
    assert list(AuditEvent.objects.filter(action="queue.updated").values_list("details__paused", flat=True)
                .exclude(details__paused=None)) == [False, True]


def test_share_next_while_paused_puts_the_post_first_for_the_resume(x) -> None:
    queued(x, 2)
    queues.queue_pause(x)
    queues.post_share_next(new_post(x.workspace, "Urgent"), x)
    queues.queue_resume(x)
    assert order(x) == [("Urgent", MON_17), ("Post 1", TUE_09), ("Post 2", TUE_17)]


def test_resume_without_times_is_refused_and_the_queue_stays_paused(x) -> None:
    queued(x, 1)
    queues.queue_pause(x)
    queues.queue_set_slots(x, [])
    with pytest.raises(ValidationError, match="no times"):
        queues.queue_resume(x)
    assert PostingQueue.objects.get(channel=x).paused


def test_new_slots_move_the_queued_posts_onto_them_in_order(x) -> None:
    queued(x, 3)
    queues.queue_set_slots(x, [(TUE, time(12)), (MON, time(20))])
    assert order(x) == [("Post 1", utc(2030, 6, 3, 18)), ("Post 2", utc(2030, 6, 4, 10)),
                        ("Post 3", utc(2030, 6, 10, 18))]
    event = AuditEvent.objects.filter(action="queue.updated").first()
    assert event.details == {"slots": ["0 20:00", "1 12:00"], "moved": 3}


def test_edit_slots_adds_and_removes_under_the_lock(x) -> None:
    queue = PostingQueue.objects.get(channel=x)
    monday_nine = queue.slots.get(weekday=MON, time=time(9))
    queues.queue_edit_slots(x, add=[(6, time(10, 30, 15))], remove=[monday_nine.pk])
    assert [(s.weekday, s.time) for s in queue.slots.all()] == [
        (0, time(17)), (1, time(9)), (1, time(17)), (2, time(9)), (2, time(17)), (6, time(10, 30))]
    with pytest.raises(ValidationError, match="0 \\(Monday\\) to 6"):
        queues.queue_edit_slots(x, add=[(9, time(9))])


def test_time_zone_change_reads_the_slots_on_the_new_clock(x) -> None:
    queued(x, 1)
    queues.queue_set_time_zone(x, "America/New_York")
    assert order(x) == [("Post 1", utc(2030, 6, 3, 13))]  # Monday 09:00 EDT is still ahead
    with pytest.raises(ValidationError, match="not a time zone"):
        queues.queue_set_time_zone(x, "Mars/Olympus")
    queues.queue_set_time_zone(x, "")  # back to the workspace's zone
    assert PostingQueue.objects.get(channel=x).time_zone == ""
    assert order(x) == [("Post 1", MON_17)]


def test_removing_every_slot_leaves_queued_posts_where_they_are(x) -> None:
    queued(x, 2)
    queues.queue_set_slots(x, [])
    assert order(x) == [("Post 1", MON_17), ("Post 2", TUE_09)]


def test_placements_text_names_each_channel_and_time_in_the_zone(x, workspace) -> None:
    from zoneinfo import ZoneInfo

    placements = queues.post_add_to_queue(new_post(workspace), [x])
    assert queues.placements_text(placements, ZoneInfo("Europe/Berlin")) == (
        "Added to the queue: Acme on X on Mon 3 Jun 2030, 17:00 CEST.")


def test_the_next_free_slot_follows_the_posts_already_queued(x) -> None:
    queue = PostingQueue.objects.get(channel=x)
    assert queues.next_free_slot(queue) == MON_17
    queued(x, 5)
    assert queues.next_free_slot(queue) == NEXT_MON_09
