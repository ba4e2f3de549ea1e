"""The publisher: one create per token, and every platform answer mapped to exactly one state."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from platforms.errors import (
    AuthExpired,
    ContentRejected,
    NotSupported,
    OutcomeUnknown,
    PlatformError,
    RateLimited,
    TransientError,
)
from platforms.models import Channel, Health
from scheduler.engine import delivery_publish
from scheduler.models import Attempt, AttemptOutcome, Delivery, DeliveryState, Post, Variant
from tests.factories import ChannelFactory, DeliveryFactory, PostFactory, WorkspaceFactory
from tests.fakes import ApplyThenRaise, Latency, Success

pytestmark = pytest.mark.django_db


def reload(delivery: Delivery) -> Delivery:
    delivery.refresh_from_db()
    return delivery


def publish_once(tick, delivery: Delivery) -> str | None:
    [(pk, token)] = [m for m in tick() if m[0] == delivery.pk]
    return delivery_publish(pk, token)


def test_success_records_everything(fake, tick):
    delivery = DeliveryFactory(post__text="Launch day", post__link="https://example.com/launch")
    assert publish_once(tick, delivery) == DeliveryState.PUBLISHED

    d = reload(delivery)
    [created] = fake.creates
    assert (d.external_id, d.permalink) == (created.external_id, f"https://fake.example/{d.channel.handle}/status/"
                                            f"{created.external_id}")
    assert d.published_at is not None and d.lease_expires_at is None and d.attempt_count == 1
    assert d.payload["text"] == "Launch day" and d.payload["link"] == "https://example.com/launch"
    assert "credentials" not in str(d.payload) and "test-access-token" not in str(d.payload)
    assert d.fingerprint == created.fingerprint
    assert Channel.objects.get(pk=d.channel_id).last_published_at is not None
    [attempt] = d.attempts.all()
    assert attempt.outcome == AttemptOutcome.PUBLISHED and attempt.token == d.attempt_token
    assert attempt.finished_at is not None and attempt.duration_ms is not None


@pytest.mark.parametrize("with_variant", [False, True])
def test_a_publish_costs_six_statements(fake, tick, with_variant):
    """The publisher's database work is the burst benchmark's bottleneck: read, claim, attempt, outcome."""
    delivery = DeliveryFactory(post__text="base")
    if with_variant:
        Variant.objects.create(post=delivery.post, channel=delivery.channel, text="variant")
    [(pk, token)] = tick()
    with CaptureQueriesContext(connection) as captured:
        assert delivery_publish(pk, token) == DeliveryState.PUBLISHED
    # SET LOCAL (PostgreSQL only) changes how the outcome commits, not what is read or written.
    statements = [q["sql"] for q in captured.captured_queries
                  if "SAVEPOINT" not in q["sql"] and not q["sql"].startswith("SET LOCAL")]
    assert len(statements) == 6, "\n".join(statements)
    assert fake.creates[0].text == ("variant" if with_variant else "base")


@pytest.mark.services
def test_only_the_outcome_commits_without_waiting_for_the_disk(postgres_required, fake, tick):
    """The claim that stops a second send stays fully durable; the re-derivable outcome does not wait."""
    DeliveryFactory()
    [(pk, token)] = tick()
    with CaptureQueriesContext(connection) as captured:
        delivery_publish(pk, token)
    sql = [q["sql"] for q in captured.captured_queries]
    relaxed = [i for i, q in enumerate(sql) if q.startswith("SET LOCAL synchronous_commit TO OFF")]
    claim = next(i for i, q in enumerate(sql) if q.startswith("UPDATE") and "'sending'" in q)
    outcome = next(i for i, q in enumerate(sql) if q.startswith("UPDATE") and "'published'" in q)
    assert len(relaxed) == 1 and claim < relaxed[0] < outcome


def test_last_published_at_is_written_at_most_once_a_minute(fake, tick):
    first = DeliveryFactory()
    publish_once(tick, first)
    stamped = Channel.objects.get(pk=first.channel_id).last_published_at
    assert stamped is not None

    second = DeliveryFactory(channel=first.channel)
    assert publish_once(tick, second) == DeliveryState.PUBLISHED
    assert Channel.objects.get(pk=first.channel_id).last_published_at == stamped

    Channel.objects.filter(pk=first.channel_id).update(last_published_at=stamped - timedelta(minutes=2))
    third = DeliveryFactory(channel=first.channel)
    publish_once(tick, third)
    assert Channel.objects.get(pk=first.channel_id).last_published_at > stamped


def test_warning_is_kept_without_changing_the_state(fake, tick):
    fake.script(Success(warning="The second part of the thread could not be posted"))
    delivery = DeliveryFactory()
    assert publish_once(tick, delivery) == DeliveryState.PUBLISHED
    assert reload(delivery).error_message == "The second part of the thread could not be posted."


def test_stale_unknown_or_malformed_tokens_are_ignored(fake, tick):
    delivery = DeliveryFactory()
    tick()
    assert delivery_publish(delivery.pk, str(uuid.uuid4())) is None
    assert delivery_publish(delivery.pk, "not-a-token") is None
    assert delivery_publish(999999, str(uuid.uuid4())) is None
    assert fake.publish_calls == [] and reload(delivery).state == DeliveryState.QUEUED


def test_the_same_message_three_times_creates_once(fake, tick):
    delivery = DeliveryFactory()
    [(pk, token)] = tick()
    results = [delivery_publish(pk, token) for _ in range(3)]
    assert results == [DeliveryState.PUBLISHED, None, None]
    assert fake.create_count() == 1 and len(fake.publish_calls) == 1
    assert reload(delivery).attempt_count == 1


def test_transient_error_waits_with_backoff(fake, tick, settings):
    settings.RETRY_BASE_SECONDS = 30
    fake.script(TransientError("X returned 503"))
    delivery = DeliveryFactory()
    before = timezone.now()
    assert publish_once(tick, delivery) == DeliveryState.RETRY_WAIT

    d = reload(delivery)
    assert before <= d.due_at <= timezone.now() + timedelta(seconds=30)
    assert "X was unavailable: X returned 503." in d.error_message and "try again" in d.error_message
    assert d.attempts.get().outcome == AttemptOutcome.RETRY
    assert fake.create_count() == 0


def test_retry_wait_is_sent_again_when_due_and_then_succeeds(fake, tick):
    fake.script(TransientError("503"))
    delivery = DeliveryFactory()
    publish_once(tick, delivery)
    due = reload(delivery).due_at
    assert tick(due - timedelta(microseconds=1)) == []
    [(pk, token)] = tick(due)
    assert delivery_publish(pk, token) == DeliveryState.PUBLISHED
    d = reload(delivery)
    assert d.attempt_count == 2 and d.error_message == ""
    assert [a.outcome for a in d.attempts.all()] == [AttemptOutcome.RETRY, AttemptOutcome.PUBLISHED]


def test_transient_errors_fail_after_max_attempts(fake, tick, settings):
    settings.RETRY_MAX_ATTEMPTS = 3
    fake.script(*[TransientError("X returned 502")] * 3)
    delivery = DeliveryFactory()
    for expected in (DeliveryState.RETRY_WAIT, DeliveryState.RETRY_WAIT, DeliveryState.FAILED):
        [(pk, token)] = tick(max(reload(delivery).due_at, timezone.now()))
        assert delivery_publish(pk, token) == expected
    d = reload(delivery)
    assert d.error_message.startswith("X could not be reached after 3 attempts (last error: X returned 502.)")
    assert d.error_message.endswith("then retry.")
    assert fake.create_count() == 0


def test_rate_limit_pauses_only_that_channel(fake, tick):
    now = timezone.now()
    retry_at = now + timedelta(seconds=100)
    workspace = WorkspaceFactory()
    limited, other = ChannelFactory(workspace=workspace), ChannelFactory(workspace=workspace)
    fake.script(RateLimited("Too many requests", retry_at=retry_at), channel=limited.external_id)
    first = DeliveryFactory(post__workspace=workspace, channel=limited)
    publish_once(tick, first)

    d = reload(first)
    assert (d.state, d.due_at) == (DeliveryState.RETRY_WAIT, retry_at)
    assert Channel.objects.get(pk=limited.pk).paused_until == retry_at
    assert "slow down" in d.error_message

    held = DeliveryFactory(post__workspace=workspace, channel=limited)
    flowing = DeliveryFactory(post__workspace=workspace, channel=other)
    assert [pk for pk, _ in tick(now + timedelta(seconds=60))] == [flowing.pk]
    assert reload(held).state == DeliveryState.SCHEDULED
    assert sorted(pk for pk, _ in tick(retry_at)) == sorted([first.pk, held.pk])


def test_rate_limit_without_reset_time_uses_backoff(fake, tick):
    fake.script(RateLimited("Daily quota used"))
    delivery = DeliveryFactory()
    publish_once(tick, delivery)
    d = reload(delivery)
    assert d.state == DeliveryState.RETRY_WAIT and d.due_at <= timezone.now() + timedelta(seconds=30)
    assert Channel.objects.get(pk=d.channel_id).paused_until == d.due_at


def test_a_rate_limit_never_shortens_a_longer_pause(fake, tick):
    later = timezone.now() + timedelta(hours=2)
    delivery = DeliveryFactory()
    fake.script(RateLimited("quota", retry_at=timezone.now() + timedelta(minutes=1)))
    fake.on_publish = lambda request: Channel.objects.filter(pk=delivery.channel_id).update(paused_until=later)
    publish_once(tick, delivery)
    assert Channel.objects.get(pk=delivery.channel_id).paused_until == later


def test_auth_expired_flags_the_channel_after_one_call(fake, tick):
    workspace = WorkspaceFactory()
    broken, healthy = ChannelFactory(workspace=workspace), ChannelFactory(workspace=workspace)
    fake.script(AuthExpired("The token was revoked"), channel=broken.external_id)
    first, second, third = (DeliveryFactory(post__workspace=workspace, channel=broken) for _ in range(3))
    fine = DeliveryFactory(post__workspace=workspace, channel=healthy)
    Delivery.objects.filter(pk__in=[second.pk, third.pk, fine.pk]).update(due_at=timezone.now() + timedelta(seconds=5))

    assert publish_once(tick, first) == DeliveryState.NEEDS_RECONNECT

    channel = Channel.objects.get(pk=broken.pk)
    assert channel.health == Health.NEEDS_RECONNECT and "Reconnect the channel" in channel.last_error
    d = reload(first)
    assert "X no longer accepts this channel's login (The token was revoked.)" in d.error_message
    assert d.attempts.get().outcome == AttemptOutcome.NEEDS_RECONNECT
    # The channel's other posts are held; healthy channels keep flowing; still exactly one call to X.
    sent = tick(timezone.now() + timedelta(seconds=10))
    assert [pk for pk, _ in sent] == [fine.pk]
    assert [r.channel.external_id for r in fake.publish_calls] == [broken.external_id]
    assert reload(second).state == reload(third).state == DeliveryState.SCHEDULED


@pytest.mark.parametrize(
    ("error", "verb"),
    [(ContentRejected("Status is a duplicate", platform_code="187"), "rejected"),
     (NotSupported("Videos are not supported for this account"), "cannot publish")],
)
def test_permanent_errors_fail_with_the_platform_reason(fake, tick, error, verb):
    fake.script(error)
    delivery = DeliveryFactory()
    assert publish_once(tick, delivery) == DeliveryState.FAILED
    d = reload(delivery)
    assert d.error_message.startswith(f"X {verb} this post: {error.message}.")
    assert d.error_message.endswith("then retry.")
    assert d.error_code == (error.platform_code or type(error).__name__)
    assert d.attempts.get().outcome == AttemptOutcome.FAILED


@pytest.mark.parametrize(
    "outcome",
    [OutcomeUnknown("Read timed out"), ApplyThenRaise(), RuntimeError("bug in the adapter"),
     PlatformError("unclassified"), ValueError],
)
def test_maybe_applied_goes_to_unknown(fake, tick, outcome):
    fake.script(outcome)
    delivery = DeliveryFactory()
    assert publish_once(tick, delivery) == DeliveryState.UNKNOWN
    d = reload(delivery)
    assert d.lease_expires_at is not None  # kept for the reconciler's grace period
    assert "may or may not have published" in d.error_message
    assert d.attempts.get().outcome == AttemptOutcome.UNKNOWN
    assert tick(timezone.now() + timedelta(seconds=30)) == []  # never re-sent blindly


def test_preparation_failure_fails_without_calling_the_platform(tick):
    delivery = DeliveryFactory(channel__platform="nowhere")
    assert publish_once(tick, delivery) is None
    d = reload(delivery)
    assert d.state == DeliveryState.FAILED and d.error_code == "prepare_error"
    assert "could not prepare this post for nowhere" in d.error_message
    assert d.attempts.get().outcome == AttemptOutcome.FAILED


def test_late_success_settles_a_delivery_whose_lease_expired(fake, tick):
    delivery = DeliveryFactory()
    [(pk, token)] = tick()

    def worker_stalls(request):
        # While the call is in flight the sending lease expires and the dispatcher marks it unknown.
        Delivery.objects.filter(pk=pk).update(lease_expires_at=timezone.now() - timedelta(seconds=1))
        tick()

    fake.on_publish = worker_stalls
    assert delivery_publish(pk, token) == DeliveryState.PUBLISHED
    assert reload(delivery).external_id == fake.creates[0].external_id


def test_late_failure_never_overwrites_a_newer_state(fake, tick):
    delivery = DeliveryFactory()
    [(pk, token)] = tick()
    fake.script(TransientError("503"))
    fake.on_publish = lambda request: Delivery.objects.filter(pk=pk).update(state=DeliveryState.UNKNOWN)
    assert delivery_publish(pk, token) is None
    d = reload(delivery)
    assert d.state == DeliveryState.UNKNOWN
    assert d.attempts.get().outcome == AttemptOutcome.IN_PROGRESS


def test_variant_overrides_reach_the_platform(fake, tick):
    from tests.factories import VariantFactory

    post = PostFactory(text="Base text", link="https://example.com/a")
    delivery = DeliveryFactory(post=post)
    VariantFactory(post=post, channel=delivery.channel, text="Shorter for X")
    publish_once(tick, delivery)
    [request] = fake.publish_calls
    assert (request.text, request.link) == ("Shorter for X", "https://example.com/a")
    assert request.channel.credentials.access_token == "test-access-token"


def test_slow_platform_is_fine_within_the_lease(fake, tick):
    fake.script(Latency(0.05))
    delivery = DeliveryFactory()
    assert publish_once(tick, delivery) == DeliveryState.PUBLISHED


@pytest.mark.django_db(transaction=True)
def test_no_transaction_is_open_during_the_platform_call(fake, outbox):
    from scheduler.engine import dispatch_due

    seen = []
    fake.on_publish = lambda request: seen.append(connection.in_atomic_block)
    delivery = DeliveryFactory()
    dispatch_due(timezone.now())  # commits for real here, so on_commit sends the message
    [(pk, token)] = outbox
    assert delivery_publish(pk, token) == DeliveryState.PUBLISHED
    assert seen == [False]
    assert Attempt.objects.get(delivery=delivery).outcome == AttemptOutcome.PUBLISHED


def expiring_channel(**kwargs):
    return ChannelFactory(token_expires_at=timezone.now() + timedelta(seconds=30), **kwargs)


def test_a_login_about_to_expire_is_refreshed_before_the_create(fake, tick):
    delivery = DeliveryFactory(channel=expiring_channel())
    assert publish_once(tick, delivery) == DeliveryState.PUBLISHED
    assert len(fake.refresh_calls) == 1
    [request] = fake.publish_calls
    assert request.channel.credentials.access_token == "refreshed-access-1"
    channel = Channel.objects.get(pk=delivery.channel_id)
    assert channel.credentials["access_token"] == "refreshed-access-1"
    assert channel.token_expires_at > timezone.now() + timedelta(hours=1)


def test_a_login_far_from_expiry_is_not_refreshed(fake, tick):
    delivery = DeliveryFactory(channel__token_expires_at=timezone.now() + timedelta(hours=1))
    publish_once(tick, delivery)
    assert fake.refresh_calls == []


@pytest.mark.parametrize(
    ("error", "state"),
    [(AuthExpired("refresh token revoked"), DeliveryState.NEEDS_RECONNECT),
     (TransientError("token endpoint 503"), DeliveryState.RETRY_WAIT),
     (OutcomeUnknown("token endpoint timed out"), DeliveryState.RETRY_WAIT)],
)
def test_a_failed_refresh_never_reaches_the_create(fake, tick, error, state):
    fake.script_refresh(error)
    delivery = DeliveryFactory(channel=expiring_channel())
    assert publish_once(tick, delivery) == state
    assert fake.publish_calls == []
    if state == DeliveryState.NEEDS_RECONNECT:
        assert Channel.objects.get(pk=delivery.channel_id).health == Health.NEEDS_RECONNECT


def test_send_time_checks_catch_what_changed_since_compose(fake, tick):
    delivery = DeliveryFactory(post__text="short")
    Post.objects.filter(pk=delivery.post_id).update(text="x" * 300)  # bypassing the services, as a stale row would

    publish_once(tick, delivery)

    d = reload(delivery)
    assert d.state == DeliveryState.FAILED and d.error_code == "preflight" and fake.publish_calls == []
    assert d.error_message.startswith("X would not accept this post: X allows 280 characters; this post has 300.")
    [attempt] = d.attempts.all()
    assert attempt.outcome == AttemptOutcome.FAILED and attempt.error_class == "ContentRejected"


def test_a_missing_media_file_fails_before_anything_is_sent(fake, tick, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    delivery = DeliveryFactory(post__media=[{"path": "uploads/gone.jpg"}])

    publish_once(tick, delivery)

    d = reload(delivery)
    assert d.state == DeliveryState.FAILED and d.error_code == "preflight" and "does not exist" in d.error_message
    assert fake.publish_calls == []


def test_our_media_files_get_a_signed_public_url_and_their_measurements(fake, tick, settings, tmp_path):
    from PIL import Image

    settings.MEDIA_ROOT = tmp_path
    settings.PUBLIC_BASE_URL = "https://smo.example.org"
    (tmp_path / "uploads").mkdir()
    Image.new("RGB", (640, 480), "white").save(tmp_path / "uploads" / "photo.png")
    delivery = DeliveryFactory(post__media=[{"path": "uploads/photo.png", "alt_text": "A white square"}])

    assert publish_once(tick, delivery) == DeliveryState.PUBLISHED

    [media] = fake.publish_calls[0].media
    assert media.url.startswith("https://smo.example.org/m/") and media.url.endswith("/photo.png")
    assert (media.mime_type, media.width, media.height, media.alt_text) == ("image/png", 640, 480, "A white square")
    assert media.size_bytes == (tmp_path / "uploads" / "photo.png").stat().st_size
