"""Ingest scores new items in bulk and flags conversations: negative on our recent post, strongly negative DMs."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from inbox import tasks
from inbox.attention import attention_after_ingest, sentiment_apply
from inbox.models import Conversation, InboxItem, Sentiment
from inbox.services import inbox_ingest
from tests.inbox_sentiment.conftest import MILD, NEGATIVE, POSITIVE, dm, published

pytestmark = pytest.mark.django_db


@pytest.fixture
def enqueued(monkeypatch):
    ids: list[int] = []
    monkeypatch.setattr(tasks.alert_attention, "delay", lambda pk: ids.append(pk))
    return ids


def test_new_items_get_a_score_and_label(channel, entry):
    inbox_ingest(channel, [entry(1, POSITIVE), entry(2, NEGATIVE), entry(3, "The shop opens at nine.")])
    found = {i.external_id: (i.sentiment_label, i.sentiment) for i in InboxItem.objects.all()}
    assert found["c1"][0] == Sentiment.POSITIVE and found["c1"][1] > 0.05
    assert found["c2"][0] == Sentiment.NEGATIVE and found["c2"][1] < -0.5
    assert found["c3"] == (Sentiment.NEUTRAL, 0.0)


def test_a_stored_item_is_not_scored_again(channel, entry):
    inbox_ingest(channel, [entry(1, POSITIVE)])
    InboxItem.objects.update(sentiment=0.123, sentiment_label=Sentiment.NEUTRAL)
    inbox_ingest(channel, [entry(1, POSITIVE)])
    assert InboxItem.objects.get().sentiment == 0.123


def test_scoring_and_flagging_add_no_queries_per_item(channel, entry):
    """sentiment_apply is pure CPU; attention_after_ingest costs the same for 3 items as for 50."""
    published(channel, "post-1", hours_ago=2)
    inbox_ingest(channel, [entry(1, POSITIVE)])  # the thread exists
    thread = Conversation.objects.get()

    def items(numbers: range) -> list[InboxItem]:
        made = [InboxItem(workspace=channel.workspace, channel=channel, conversation=thread, external_id=f"x{n}",
                          kind="comment", text=NEGATIVE if n % 2 else POSITIVE, created_at=timezone.now())
                for n in numbers]
        with CaptureQueriesContext(connection) as scoring:
            sentiment_apply(made)
        assert len(scoring) == 0 and all(item.sentiment_label for item in made)
        return made

    few, many = items(range(3)), items(range(100, 150))
    with CaptureQueriesContext(connection) as few_queries:
        attention_after_ingest(channel.workspace_id, few)
    Conversation.objects.update(needs_attention=False)
    with CaptureQueriesContext(connection) as many_queries:
        attention_after_ingest(channel.workspace_id, many)
    assert len(many_queries) == len(few_queries) <= 6, [q["sql"][:100] for q in many_queries]


def test_the_thread_shows_the_newest_strangers_label(channel, entry):
    inbox_ingest(channel, [entry(5, NEGATIVE), entry(1, POSITIVE)])  # c1 is newer (1 minute ago)
    inbox_ingest(channel, [entry(0, NEGATIVE, from_us=True, external_id="ours")])  # ours: does not count
    assert Conversation.objects.get().sentiment_label == Sentiment.POSITIVE
    inbox_ingest(channel, [entry(9, NEGATIVE)])  # older, arriving late: does not replace the newest
    assert Conversation.objects.get().sentiment_label == Sentiment.POSITIVE


def test_negative_comment_on_our_recent_post_needs_attention(channel, entry, enqueued,
                                                            django_capture_on_commit_callbacks):
    delivery = published(channel, "post-1", hours_ago=3)
    with django_capture_on_commit_callbacks(execute=True):
        inbox_ingest(channel, [entry(1, POSITIVE), entry(2, NEGATIVE)])
    conversation = Conversation.objects.get()
    assert conversation.delivery_id == delivery.pk
    assert conversation.needs_attention
    assert "post published 3 h ago" in conversation.attention_reason
    assert enqueued == [conversation.pk]
    # A second negative comment: already flagged, no second alert enqueued.
    with django_capture_on_commit_callbacks(execute=True):
        inbox_ingest(channel, [entry(3, NEGATIVE)])
    assert enqueued == [conversation.pk]


def test_the_alert_is_enqueued_only_after_commit(channel, entry, enqueued, django_capture_on_commit_callbacks):
    published(channel, "post-1", hours_ago=1)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        inbox_ingest(channel, [entry(1, NEGATIVE)])
    assert enqueued == [] and callbacks
    for callback in callbacks:
        callback()
    assert enqueued == [Conversation.objects.get().pk]


@pytest.mark.parametrize(("hours_ago", "text", "flagged"), [
    (47, NEGATIVE, True),
    (49, NEGATIVE, False),  # an old post: negative, but not news any more
    (3, MILD, False),  # negative but above the -0.5 threshold
    (3, POSITIVE, False),
])
def test_attention_rules_for_comments(channel, entry, enqueued, hours_ago, text, flagged):
    published(channel, "post-1", hours_ago=hours_ago)
    inbox_ingest(channel, [entry(1, text)])
    assert Conversation.objects.get().needs_attention is flagged


def test_a_negative_comment_on_a_post_that_is_not_ours_is_not_flagged(channel, entry, enqueued):
    inbox_ingest(channel, [entry(1, NEGATIVE, conversation_id="someone-else", post_external_id="")])
    assert not Conversation.objects.get().needs_attention


def test_our_own_negative_words_do_not_flag(channel, entry, enqueued):
    published(channel, "post-1", hours_ago=1)
    inbox_ingest(channel, [entry(1, NEGATIVE, from_us=True)])
    assert not Conversation.objects.get().needs_attention


def test_the_threshold_and_window_are_settings(settings, channel, entry, enqueued):
    settings.INBOX_ATTENTION_THRESHOLD = -0.05
    settings.INBOX_ATTENTION_WINDOW_HOURS = 100
    published(channel, "post-1", hours_ago=90)
    inbox_ingest(channel, [entry(1, MILD)])
    assert Conversation.objects.get().needs_attention


@pytest.mark.parametrize(("text", "minutes_ago", "flagged"), [
    (NEGATIVE, 5, True),
    ("Not great.", 5, False),  # -0.51: negative, but not strongly
    (NEGATIVE, 60 * 24 * 3, False),  # strongly negative, but an old message found by a backfill
])
def test_direct_messages_need_attention_when_strongly_negative(channel, enqueued, text, minutes_ago, flagged):
    inbox_ingest(channel, [dm(minutes_ago, text)])
    conversation = Conversation.objects.get()
    assert conversation.needs_attention is flagged
    if flagged:
        assert conversation.attention_reason.startswith("Strongly negative direct message")


def test_alerts_off_flags_but_enqueues_nothing(settings, channel, entry, enqueued,
                                               django_capture_on_commit_callbacks):
    settings.INBOX_ATTENTION_ALERTS = False
    published(channel, "post-1", hours_ago=1)
    with django_capture_on_commit_callbacks(execute=True):
        inbox_ingest(channel, [entry(1, NEGATIVE)])
    assert Conversation.objects.get().needs_attention
    assert enqueued == []


def test_the_reason_is_written_in_the_workspace_language(channel, entry, enqueued):
    channel.workspace.language = "de"
    channel.workspace.save()
    inbox_ingest(channel, [dm(1, NEGATIVE)])
    reason = Conversation.objects.get().attention_reason
    assert reason  # German when the catalogue has it; never empty, never the stranger's words
    assert NEGATIVE not in reason


def test_flag_time_is_recorded(channel, entry, enqueued):
    before = timezone.now()
    inbox_ingest(channel, [dm(1, NEGATIVE)])
    conversation = Conversation.objects.get()
    assert before <= conversation.attention_at <= timezone.now() + timedelta(seconds=1)
