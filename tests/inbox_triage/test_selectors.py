"""inbox.selectors: every filter of the list, unread per person, snoozes running out, keyset paging, counts,
and a constant number of queries per page."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.http import QueryDict
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from inbox.models import Conversation
from inbox.selectors import (
    InboxFilters,
    conversation_page,
    conversations_filtered,
    has_conversation_field,
    parse_filters,
    status_counts,
)
from inbox.services import inbox_ingest
from inbox.triage import conversation_assign, conversation_mark_read, conversation_set_status, conversation_tag
from tests.factories import ChannelFactory, WorkspaceFactory
from tests.inbox_triage.conftest import T0, conversation, entry
from workspaces.models import Role

pytestmark = pytest.mark.django_db


def ids(workspace, user, **filters) -> list[int]:
    return [c.pk for c in conversations_filtered(workspace, user, InboxFilters(**filters))]


def test_newest_first_and_only_this_workspace(workspace, channel, member):
    older, newer = conversation(channel, 1), conversation(channel, 5)
    conversation(ChannelFactory(workspace=WorkspaceFactory()), 9)
    assert ids(workspace, member().user) == [newer.pk, older.pk]


def test_unread_is_per_person_and_comes_back_with_a_new_item(workspace, channel, member):
    thread = conversation(channel, 1)
    anna, ben = member().user, member().user
    assert ids(workspace, anna, unread=True) == [thread.pk]
    conversation_mark_read(thread, anna, T0 + timedelta(minutes=1))
    assert ids(workspace, anna, unread=True) == [] and ids(workspace, ben, unread=True) == [thread.pk]
    inbox_ingest(channel, [entry(2, thread="thread-1")])
    assert ids(workspace, anna, unread=True) == [thread.pk]


def test_status_tabs_and_a_snooze_that_ran_out_counts_as_open(workspace, channel, member):
    user = member().user
    open_, done, snoozed, woke = (conversation(channel, n) for n in (1, 2, 3, 4))
    conversation_set_status(done, "done", actor=user)
    now = timezone.now()
    conversation_set_status(snoozed, "snoozed", actor=user, snoozed_until=now + timedelta(hours=2))
    conversation_set_status(woke, "snoozed", actor=user, snoozed_until=now + timedelta(minutes=5))
    later = now + timedelta(minutes=10)  # woke's snooze has run out; nothing had to wake it
    by_status = {s: [c.pk for c in conversations_filtered(workspace, user, InboxFilters(status=s), later)]
                 for s in ("open", "done", "snoozed", "all")}
    assert by_status == {"open": [woke.pk, open_.pk], "done": [done.pk], "snoozed": [snoozed.pk],
                         "all": [woke.pk, snoozed.pk, done.pk, open_.pk]}
    assert status_counts(workspace, user, InboxFilters(), later) == {
        "open": 2, "done": 1, "snoozed": 1, "all": 4, "unread": 2}


def test_assigned_platform_channel_kind_tag_filters(workspace, channel, member):
    cm = member(Role.COMMUNITY_MANAGER)
    other = member(Role.ADMIN)
    facebook = ChannelFactory(workspace=workspace, platform="facebook")
    mine, theirs, unassigned = conversation(channel, 1), conversation(channel, 2), conversation(facebook, 3)
    dm = conversation(channel, 4, kind="message")
    conversation_assign(mine, cm.user, actor=cm.user)
    conversation_assign(theirs, other.user, actor=cm.user)
    conversation_tag(theirs, ["refund"], actor=cm.user)
    user = cm.user
    assert ids(workspace, user, assigned="me") == [mine.pk]
    assert ids(workspace, user, assigned=str(other.user_id)) == [theirs.pk]
    assert ids(workspace, user, assigned="none") == [dm.pk, unassigned.pk]
    assert ids(workspace, user, platform="facebook") == [unassigned.pk]
    assert ids(workspace, user, channel=facebook.pk) == [unassigned.pk]
    assert ids(workspace, user, kind="message") == [dm.pk]
    assert ids(workspace, user, tag="refund") == [theirs.pk]
    assert ids(workspace, user, tag="refund", assigned="me") == []


def test_reply_kind_finds_threads_with_a_reply(workspace, channel, member):
    plain, answered = conversation(channel, 1), conversation(channel, 2)
    inbox_ingest(channel, [entry(3, thread="thread-2", in_reply_to="item-2")])
    assert ids(workspace, member().user, kind="reply") == [answered.pk]
    assert plain.pk in ids(workspace, member().user, kind="comment")


def test_text_search_in_names_handles_and_every_message(workspace, channel, member):
    by_name = conversation(channel, 1, author_name="Zoë Quill")
    by_handle = conversation(channel, 2, author_handle="quillfan")
    by_old_text = conversation(channel, 3, text="my order never quilled up")
    inbox_ingest(channel, [entry(4, thread="thread-3", text="newest text, no match", author_name="x")])
    conversation(channel, 5, text="unrelated")
    assert sorted(ids(workspace, member().user, q="QUILL")) == sorted([by_name.pk, by_handle.pk, by_old_text.pk])


@pytest.mark.skipif(not has_conversation_field("sentiment_label"), reason="the sentiment fields are not there yet")
def test_sentiment_and_attention_filters(workspace, channel, member):
    angry, happy = conversation(channel, 1), conversation(channel, 2)
    Conversation.objects.filter(pk=angry.pk).update(sentiment_label="negative", needs_attention=True)
    Conversation.objects.filter(pk=happy.pk).update(sentiment_label="positive", needs_attention=False)
    user = member().user
    assert ids(workspace, user, sentiment="negative") == [angry.pk]
    assert ids(workspace, user, sentiment="positive") == [happy.pk]
    assert ids(workspace, user, attention=True) == [angry.pk]


def test_keyset_pages_cover_everything_once_even_with_equal_times(workspace, channel, member):
    user = member().user
    inbox_ingest(channel, [entry(n, at=T0 + timedelta(minutes=n // 3)) for n in range(1, 12)])  # ties
    expected = ids(workspace, user)
    seen, cursor = [], ""
    for _ in range(10):
        page = conversation_page(workspace, user, InboxFilters(), before=cursor, limit=4)
        seen += [c.pk for c in page.rows]
        cursor = page.next_cursor
        if not cursor:
            break
    assert seen == expected and len(seen) == 11


def test_a_garbage_cursor_reads_the_first_page(workspace, channel, member):
    conversation(channel, 1)
    for junk in ("x", "1_", "_1", "99999999999999999999999_1", "1_2_3"):
        assert len(conversation_page(workspace, member().user, InboxFilters(), before=junk).rows) == 1


def test_a_page_takes_the_same_number_of_queries_however_many_rows(workspace, channel, member):
    cm = member(Role.COMMUNITY_MANAGER)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            page = conversation_page(workspace, cm.user, InboxFilters(q="fan", unread=True, tag=""))
            for row in page.rows:  # everything a row shows
                _ = (row.channel.display_name, row.assignee, [t.name for t in row.tags.all()], row.delivery,
                     row.is_unread, row.effective_status)
        return len(captured)

    for n in range(1, 4):
        conversation_tag(conversation(channel, n), ["a", "b"], actor=cm.user)
    few = queries()
    for n in range(10, 40):
        thread = conversation(channel, n)
        conversation_assign(thread, cm.user, actor=cm.user)
        conversation_tag(thread, ["c"], actor=cm.user)
    assert queries() == few == 3  # the rows, their tags, the counts


def test_parse_filters_drops_what_it_cannot_use():
    params = QueryDict("status=deleted&unread=1&assigned=1;drop&platform=X&channel=-3&kind=tweet&sentiment=angry"
                       "&tag=%20Big%20%20Refund%20&q=%20hello%20&attention=yes")
    assert parse_filters(params) == InboxFilters(status="open", unread=True, assigned="", platform="x", channel=None,
                                                 kind="", sentiment="", tag="big refund", q="hello", attention=True)
    good = parse_filters(QueryDict("status=done&assigned=me&channel=7&kind=message&sentiment=negative"))
    assert (good.status, good.assigned, good.channel, good.kind, good.sentiment) == ("done", "me", 7, "message",
                                                                                     "negative")
    assert parse_filters(QueryDict("q=" + "a" * 500)).q == "a" * 200


def test_filters_round_trip_through_the_query_string():
    filters = InboxFilters(status="done", unread=True, assigned="me", tag="big refund", q="ä & b")
    assert parse_filters(QueryDict(filters.query())) == filters
    assert InboxFilters().query() == "" and not InboxFilters(status="done").active


def test_both_ways_of_counting_agree(workspace, channel, member):
    """The whole inbox is counted by index and a join over reads; a filtered view row by row: same answers."""
    user = member().user
    threads = [conversation(channel, n) for n in range(1, 7)]
    now = timezone.now()
    conversation_set_status(threads[0], "done", actor=user)
    conversation_set_status(threads[1], "snoozed", actor=user, snoozed_until=now + timedelta(hours=1))
    conversation_set_status(threads[2], "snoozed", actor=user, snoozed_until=now + timedelta(minutes=1))
    conversation_mark_read(threads[2], user, now)
    conversation_mark_read(threads[3], user, now)
    conversation_mark_read(threads[4], user, T0)  # before its newest item: still unread
    conversation_mark_read(threads[5], member().user, now)  # someone else read it
    later = now + timedelta(minutes=5)
    whole = status_counts(workspace, user, InboxFilters(), later)
    assert whole == {"open": 4, "snoozed": 1, "done": 1, "all": 6, "unread": 2}
    assert status_counts(workspace, user, InboxFilters(platform="x"), later) == whole
