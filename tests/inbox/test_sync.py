"""Polling: sync_due picks healthy inbox channels, sync_channel advances the cursor only after ingest."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from inbox import tasks
from inbox.models import InboxItem, SyncState
from inbox.services import inbox_sync_channel, inbox_sync_claim_due
from platforms.errors import AuthExpired, ContentRejected, RateLimited, TransientError
from platforms.models import Health
from platforms.types import InboxPage
from tests.factories import ChannelFactory
from tests.fakes import install_fake

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def interval(settings):
    settings.INBOX_SYNC_INTERVAL_SECONDS = 300


def test_sync_stores_every_page_and_keeps_the_last_cursor(fake, channel, entry):
    fake.inbox_page_size = 2
    fake.add_inbox(*[entry(n) for n in range(1, 6)], channel="acct-1")
    assert inbox_sync_channel(channel.pk) == "ok"
    assert fake.fetch_calls == [("acct-1", ""), ("acct-1", "2"), ("acct-1", "4"), ("acct-1", "5")]
    assert InboxItem.objects.filter(channel=channel).count() == 5
    state = SyncState.objects.get(channel=channel)
    assert (state.cursor, state.items_last_sync, state.last_error, state.consecutive_failures) == ("5", 5, "", 0)
    assert state.last_success_at is not None
    assert state.next_sync_at == state.last_success_at + timedelta(seconds=300)


def test_the_next_sync_starts_at_the_stored_cursor(fake, channel, entry):
    fake.add_inbox(entry(1), entry(2), channel="acct-1")
    inbox_sync_channel(channel.pk)
    fake.add_inbox(entry(3), channel="acct-1")
    fake.fetch_calls.clear()
    inbox_sync_channel(channel.pk)
    assert fake.fetch_calls[0] == ("acct-1", "2")
    assert SyncState.objects.get().items_last_sync == 1


def test_a_failure_mid_way_keeps_the_cursor_of_the_last_stored_page(fake, channel, entry):
    fake.script_inbox(InboxPage(items=(entry(1),), cursor="p1"), TransientError("X answered 503."))
    assert inbox_sync_channel(channel.pk) == "failed"
    state = SyncState.objects.get()
    assert (state.cursor, state.last_error, state.consecutive_failures) == ("p1", "X answered 503.", 1)
    assert InboxItem.objects.count() == 1
    # Retried soon (a read retries freely), not an interval later.
    assert state.next_sync_at - state.last_synced_at == timedelta(seconds=15)


def test_the_cursor_does_not_move_when_ingest_fails(fake, channel, entry, monkeypatch):
    fake.script_inbox(InboxPage(items=(entry(1),), cursor="p1"))

    def broken(*args, **kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr("inbox.services.inbox_ingest", broken)
    with pytest.raises(RuntimeError):
        inbox_sync_channel(channel.pk)
    assert SyncState.objects.get().cursor == ""


def test_auth_expired_flags_the_channel_and_stops_syncing_it(fake, channel):
    fake.script_inbox(AuthExpired("X says the access token was revoked."))
    assert inbox_sync_channel(channel.pk) == "auth_expired"
    channel.refresh_from_db()
    assert channel.health == Health.NEEDS_RECONNECT
    assert channel.last_error == "X says the access token was revoked."
    state = SyncState.objects.get()
    assert state.last_error == ("X says the access token was revoked. "
                                "Inbox sync stopped: reconnect the channel to resume it.")
    assert inbox_sync_claim_due(timezone.now() + timedelta(days=1)) == []
    assert inbox_sync_channel(channel.pk) == "skipped"
    assert len(fake.fetch_calls) == 1


def test_rate_limited_waits_for_the_platform_reset(fake, channel):
    reset = timezone.now() + timedelta(minutes=12)
    fake.script_inbox(RateLimited("X: too many requests.", retry_at=reset))
    assert inbox_sync_channel(channel.pk) == "rate_limited"
    state = SyncState.objects.get()
    assert (state.next_sync_at, state.last_error, state.consecutive_failures) == (reset, "X: too many requests.", 1)
    assert inbox_sync_claim_due(reset - timedelta(seconds=1)) == []
    assert inbox_sync_claim_due(reset) == [channel.pk]


def test_failures_back_off_and_a_success_clears_them(fake, channel, entry):
    fake.script_inbox(TransientError("503"), TransientError("503"), ContentRejected("odd answer"))
    for _ in range(3):
        inbox_sync_channel(channel.pk)
    state = SyncState.objects.get()
    assert (state.consecutive_failures, state.last_error) == (3, "odd answer")
    assert state.next_sync_at - state.last_synced_at == timedelta(seconds=60)
    fake.add_inbox(entry(1))
    assert inbox_sync_channel(channel.pk) == "ok"
    state.refresh_from_db()
    assert (state.consecutive_failures, state.last_error, state.items_last_sync) == (0, "", 1)


def test_sync_due_claims_healthy_inbox_channels_once(fake, channel):
    sick = ChannelFactory(platform="x", health=Health.NEEDS_RECONNECT)
    no_inbox = ChannelFactory(platform="quiet")
    now = timezone.now()
    with install_fake("quiet", inbox_kinds=()):
        assert inbox_sync_claim_due(now) == [channel.pk]
        assert inbox_sync_claim_due(now) == []  # a second tick in the same moment finds nothing due
        assert inbox_sync_claim_due(now + timedelta(seconds=299)) == []
        assert inbox_sync_claim_due(now + timedelta(seconds=300)) == [channel.pk]
    assert not SyncState.objects.filter(channel__in=[sick, no_inbox]).exists()


def test_sync_due_enqueues_on_commit(fake, channel, monkeypatch, django_capture_on_commit_callbacks):
    sent = []
    monkeypatch.setattr(tasks.sync_channel, "delay", lambda pk: sent.append(pk))
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.sync_due() == 1
    assert sent == [channel.pk]
    assert tasks.sync_channel(channel.pk) == "ok"


def test_a_deleted_channel_is_skipped(fake):
    assert inbox_sync_channel(987654) == "skipped"
    assert fake.fetch_calls == []
