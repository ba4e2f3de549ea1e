"""Settling `unknown` replies: found in the thread or on the platform -> sent with that id; not found ->
still checking, then needs_check with advice; failed reads postpone; a twin text is never claimed twice."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.utils import timezone

from inbox.models import Conversation, InboxItem, Reply, ReplyState
from inbox.replies import reconcile_replies, reply_reconcile, reply_send
from inbox.services import inbox_ingest
from platforms.errors import AuthExpired, OutcomeUnknown, TransientError
from platforms.models import Channel, Health
from platforms.types import InboxEntry
from tests.fakes import FakePlatform
from tests.inbox_replies.conftest import entry

Queue = Callable[..., tuple[Reply, str]]


def lost(fake: FakePlatform, queue: Queue, thread: Conversation, text: str = "Thanks for asking!",
         actor: Any = None) -> Reply:
    """A reply whose send timed out: `unknown`."""
    fake.script_reply(OutcomeUnknown("Read timed out"))
    reply, token = queue(thread, text, actor=actor)
    assert reply_send(reply.pk, token) == ReplyState.UNKNOWN
    return Reply.objects.get(pk=reply.pk)


def ours(external_id: str, text: str, **values: Any) -> InboxEntry:
    base: dict[str, Any] = {"text": text, "author_id": "acct-1", "author_name": "Acme", "from_us": True,
                            "kind": "reply", "in_reply_to": "c2"}
    return entry(external_id, 0, **{**base, **values})


def test_found_on_the_platform_settles_as_sent_with_its_id(fake: FakePlatform, thread: Conversation,
                                                          queue: Queue) -> None:
    reply = lost(fake, queue, thread, "Thanks   for\nasking!")
    fake.add_inbox(entry("c9", 0, text="Thanks for asking!"))  # a fan's, not ours
    fake.add_inbox(ours("r-77", "Thanks for asking!", permalink="https://x.com/acme/status/77"))
    assert reply_reconcile(reply.pk) == ReplyState.SENT
    reply.refresh_from_db()
    assert (reply.external_id, reply.permalink, reply.error_message) == ("r-77", "https://x.com/acme/status/77", "")
    assert reply.sent_item.external_id == "r-77" and reply.sent_item.conversation_id == thread.pk
    assert fake.fetch_calls == [("acct-1", "")] and len(fake.replies) == 1
    assert reply.attempts.last().outcome == "reconciled"


def test_found_in_the_thread_already_needs_no_platform_call(fake: FakePlatform, channel: Channel,
                                                            thread: Conversation, queue: Queue) -> None:
    reply = lost(fake, queue, thread)
    inbox_ingest(channel, [ours("r-5", "Thanks for asking!")], source="webhook")
    assert reconcile_replies(timezone.now() + timedelta(minutes=5)) == 1
    assert Reply.objects.get(pk=reply.pk).external_id == "r-5" and fake.fetch_calls == []


def test_not_found_keeps_checking_then_asks_the_user(fake: FakePlatform, thread: Conversation, queue: Queue,
                                                     settings: Any) -> None:
    settings.RECONCILE_GIVE_UP_SECONDS = 600
    reply = lost(fake, queue, thread)
    soon = timezone.now() + timedelta(minutes=1)
    assert reply_reconcile(reply.pk, now=soon) == ReplyState.UNKNOWN
    reply.refresh_from_db()
    assert reply.next_attempt_at > soon
    assert reconcile_replies(soon) == 0 and len(fake.fetch_calls) == 1  # not due for another look yet
    assert reply_reconcile(reply.pk, now=timezone.now() + timedelta(minutes=11)) == ReplyState.NEEDS_CHECK
    reply.refresh_from_db()
    assert "We could not confirm whether X received this reply" in reply.error_message
    assert "mark it sent" in reply.error_message and "retry it" in reply.error_message
    assert len(fake.replies) == 1  # never re-sent on its own


def test_failed_reads_postpone_and_a_dead_login_asks_the_user(fake: FakePlatform, channel: Channel,
                                                              thread: Conversation, queue: Queue) -> None:
    reply = lost(fake, queue, thread)
    fake.script_inbox(TransientError("503"))
    assert reply_reconcile(reply.pk) == ReplyState.UNKNOWN
    fake.script_inbox(AuthExpired("Token revoked"))
    assert reply_reconcile(reply.pk) == ReplyState.NEEDS_CHECK
    assert Channel.objects.get(pk=channel.pk).health == Health.NEEDS_RECONNECT


def test_old_or_foreign_matches_and_twins_are_not_claimed(fake: FakePlatform, channel: Channel,
                                                          thread: Conversation, queue: Queue,
                                                          member: Callable[..., Any]) -> None:
    earlier, token = queue(thread, "Thanks!")
    assert reply_send(earlier.pk, token) == ReplyState.SENT
    twin_id = Reply.objects.get(pk=earlier.pk).external_id
    reply = lost(fake, queue, thread, "Thanks!", actor=member())  # a colleague answers the same way
    fake.add_inbox(ours(twin_id, "Thanks!"))  # the first "Thanks!" belongs to the earlier reply
    fake.add_inbox(ours("r-old", "Thanks!", created_at=timezone.now() - timedelta(hours=2)))
    fake.add_inbox(ours("r-other", "Thanks!", conversation_id="post-9", in_reply_to="zz"))
    assert reply_reconcile(reply.pk) == ReplyState.UNKNOWN
    fake.add_inbox(ours("r-new", "Thanks!"))
    assert reply_reconcile(reply.pk) == ReplyState.SENT
    assert Reply.objects.get(pk=reply.pk).external_id == "r-new"
    assert InboxItem.objects.filter(external_id="r-new").count() == 1
