"""The Queues page and its actions, the composer's "Add to queue", roles and workspace isolation."""

from __future__ import annotations

from datetime import time
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from scheduler import queues
from scheduler.models import Delivery, DeliveryState, Post, PostingQueue
from tests.factories import ChannelFactory
from tests.queues.conftest import MON, TUE, queued, utc
from workspaces.models import AuditEvent

pytestmark = pytest.mark.usefixtures("clock")
MON_17, TUE_09 = utc(2030, 6, 3, 15), utc(2030, 6, 4, 7)


def url(name: str, workspace: Any, **kwargs: Any) -> str:
    return reverse(f"queues:{name}", kwargs={"slug": workspace.slug, **kwargs})


def ids(channel: Any) -> list[int]:
    return [d.pk for d in queues.queue_entries(channel)]


def test_page_lists_every_channel_with_its_times_posts_and_zone(marketer: Client, workspace, x, fb,
                                                                daily_queue) -> None:
    queued(x, 2)
    Post.objects.filter(text="Post 2").update(text="<b>bold</b> claim")
    html = marketer.get(url("page", workspace)).content.decode()
    assert "Acme on X" in html and "Acme Page" in html
    assert "Monday 09:00" in html and "Times in Europe/Berlin" in html
    assert "Mon 3 Jun 2030, 17:00 CEST" in html and "Tue 4 Jun 2030, 09:00 CEST" in html
    assert "&lt;b&gt;bold&lt;/b&gt; claim" in html and "<b>bold</b>" not in html
    assert html.index("Post 1") < html.index("claim")
    assert 'draggable="true"' in html and "Share next" in html
    assert "The next post added goes out Tue 4 Jun 2030, 17:00 CEST." in html


def test_viewer_sees_the_page_without_controls_and_cannot_write(viewer: Client, workspace, x, daily_queue) -> None:
    (delivery,) = queued(x, 1)
    html = viewer.get(url("page", workspace)).content.decode()
    assert "Post 1" in html and "Share next" not in html and 'draggable="true"' not in html
    assert "Add time" not in html and "Pause queue" not in html
    answers = [viewer.post(url("pause", workspace, channel_id=x.pk)),
               viewer.post(url("slots_add", workspace, channel_id=x.pk), {"weekday": ["1"], "time": "10:00"}),
               viewer.post(url("share_next", workspace, channel_id=x.pk, delivery_id=delivery.pk))]
    assert [a.status_code for a in answers] == [403, 403, 403]
    assert not PostingQueue.objects.get(channel=x).paused


def test_add_times_creates_the_queue_for_several_weekdays(marketer: Client, workspace, fb) -> None:
    answer = marketer.post(url("slots_add", workspace, channel_id=fb.pk), {"weekday": ["0", "2"], "time": "08:30"})
    assert answer.status_code == 302 and answer["Location"].endswith(f"/queues/#queue-{fb.pk}")
    queue = PostingQueue.objects.get(channel=fb)
    assert [(s.weekday, s.time) for s in queue.slots.all()] == [(0, time(8, 30)), (2, time(8, 30))]
    assert queue.workspace == workspace
    page = marketer.get(answer["Location"]).content.decode()
    assert "Time added to the queue of Acme Page." in page


@pytest.mark.parametrize(("data", "message"), [
    ({"weekday": ["1"], "time": "9 o'clock"}, "is not a time such as 09:30"),
    ({"time": "09:30"}, "Tick at least one weekday"),
    ({"weekday": ["8"], "time": "09:30"}, "Pick a weekday."),
])
def test_bad_time_input_is_explained_and_kept(marketer: Client, workspace, fb, data, message) -> None:
    answer = marketer.post(url("slots_add", workspace, channel_id=fb.pk), data)
    html = answer.content.decode()
    assert answer.status_code == 422 and message in html
    assert f'value="{data["time"]}"'.replace("'", "&#x27;") in html
    if data.get("weekday") == ["1"]:
        assert f'value="1" id="wd-{fb.pk}-1" checked' in html
    assert not PostingQueue.objects.filter(channel=fb, slots__isnull=False).exists()


def test_remove_a_time(marketer: Client, workspace, x, daily_queue) -> None:
    slot = daily_queue.slots.get(weekday=MON, time=time(9))
    assert marketer.post(url("slot_remove", workspace, channel_id=x.pk, slot_id=slot.pk)).status_code == 302
    assert not daily_queue.slots.filter(pk=slot.pk).exists()
    assert marketer.post(url("slot_remove", workspace, channel_id=x.pk, slot_id=slot.pk)).status_code == 404


def test_time_zone_is_saved_and_a_bad_one_is_explained_and_kept(marketer: Client, workspace, x, daily_queue) -> None:
    answer = marketer.post(url("time_zone", workspace, channel_id=x.pk), {"time_zone": "Mars/Base"})
    assert answer.status_code == 422 and "is not a time zone SMO knows" in answer.content.decode()
    assert 'value="Mars/Base"' in answer.content.decode()
    assert marketer.post(url("time_zone", workspace, channel_id=x.pk), {"time_zone": "Asia/Tokyo"}).status_code == 302
    assert PostingQueue.objects.get(channel=x).time_zone == "Asia/Tokyo"
    assert "Times in Asia/Tokyo" in marketer.get(url("page", workspace)).content.decode()


def test_pause_and_resume_with_htmx_answer_with_the_card(marketer: Client, workspace, x, daily_queue) -> None:
    queued(x, 1)
    answer = marketer.post(url("pause", workspace, channel_id=x.pk), HTTP_HX_REQUEST="true")
    html = answer.content.decode()
    assert answer.status_code == 200 and html.lstrip().startswith(f'<section class="card mb-4" id="queue-{x.pk}"')
    assert "Resume queue" in html and "held while the queue is paused" in html
    assert Delivery.objects.get().due_at is None
    answer = marketer.post(url("resume", workspace, channel_id=x.pk), HTTP_HX_REQUEST="true")
    assert "Pause queue" in answer.content.decode() and Delivery.objects.get().due_at == MON_17


def test_resume_error_is_shown_in_the_card(marketer: Client, workspace, x, daily_queue) -> None:
    queued(x, 1)
    queues.queue_pause(x)
    queues.queue_set_slots(x, [])
    answer = marketer.post(url("resume", workspace, channel_id=x.pk), HTTP_HX_REQUEST="true")
    assert answer.status_code == 200 and "has no times; add some before resuming it" in answer.content.decode()
    answer = marketer.post(url("resume", workspace, channel_id=x.pk))  # without htmx: a message on the page
    assert "has no times" in marketer.get(answer["Location"]).content.decode()


def test_reorder_by_drag_posts_the_new_order(marketer: Client, workspace, x, daily_queue) -> None:
    one, two, three = queued(x, 3)
    answer = marketer.post(url("reorder", workspace, channel_id=x.pk), {"order": f"{three.pk},{one.pk},{two.pk}"},
                           HTTP_HX_REQUEST="true")
    assert answer.status_code == 200 and "New order saved." in answer.content.decode()
    assert ids(x) == [three.pk, one.pk, two.pk]
    answer = marketer.post(url("reorder", workspace, channel_id=x.pk), {"order": "drop table"},
                           HTTP_HX_REQUEST="true")
    assert "could not be read" in answer.content.decode() and ids(x) == [three.pk, one.pk, two.pk]


def test_move_buttons_and_share_next(marketer: Client, workspace, x, daily_queue) -> None:
    one, two, three = queued(x, 3)
    answer = marketer.post(url("move", workspace, channel_id=x.pk, delivery_id=three.pk), {"direction": "up"})
    assert answer.status_code == 302 and ids(x) == [one.pk, three.pk, two.pk]
    marketer.post(url("move", workspace, channel_id=x.pk, delivery_id=one.pk), {"direction": "down"},
                  HTTP_HX_REQUEST="true")
    assert ids(x) == [three.pk, one.pk, two.pk]
    marketer.post(url("share_next", workspace, channel_id=x.pk, delivery_id=two.pk), HTTP_HX_REQUEST="true")
    assert ids(x) == [two.pk, three.pk, one.pk]
    assert Delivery.objects.get(pk=two.pk).due_at == MON_17
    assert AuditEvent.objects.filter(action="post.queued", details__share_next=True).count() == 1


def test_every_url_is_404_for_another_workspace(outsider: Client, workspace, x, daily_queue) -> None:
    (delivery,) = queued(x, 1)
    slot = daily_queue.slots.first()
    assert outsider.get(url("page", workspace)).status_code == 404
    posts = [url("slots_add", workspace, channel_id=x.pk), url("slot_remove", workspace, channel_id=x.pk,
                                                                  slot_id=slot.pk),
             url("time_zone", workspace, channel_id=x.pk), url("pause", workspace, channel_id=x.pk),
             url("resume", workspace, channel_id=x.pk), url("reorder", workspace, channel_id=x.pk),
             url("move", workspace, channel_id=x.pk, delivery_id=delivery.pk),
             url("share_next", workspace, channel_id=x.pk, delivery_id=delivery.pk)]
    for address in posts:
        assert outsider.post(address, {"weekday": ["1"], "time": "10:00", "order": str(delivery.pk)}).status_code == 404
    assert not PostingQueue.objects.get(channel=x).paused and daily_queue.slots.count() == 6


def test_own_workspace_urls_with_a_foreign_channel_or_post_are_404(marketer: Client, workspace, x, daily_queue
                                                                   ) -> None:
    foreign = ChannelFactory(display_name="Foreign")
    foreign_queue = queues.queue_set_slots(foreign, [(TUE, time(9))])
    (theirs,) = queued(foreign, 1)
    (mine,) = queued(x, 1)
    checks = [url("pause", workspace, channel_id=foreign.pk),
              url("slot_remove", workspace, channel_id=foreign.pk, slot_id=foreign_queue.slots.get().pk),
              url("slot_remove", workspace, channel_id=x.pk, slot_id=foreign_queue.slots.get().pk),
              url("share_next", workspace, channel_id=x.pk, delivery_id=theirs.pk),
              url("move", workspace, channel_id=foreign.pk, delivery_id=theirs.pk)]
    assert [marketer.post(address).status_code for address in checks] == [404] * len(checks)
    answer = marketer.post(url("reorder", workspace, channel_id=x.pk), {"order": f"{theirs.pk},{mine.pk}"},
                           HTTP_HX_REQUEST="true")
    assert "This queue changed" in answer.content.decode()
    assert Delivery.objects.get(pk=theirs.pk).due_at == utc(2030, 6, 4, 9)  # untouched (a UTC workspace)


def test_composer_add_to_queue_tells_which_slot_each_channel_got(marketer: Client, workspace, x, fb,
                                                                daily_queue) -> None:
    queues.queue_set_slots(fb, [(TUE, time(12))])
    data = {"text": "Spring launch", "link": "", "media": "", "at": "", "draft_key": "q1", "action": "queue",
            "channels": [str(x.pk), str(fb.pk)]}
    answer = marketer.post(reverse("composer:submit", kwargs={"slug": workspace.slug}), data)
    assert answer.status_code == 302
    post = Post.objects.get(text="Spring launch")
    assert {d.channel_id: (d.state, d.due_at) for d in post.deliveries.all()} == {
        x.pk: (DeliveryState.SCHEDULED, MON_17), fb.pk: (DeliveryState.SCHEDULED, utc(2030, 6, 4, 10))}
    page = marketer.get(answer["Location"]).content.decode()
    assert ("Added to the queue: Acme Page on Tue 4 Jun 2030, 12:00 CEST; Acme on X on Mon 3 Jun 2030, 17:00 CEST."
            in page)


def test_composer_add_to_queue_without_a_queue_keeps_the_draft_and_names_the_channel(marketer: Client, workspace,
                                                                                   x, fb, daily_queue) -> None:
    data = {"text": "Keep me", "link": "", "media": "", "at": "", "draft_key": "q2", "action": "queue",
            "channels": [str(x.pk), str(fb.pk)]}
    answer = marketer.post(reverse("composer:submit", kwargs={"slug": workspace.slug}), data)
    html = answer.content.decode()
    assert answer.status_code == 422 and "Acme Page has no posting queue yet" in html and "Keep me" in html
    post = Post.objects.get(text="Keep me")
    assert {d.state for d in post.deliveries.all()} == {DeliveryState.DRAFT}
