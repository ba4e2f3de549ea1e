"""The reply state machine against the in-memory adapter: one reply call per reply, whatever arrives twice;
each error class to exactly one state; leases; the sweep's retries."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from inbox.models import Conversation, InboxItem, Reply, ReplyAttempt, ReplyState
from inbox.replies import replies_due, reply_send
from inbox.reply_engine import record
from inbox.services import inbox_ingest
from platforms.errors import (
    AuthExpired,
    ContentRejected,
    NotSupported,
    OutcomeUnknown,
    RateLimited,
    TransientError,
)
from platforms.models import Channel, Health
from platforms.types import PublishResult, ReplyTarget
from tests.fakes import FakePlatform
from tests.inbox_replies.conftest import entry
from workspaces.models import AuditEvent

Queue = Callable[..., tuple[Reply, str]]


def test_a_reply_is_queued_with_a_token_and_one_message_after_commit(fake: FakePlatform, thread: Conversation,
                                                                     queue: Queue, manager: Any) -> None:
    reply, token = queue(thread, "  Thanks for asking!  ")
    assert (reply.state, reply.text, str(reply.attempt_token)) == (ReplyState.QUEUED, "Thanks for asking!", token)
    assert reply.in_reply_to.external_id == "c2"  # by default the newest item someone else wrote
    assert reply.lease_expires_at > timezone.now() and reply.author == manager
    assert AuditEvent.objects.filter(action="reply.queued", target_id=str(reply.pk)).count() == 1
    assert fake.replies == []  # nothing is sent inside the request


def test_sent_reply_lands_once_in_its_thread_and_the_sync_does_not_duplicate_it(
        fake: FakePlatform, channel: Channel, thread: Conversation, queue: Queue) -> None:
    first = InboxItem.objects.get(external_id="c1")
    reply, token = queue(thread, "We ship on Monday", in_reply_to=first.pk)
    assert reply_send(reply.pk, token) == ReplyState.SENT
    assert fake.replies == [("acct-1", ReplyTarget("comment", "c1", "post-1", "u1"), "We ship on Monday")]
    reply.refresh_from_db()
    assert reply.external_id.startswith("reply-") and reply.permalink.startswith("https://fake.example/")
    assert reply.sent_at is not None and reply.attempt_count == 1 and reply.lease_expires_at is None
    item = reply.sent_item
    assert (item.conversation_id, item.from_us, item.text, item.kind) == (thread.pk, True, "We ship on Monday",
                                                                          "reply")
    assert list(ReplyAttempt.objects.filter(reply=reply).values_list("outcome", flat=True)) == ["sent"]
    # The next sync (or webhook) reports the same answer: still one item.
    inbox_ingest(channel, [entry(reply.external_id, 0, text="We ship on Monday", author_id="acct-1", from_us=True)])
    assert InboxItem.objects.filter(external_id=reply.external_id).count() == 1


def test_the_same_message_three_times_makes_one_reply_call(fake: FakePlatform, thread: Conversation,
                                                           queue: Queue) -> None:
    reply, token = queue(thread)
    assert [reply_send(reply.pk, token) for _ in range(3)] == [ReplyState.SENT, None, None]
    assert len(fake.replies) == 1
    assert reply_send(reply.pk, str(uuid.uuid4())) is None and reply_send(reply.pk, "not-a-token") is None
    assert len(fake.replies) == 1 and ReplyAttempt.objects.filter(reply=reply).count() == 1


def test_a_direct_message_answers_the_other_party_of_the_thread(fake: FakePlatform, dm_thread: Conversation,
                                                                queue: Queue) -> None:
    reply, token = queue(dm_thread, "It left our warehouse today.")
    assert reply_send(reply.pk, token) == ReplyState.SENT
    assert fake.replies[0][1] == ReplyTarget("message", "m1", "dm-77", "u77")
    item = Reply.objects.get(pk=reply.pk).sent_item
    assert (item.kind, item.conversation_id, item.from_us) == ("message", dm_thread.pk, True)


RETRY_AT = timezone.now() + timedelta(minutes=15)


@pytest.mark.parametrize(("error", "state", "advice"), [
    (TransientError("503 from the platform"), ReplyState.RETRY_WAIT, "tries again automatically"),
    (RateLimited("Too many requests", retry_at=RETRY_AT), ReplyState.RETRY_WAIT, "slow down"),
    (ContentRejected("Duplicate content"), ReplyState.FAILED, "X rejected this reply: Duplicate content."),
    (NotSupported("Replies are switched off"), ReplyState.FAILED, "X cannot send this reply"),
    (AuthExpired("Token revoked"), ReplyState.NEEDS_RECONNECT, "reconnects the channel"),
    (OutcomeUnknown("Read timed out"), ReplyState.UNKNOWN, "SMO is checking"),
    (RuntimeError("adapter bug"), ReplyState.UNKNOWN, "may or may not"),
])
def test_each_error_class_maps_to_one_state_with_a_reason(fake: FakePlatform, channel: Channel, thread: Conversation,
                                                          queue: Queue, error: Exception, state: str,
                                                          advice: str) -> None:
    fake.script_reply(error)
    reply, token = queue(thread)
    assert reply_send(reply.pk, token) == state
    reply.refresh_from_db()
    assert advice in reply.error_message and reply.sent_item is None
    assert ReplyAttempt.objects.get(reply=reply).outcome == state
    channel.refresh_from_db()
    assert (channel.health == Health.NEEDS_RECONNECT) == isinstance(error, AuthExpired)
    if isinstance(error, RateLimited):
        assert reply.next_attempt_at == RETRY_AT
    elif state == ReplyState.RETRY_WAIT:
        assert reply.next_attempt_at > timezone.now() - timedelta(seconds=1)
    if state == ReplyState.UNKNOWN:
        assert reply.lease_expires_at is not None  # the reconciler waits for it before concluding anything
    assert len(fake.replies) == 1


def test_transient_errors_give_up_after_the_last_attempt(fake: FakePlatform, thread: Conversation, queue: Queue,
                                                         settings: Any) -> None:
    settings.RETRY_MAX_ATTEMPTS = 1
    fake.script_reply(TransientError("Connection refused"))
    reply, token = queue(thread)
    assert reply_send(reply.pk, token) == ReplyState.FAILED
    assert "could not be reached after 1 attempts" in Reply.objects.get(pk=reply.pk).error_message


def test_a_reply_on_a_channel_that_needs_reconnecting_is_held_without_a_call(
        fake: FakePlatform, channel: Channel, thread: Conversation, queue: Queue) -> None:
    reply, token = queue(thread)
    Channel.objects.filter(pk=channel.pk).update(health=Health.NEEDS_RECONNECT, last_error="Revoked on X")
    assert reply_send(reply.pk, token) == ReplyState.NEEDS_RECONNECT
    assert fake.replies == [] and Channel.objects.get(pk=channel.pk).last_error == "Revoked on X"


def test_queued_lease_expiry_requeues_under_a_new_token(fake: FakePlatform, thread: Conversation, queue: Queue,
                                                        sent: list, django_capture_on_commit_callbacks: Any) -> None:
    reply, old = queue(thread)
    later = timezone.now() + timedelta(hours=1)
    with django_capture_on_commit_callbacks(execute=True):
        assert replies_due(later)["requeued"] == 1
    reply.refresh_from_db()
    new = str(reply.attempt_token)
    assert reply.state == ReplyState.QUEUED and new != old and sent[-1] == (reply.pk, new)
    assert reply_send(reply.pk, old) is None and fake.replies == []  # the lost first message arrives late
    assert reply_send(reply.pk, new) == ReplyState.SENT and len(fake.replies) == 1


def test_sending_lease_expiry_goes_to_unknown_never_back_to_the_queue(
        fake: FakePlatform, thread: Conversation, queue: Queue, sent: list) -> None:
    reply, token = queue(thread)
    # A worker claimed the reply and died during the call: the row is left in `sending`.
    Reply.objects.filter(pk=reply.pk).update(state=ReplyState.SENDING, attempt_count=1,
                                             lease_expires_at=timezone.now() - timedelta(seconds=1))
    ReplyAttempt.objects.create(reply=reply, token=reply.attempt_token, started_at=timezone.now())
    counts = replies_due(timezone.now())
    assert (counts["lost"], counts["requeued"]) == (1, 0)
    reply.refresh_from_db()
    assert reply.state == ReplyState.UNKNOWN and reply.error_code == "lease_expired"
    assert ReplyAttempt.objects.get(reply=reply).outcome == ReplyState.UNKNOWN
    assert reply_send(reply.pk, token) is None and fake.replies == [] and len(sent) == 1
    # The lost worker's success, should it still report, settles the reply under the same token.
    result = PublishResult(external_id="late-1", published_at=timezone.now())
    assert record(reply, reply.attempt_token, result, duration_ms=5) == ReplyState.SENT
    assert Reply.objects.get(pk=reply.pk).sent_item.external_id == "late-1"


def test_due_retries_are_requeued_but_not_early_nor_on_a_paused_channel(
        fake: FakePlatform, channel: Channel, thread: Conversation, queue: Queue, sent: list,
        django_capture_on_commit_callbacks: Any) -> None:
    fake.script_reply(TransientError("503"))
    reply, token = queue(thread)
    assert reply_send(reply.pk, token) == ReplyState.RETRY_WAIT
    due = Reply.objects.get(pk=reply.pk).next_attempt_at
    assert replies_due(due - timedelta(seconds=1))["retried"] == 0
    Channel.objects.filter(pk=channel.pk).update(paused_until=due + timedelta(minutes=5))
    assert replies_due(due + timedelta(seconds=1))["retried"] == 0
    Channel.objects.filter(pk=channel.pk).update(paused_until=None)
    with django_capture_on_commit_callbacks(execute=True):
        assert replies_due(due + timedelta(seconds=1))["retried"] == 1
    pk, new = sent[-1]
    assert pk == reply.pk and new != token
    assert reply_send(reply.pk, new) == ReplyState.SENT
    assert Reply.objects.get(pk=reply.pk).attempt_count == 2 and len(fake.replies) == 2


def test_a_reply_held_for_reconnect_goes_out_once_the_channel_is_healthy(
        fake: FakePlatform, channel: Channel, thread: Conversation, queue: Queue,
        django_capture_on_commit_callbacks: Any, sent: list) -> None:
    fake.script_reply(AuthExpired("Token expired"))
    reply, token = queue(thread)
    assert reply_send(reply.pk, token) == ReplyState.NEEDS_RECONNECT
    assert replies_due(timezone.now())["resumed"] == 0  # still flagged
    Channel.objects.filter(pk=channel.pk).update(health=Health.OK)
    with django_capture_on_commit_callbacks(execute=True):
        assert replies_due(timezone.now())["resumed"] == 1
    assert reply_send(reply.pk, sent[-1][1]) == ReplyState.SENT
