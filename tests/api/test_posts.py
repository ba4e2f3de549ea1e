"""Posts over the API: CRUD with variants and media, schedule, publish now, retry failed; service errors
mapped to 400 (naming the platform rule) and 409 (a send started or finished)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.utils import timezone

from scheduler.models import Delivery, DeliveryState, Post, Variant
from tests.factories import CampaignFactory, ChannelFactory, DeliveryFactory, PostFactory, VariantFactory

pytestmark = [pytest.mark.django_db]

IMAGE = {"url": "https://cdn.example.com/a.jpg", "mime_type": "image/jpeg", "alt_text": "An umbrella"}


def test_create_post_with_variants_and_media(caller, x_channel, fb_channel):
    campaign = CampaignFactory(workspace=caller.workspace)
    response = caller.post("/posts/", {
        "text": "Rain is coming", "link": "https://example.com/shop", "media": [IMAGE], "campaign": campaign.pk,
        "variants": [{"channel": x_channel.pk, "text": "Rain! ☔"}, {"channel": fb_channel.pk, "media": []}],
    })
    assert response.status_code == 201, response.json()
    body = response.json()
    post = Post.objects.get(pk=body["id"])
    assert (post.workspace_id, post.created_by_id, post.campaign_id) == (
        caller.workspace.pk, caller.member.user_id, campaign.pk)
    assert post.media == [IMAGE]
    variants = {v.channel_id: v for v in post.variants.all()}
    assert variants[x_channel.pk].text == "Rain! ☔" and variants[x_channel.pk].media is None
    assert variants[fb_channel.pk].media == [] and variants[fb_channel.pk].text is None
    assert body["media"] == [IMAGE] and body["deliveries"] == []
    assert body["summary"]["label"] == "0 of 0 published"
    assert {v["channel"] for v in body["variants"]} == {x_channel.pk, fb_channel.pk}


@pytest.mark.parametrize(("body", "field", "fragment"), [
    ({"variants": [{"channel": 999999, "text": "a"}]}, "variants", "No channel with id 999999 in this workspace."),
    ({"campaign": 999999}, "campaign", "No campaign with id 999999 in this workspace."),
    ({"link": "javascript:alert(1)"}, "link", "Enter a valid URL."),
    ({"link": "ftp://example.com/x"}, "link", "Only http:// and https:// links are allowed."),
    ({"media": [{"url": "file:///etc/passwd"}]}, "media", "Enter a valid URL."),
    ({"media": [{"path": "uploads/a.jpg"}]}, "media", "This field is required."),
    ({"poll_minutes": -1}, "poll_minutes", "Ensure this value is greater than or equal to 0."),
])
def test_create_validation_errors(caller, body, field, fragment):
    response = caller.post("/posts/", {"text": "hi", **body})
    assert response.status_code == 400
    assert field in response.json()["errors"] and fragment in response.json()["detail"]
    assert not Post.objects.exists()


def test_variant_for_a_channel_of_another_workspace_is_unknown(caller, make_caller):
    foreign = ChannelFactory(workspace=make_caller().workspace)
    response = caller.post("/posts/", {"text": "hi", "variants": [{"channel": foreign.pk, "text": "x"}]})
    assert response.status_code == 400
    assert response.json()["detail"] == f"variants: No channel with id {foreign.pk} in this workspace."


def test_get_one_post_with_deliveries_in_workspace_time(caller, x_channel):
    post = PostFactory(workspace=caller.workspace, text="<b>bold?</b>")
    due = datetime(2026, 7, 1, 16, 0, tzinfo=UTC)
    DeliveryFactory(post=post, channel=x_channel, state=DeliveryState.PUBLISHED, due_at=due,
                    external_id="1799", permalink="https://x.com/acme/status/1799")
    body = caller.get(f"/posts/{post.pk}/").json()
    assert body["text"] == "<b>bold?</b>"
    [delivery] = body["deliveries"]
    assert delivery["due_at"] == "2026-07-01T18:00:00+02:00" and delivery["platform"] == "x"
    assert delivery["state"] == "published" and delivery["external_id"] == "1799"
    assert body["summary"]["label"] == "1 of 1 published"


def test_patch_changes_content_and_replaces_variants(caller, x_channel, fb_channel):
    post = PostFactory(workspace=caller.workspace, text="old")
    VariantFactory(post=post, channel=x_channel, text="old x")
    due = timezone.now() + timedelta(hours=2)
    delivery = DeliveryFactory(post=post, channel=x_channel, state=DeliveryState.QUEUED, due_at=due)
    response = caller.patch(f"/posts/{post.pk}/", {"text": "new", "variants": [{"channel": fb_channel.pk,
                                                                                  "text": "new fb"}]})
    assert response.status_code == 200, response.json()
    post.refresh_from_db()
    assert post.text == "new"
    assert list(Variant.objects.filter(post=post).values_list("channel_id", "text")) == [(fb_channel.pk, "new fb")]
    delivery.refresh_from_db()
    assert delivery.state == DeliveryState.SCHEDULED and delivery.attempt_token is None  # taken back from queue
    assert caller.patch(f"/posts/{post.pk}/", {"link": ""}).json()["variants"][0]["text"] == "new fb"


@pytest.mark.parametrize("state", [DeliveryState.SENDING, DeliveryState.PUBLISHED, DeliveryState.UNKNOWN])
def test_patch_while_sending_or_after_publishing_is_409(caller, x_channel, state):
    post = PostFactory(workspace=caller.workspace, text="as sent")
    DeliveryFactory(post=post, channel=x_channel, state=state)
    response = caller.patch(f"/posts/{post.pk}/", {"text": "changed", "variants": [{"channel": x_channel.pk}]})
    assert response.status_code == 409
    assert response.json()["code"] == "delivery_busy"
    assert "Acme on X" not in response.json()["detail"] and "X" in response.json()["detail"]
    post.refresh_from_db()
    assert post.text == "as sent" and not post.variants.exists()  # the variant write was rolled back


def test_patch_over_the_limit_for_a_scheduled_channel_is_400_naming_the_rule(caller, x_channel):
    post = PostFactory(workspace=caller.workspace, text="short")
    DeliveryFactory(post=post, channel=x_channel, due_at=timezone.now() + timedelta(hours=1))
    response = caller.patch(f"/posts/{post.pk}/", {"variants": [{"channel": x_channel.pk, "text": "y" * 300}]})
    assert response.status_code == 400
    assert response.json() == {
        "code": "invalid",
        "detail": "X counts 23 characters per link and 2 per emoji/CJK character: this post is 300 of 280.",
        "errors": ["X counts 23 characters per link and 2 per emoji/CJK character: this post is 300 of 280."],
    }
    assert not Variant.objects.exists()


def test_delete_post_nothing_sent(caller, x_channel):
    post = PostFactory(workspace=caller.workspace)
    DeliveryFactory(post=post, channel=x_channel, state=DeliveryState.QUEUED)
    assert caller.delete(f"/posts/{post.pk}/").status_code == 204
    assert not Post.objects.exists() and not Delivery.objects.exists()


@pytest.mark.parametrize("state", [DeliveryState.PUBLISHED, DeliveryState.SENDING, DeliveryState.NEEDS_CHECK])
def test_delete_post_already_sent_is_409(caller, x_channel, state):
    post = PostFactory(workspace=caller.workspace)
    DeliveryFactory(post=post, channel=x_channel, state=state)
    response = caller.delete(f"/posts/{post.pk}/")
    assert response.status_code == 409 and response.json()["code"] == "delivery_busy"
    assert "Acme on X" in response.json()["detail"]
    assert Post.objects.filter(pk=post.pk).exists()


@time_machine.travel(datetime(2026, 3, 20, 12, 0, tzinfo=UTC), tick=False)
@pytest.mark.parametrize(("at", "expected_utc"), [
    ("2026-03-29T02:30", datetime(2026, 3, 29, 1, 30, tzinfo=UTC)),   # Berlin spring-forward gap: 03:30 CEST
    ("2026-03-28T09:00", datetime(2026, 3, 28, 8, 0, tzinfo=UTC)),    # workspace wall time (CET)
    ("2026-03-28T09:00:00-04:00", datetime(2026, 3, 28, 13, 0, tzinfo=UTC)),  # explicit offset wins
    ("2026-03-28T09:00:00Z", datetime(2026, 3, 28, 9, 0, tzinfo=UTC)),
])
def test_schedule_at_a_time(caller, x_channel, fb_channel, at, expected_utc):
    post = PostFactory(workspace=caller.workspace, text="Spring")
    response = caller.post(f"/posts/{post.pk}/schedule/", {"channels": [x_channel.pk, fb_channel.pk], "at": at})
    assert response.status_code == 200, response.json()
    rows = Delivery.objects.filter(post=post).order_by("channel_id")
    assert [(d.channel_id, d.state, d.due_at) for d in rows] == [
        (x_channel.pk, DeliveryState.SCHEDULED, expected_utc), (fb_channel.pk, DeliveryState.SCHEDULED, expected_utc)]
    assert {d["due_at"] for d in response.json()["deliveries"]} == {
        expected_utc.astimezone(timezone.get_fixed_timezone(60 if expected_utc.month == 3 and
                                                             expected_utc.day < 29 else 120)).isoformat()}


@pytest.mark.parametrize(("body", "status", "detail"), [
    ({"at": "next tuesday"}, 400, "at: 'next tuesday' is not a date and time. Give a date and time in ISO 8601, "
                                  "e.g. 2026-05-04T09:30 (workspace time) or 2026-05-04T09:30:00+02:00."),
    ({"at": "2026-05-04"}, 400, "at: '2026-05-04' is not a date and time."),
    ({"at": "2020-01-01T09:00"}, 400, "This time is already past. Pick a later time, or publish now."),
    ({"at": "2999-01-01T09:00", "channels": [424242]}, 400, "channels: No channel with id 424242 in this workspace."),
    ({"at": "2999-01-01T09:00", "channels": []}, 400, "channels: Ensure this field has at least 1 elements."),
    ({"at": "9999-12-31T23:59:59-23:59"}, 400, "is not a date and time"),
])
def test_schedule_errors(caller, x_channel, body, status, detail):
    post = PostFactory(workspace=caller.workspace)
    response = caller.post(f"/posts/{post.pk}/schedule/", {"channels": [x_channel.pk], **body})
    assert response.status_code == status
    assert detail in response.json()["detail"]
    assert not Delivery.objects.exists()


def test_schedule_over_the_limit_names_the_platform_rule(caller, x_channel, fb_channel):
    post = PostFactory(workspace=caller.workspace, text="fine for Facebook")
    VariantFactory(post=post, channel=x_channel, text="🌧" * 141)
    response = caller.post(f"/posts/{post.pk}/schedule/", {"channels": [x_channel.pk, fb_channel.pk],
                                                           "at": "2999-01-01T09:00"})
    assert response.status_code == 400
    assert response.json()["errors"] == [
        "X counts 23 characters per link and 2 per emoji/CJK character: this post is 282 of 280."]
    assert not Delivery.objects.exists()


def test_schedule_a_channel_of_another_workspace_is_unknown(caller, make_caller):
    foreign = ChannelFactory(workspace=make_caller().workspace)
    post = PostFactory(workspace=caller.workspace)
    response = caller.post(f"/posts/{post.pk}/schedule/", {"channels": [foreign.pk], "at": "2999-01-01T09:00"})
    assert response.status_code == 400 and f"No channel with id {foreign.pk}" in response.json()["detail"]


def test_publish_now(caller, x_channel):
    post = PostFactory(workspace=caller.workspace)
    before = timezone.now()
    response = caller.post(f"/posts/{post.pk}/publish-now/", {"channels": [x_channel.pk]})
    assert response.status_code == 200
    delivery = Delivery.objects.get(post=post)
    assert delivery.state == DeliveryState.SCHEDULED and before <= delivery.due_at <= timezone.now()


def test_retry_failed_only_retries_failed(caller, x_channel, fb_channel):
    post = PostFactory(workspace=caller.workspace)
    failed = DeliveryFactory(post=post, channel=x_channel, state=DeliveryState.FAILED, error_message="rejected")
    published = DeliveryFactory(post=post, channel=fb_channel, state=DeliveryState.PUBLISHED)
    response = caller.post(f"/posts/{post.pk}/retry-failed/")
    assert response.status_code == 200 and response.json() == {"retried": 1}
    failed.refresh_from_db()
    published.refresh_from_db()
    assert failed.state == DeliveryState.SCHEDULED and failed.error_message == ""
    assert published.state == DeliveryState.PUBLISHED


def test_posts_list_filters_by_campaign_in_constant_queries(caller, x_channel, django_assert_max_num_queries):
    campaign = CampaignFactory(workspace=caller.workspace)
    for _ in range(5):
        post = PostFactory(workspace=caller.workspace, campaign=campaign)
        VariantFactory(post=post, channel=x_channel)
        DeliveryFactory(post=post, channel=x_channel)
    PostFactory(workspace=caller.workspace)
    with django_assert_max_num_queries(9):
        body = caller.get("/posts/", {"campaign": campaign.pk}).json()
    assert body["count"] == 5 and all(len(p["deliveries"]) == 1 for p in body["results"])
    assert caller.get("/posts/").json()["count"] == 6
    assert caller.get("/posts/", {"campaign": "abc"}).status_code == 400
