"""Post writes: scheduling, edits and cancels that race the publisher, retries and resumes."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from platforms.models import Health
from scheduler.engine import delivery_publish
from scheduler.models import Delivery, DeliveryState, Variant
from scheduler.selectors import post_delivery_summary
from scheduler.services import (
    DeliveryBusy,
    deliveries_resume_for_channel,
    delivery_cancel,
    delivery_mark_published,
    post_retry_failed,
    post_schedule,
    post_set_variants,
    post_update_content,
    render_request,
)
from tests.factories import CampaignFactory, ChannelFactory, DeliveryFactory, PostFactory, VariantFactory

pytestmark = pytest.mark.django_db


def reload(delivery: Delivery) -> Delivery:
    delivery.refresh_from_db()
    return delivery


@pytest.fixture
def post():
    return PostFactory(text="Spring sale starts now")


def test_schedule_creates_one_delivery_per_channel(fake, post):
    channels = ChannelFactory.create_batch(2, workspace=post.workspace)
    due = timezone.now() + timedelta(hours=1)
    deliveries = post_schedule(post, channels, due)
    assert [(d.channel_id, d.state, d.due_at, d.scheduled_for) for d in deliveries] == [
        (c.pk, DeliveryState.SCHEDULED, due, due) for c in channels
    ]
    assert all(d.workspace_id == post.workspace_id for d in deliveries)


def test_rescheduling_updates_the_same_delivery(fake, post):
    channel = ChannelFactory(workspace=post.workspace)
    [first] = post_schedule(post, [channel], timezone.now() + timedelta(hours=1))
    new_due = timezone.now() + timedelta(hours=3)
    [again] = post_schedule(post, [channel], new_due)
    assert again.pk == first.pk and reload(first).due_at == new_due
    assert Delivery.objects.filter(post=post).count() == 1


def test_schedule_validates_with_the_adapter_and_names_the_platform(fake, post):
    post.text = "x" * 300
    channel = ChannelFactory(workspace=post.workspace)
    with pytest.raises(ValidationError) as caught:
        post_schedule(post, [channel], timezone.now() + timedelta(hours=1))
    assert caught.value.messages == ["X allows 280 characters; this post has 300."]
    fake.validation_problems = ["images need alt text"]
    post.text = "short"
    with pytest.raises(ValidationError) as caught:
        post_schedule(post, [channel], timezone.now() + timedelta(hours=1))
    assert caught.value.messages == ["X: images need alt text."]
    assert not Delivery.objects.exists()


def test_schedule_checks_the_variant_not_just_the_post(fake, post):
    channel = ChannelFactory(workspace=post.workspace)
    VariantFactory(post=post, channel=channel, text="y" * 281)
    with pytest.raises(ValidationError, match="281"):
        post_schedule(post, [channel], timezone.now() + timedelta(hours=1))


def test_schedule_rules_for_time_and_channels(fake, post):
    channel = ChannelFactory(workspace=post.workspace)
    with pytest.raises(ValueError, match="aware"):
        post_schedule(post, [channel], datetime(2030, 1, 1, 9, 0))
    with pytest.raises(ValidationError, match="already past"):
        post_schedule(post, [channel], timezone.now() - timedelta(minutes=1))
    with pytest.raises(ValidationError, match="at least one channel"):
        post_schedule(post, [], timezone.now() + timedelta(minutes=1))
    with pytest.raises(ValidationError, match="another workspace"):
        post_schedule(post, [ChannelFactory()], timezone.now() + timedelta(minutes=1))
    [now_delivery] = post_schedule(post, [channel], timezone.now(), publish_now=True)
    assert now_delivery.state == DeliveryState.SCHEDULED


def test_schedule_is_refused_while_a_send_is_in_flight(fake, post):
    delivery = DeliveryFactory(post=post, state=DeliveryState.SENDING)
    with pytest.raises(DeliveryBusy, match="being sent to X right now"):
        post_schedule(post, [delivery.channel], timezone.now() + timedelta(hours=1))


def test_render_request_variant_overrides_and_inherits(fake):
    campaign = CampaignFactory(utm_defaults={"utm_source": "smo"})
    post = PostFactory(text="Base", link="https://example.com/p", campaign=campaign, workspace=campaign.workspace,
                       media=[{"url": "https://cdn.example/a.jpg", "mime_type": "image/jpeg", "alt_text": "A"}],
                       thread=["part two"])
    delivery = DeliveryFactory(post=post)
    VariantFactory(post=post, channel=delivery.channel, link="https://example.com/x", media=[])
    request = render_request(delivery)
    assert request.text == "Base"  # null in the variant: inherited
    assert request.link == "https://example.com/x?utm_source=smo"  # the variant's link, tagged by the campaign
    assert request.media == ()  # an empty list is an override, not "inherit"
    assert request.thread == ("part two",)
    assert request.channel.external_id == delivery.channel.external_id


@pytest.mark.parametrize("busy", [DeliveryState.SENDING, DeliveryState.PUBLISHED, DeliveryState.UNKNOWN])
def test_edit_and_cancel_are_refused_once_a_send_started(fake, post, busy):
    delivery = DeliveryFactory(post=post, state=busy)
    with pytest.raises(DeliveryBusy) as caught:
        post_update_content(post, text="changed")
    assert "X" in caught.value.messages[0]
    with pytest.raises(DeliveryBusy):
        delivery_cancel(delivery)
    post.refresh_from_db()
    assert post.text == "Spring sale starts now" and reload(delivery).state == busy


def test_edit_takes_queued_back_and_the_old_message_does_nothing(fake, tick, post):
    delivery = DeliveryFactory(post=post)
    [(pk, token)] = tick()
    post_update_content(post, text="Spring sale starts tomorrow")
    d = reload(delivery)
    assert (d.state, d.attempt_token) == (DeliveryState.SCHEDULED, None)
    assert delivery_publish(pk, token) is None and fake.publish_calls == []
    [(pk, token)] = tick()
    assert delivery_publish(pk, token) == DeliveryState.PUBLISHED
    assert fake.creates[0].text == "Spring sale starts tomorrow"


def test_edit_rejects_unknown_fields_and_invalid_content(fake, post):
    DeliveryFactory(post=post)
    with pytest.raises(ValueError, match="workspace"):
        post_update_content(post, workspace=None)
    with pytest.raises(ValidationError, match="280 characters"):
        post_update_content(post, text="z" * 281)


def test_cancel_first_then_the_message_arrives(fake, tick, post):
    delivery = DeliveryFactory(post=post)
    [(pk, token)] = tick()
    assert delivery_cancel(delivery).state == DeliveryState.CANCELLED
    assert delivery_publish(pk, token) is None
    assert fake.publish_calls == [] and reload(delivery).state == DeliveryState.CANCELLED


def test_send_first_then_the_cancel_arrives(fake, tick, post):
    delivery = DeliveryFactory(post=post)
    [(pk, token)] = tick()
    refused = []

    def cancel_during_send(request):
        try:
            delivery_cancel(delivery)
        except DeliveryBusy as exc:
            refused.append(exc.messages[0])

    fake.on_publish = cancel_during_send
    assert delivery_publish(pk, token) == DeliveryState.PUBLISHED
    assert refused == ["This post is being sent to X right now; wait until it finishes, then try again."]
    assert fake.create_count() == 1
    with pytest.raises(DeliveryBusy, match="already published on X"):
        delivery_cancel(delivery)


def test_cancel_is_idempotent_and_only_touches_one_delivery(fake, post):
    one, other = DeliveryFactory(post=post), DeliveryFactory(post=post)
    delivery_cancel(one)
    delivery_cancel(one)
    assert (reload(one).state, reload(other).state) == (DeliveryState.CANCELLED, DeliveryState.SCHEDULED)


def test_retry_failed_only_and_partial_summary(fake, post):
    published = DeliveryFactory(post=post, state=DeliveryState.PUBLISHED)
    failed = DeliveryFactory(post=post, state=DeliveryState.FAILED, attempt_count=6, error_message="boom.")
    check = DeliveryFactory(post=post, state=DeliveryState.NEEDS_CHECK)
    waiting = DeliveryFactory(post=post, state=DeliveryState.RETRY_WAIT, due_at=timezone.now() + timedelta(hours=1))
    DeliveryFactory(post=post, state=DeliveryState.CANCELLED)

    summary = post_delivery_summary(post)
    assert (summary["published"], summary["total"], summary["label"]) == (1, 4, "1 of 4 published")
    assert (summary["attention"], summary["pending"], summary["failed"]) == (2, 1, 1)

    before = timezone.now()
    assert post_retry_failed(post) == 2
    for d in (failed, check):
        d = reload(d)
        assert d.state == DeliveryState.SCHEDULED and before <= d.due_at <= timezone.now()
        assert d.error_message == ""
    assert reload(failed).attempt_count == 6
    assert reload(published).state == DeliveryState.PUBLISHED
    assert reload(waiting).state == DeliveryState.RETRY_WAIT


def test_resume_after_reconnect(fake):
    channel = ChannelFactory(health=Health.NEEDS_RECONNECT)
    future = timezone.now() + timedelta(hours=2)
    overdue = DeliveryFactory(channel=channel, post__workspace=channel.workspace, state=DeliveryState.NEEDS_RECONNECT,
                              due_at=timezone.now() - timedelta(hours=1))
    ahead = DeliveryFactory(channel=channel, post__workspace=channel.workspace, state=DeliveryState.NEEDS_RECONNECT,
                            due_at=future)
    other = DeliveryFactory(state=DeliveryState.NEEDS_RECONNECT)
    before = timezone.now()
    assert deliveries_resume_for_channel(channel) == 2
    assert reload(overdue).state == DeliveryState.SCHEDULED and reload(overdue).due_at >= before
    assert (reload(ahead).state, reload(ahead).due_at) == (DeliveryState.SCHEDULED, future)
    assert reload(other).state == DeliveryState.NEEDS_RECONNECT


def test_mark_published_after_a_manual_check(fake):
    delivery = DeliveryFactory(state=DeliveryState.NEEDS_CHECK)
    delivery_mark_published(delivery, permalink="https://x.com/a/status/1")
    assert (delivery.state, delivery.permalink) == (DeliveryState.PUBLISHED, "https://x.com/a/status/1")
    with pytest.raises(ValidationError):
        delivery_mark_published(DeliveryFactory(state=DeliveryState.FAILED))


def test_set_variants_updates_named_fields_keeps_others_and_drops_unlisted_channels(fake):
    post = PostFactory(text="base")
    kept_channel, dropped_channel = ChannelFactory(workspace=post.workspace), ChannelFactory(workspace=post.workspace)
    post_set_variants(post, [{"channel": kept_channel, "text": "old", "first_comment": "First!"},
                             {"channel": dropped_channel, "text": "gone"}])

    post_set_variants(post, [{"channel": kept_channel, "text": "new", "link": "https://example.com"}])

    [variant] = Variant.objects.filter(post=post)
    assert (variant.channel_id, variant.text, variant.link, variant.first_comment) == (
        kept_channel.pk, "new", "https://example.com", "First!")
