"""Threading rules the webhook path depends on, checked without a sandbox: an answer to a known
public item joins that item's thread whichever way it arrives, and a later poll names the author
a webhook left unnamed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from inbox.models import Conversation, InboxItem
from inbox.services import inbox_ingest
from platforms.types import InboxEntry
from tests.factories import ChannelFactory

pytestmark = pytest.mark.django_db
T0 = datetime(2026, 3, 1, 12, tzinfo=UTC)


def entry(external_id: str, minute: int, **values: object) -> InboxEntry:
    base = {"kind": "reply", "conversation_id": "", "author_name": "", "author_handle": "", "text": external_id,
            "created_at": T0 + timedelta(minutes=minute), "author_id": f"u-{external_id}"}
    return InboxEntry(external_id=external_id, **{**base, **values})


def test_an_answer_to_a_comment_joins_the_comment_thread_even_in_the_same_batch() -> None:
    channel = ChannelFactory(platform="x", external_id="99")
    comment = entry("2", 1, conversation_id="1", post_external_id="1", in_reply_to="1")
    # X's Account Activity: an answer to a fan's comment names only that comment, and counts as a mention.
    answer = entry("3", 2, kind="mention", conversation_id="2", in_reply_to="2")
    late = entry("4", 3, kind="mention", conversation_id="3", in_reply_to="3")
    inbox_ingest(channel, [late, answer, comment], source="webhook")
    items = {i.external_id: i for i in InboxItem.objects.select_related("conversation")}
    assert {key: (i.kind, i.conversation.external_id) for key, i in items.items()} == {
        "2": ("reply", "1"), "3": ("reply", "1"), "4": ("reply", "1")}
    assert Conversation.objects.get().post_external_id == "1"
    # A mention answering something we do not hold, and a DM naming a parent, keep their own threads.
    inbox_ingest(channel, [entry("5", 4, kind="mention", conversation_id="77", in_reply_to="77"),
                           entry("6", 5, kind="message", conversation_id="dm", in_reply_to="2")])
    assert {i.external_id: (i.kind, i.conversation.external_id) for i in InboxItem.objects.filter(
        external_id__in=["5", "6"])} == {"5": ("mention", "77"), "6": ("message", "dm")}


def test_a_poll_names_an_author_a_webhook_left_unnamed_but_never_renames() -> None:
    channel = ChannelFactory(platform="facebook", external_id="100")
    inbox_ingest(channel, [entry("m1", 1, kind="message", conversation_id="psid", author_id="psid")], source="webhook")
    thread = Conversation.objects.get()
    assert (thread.author_id, thread.author_name, thread.title) == ("psid", "", "")
    polled = entry("m1", 1, kind="message", conversation_id="psid", author_id="psid", author_name="Ana <b>",
                   author_handle="ana")
    counts = inbox_ingest(channel, [polled])
    assert (counts.created, counts.duplicates) == (0, 1)
    item, thread = InboxItem.objects.get(), Conversation.objects.get()
    assert (item.author_name, item.author_handle) == ("Ana <b>", "ana")
    assert (thread.author_name, thread.author_handle, thread.title) == ("Ana <b>", "ana", "Ana <b>")
    inbox_ingest(channel, [entry("m1", 1, kind="message", conversation_id="psid", author_id="psid",
                                 author_name="Someone else")])
    inbox_ingest(channel, [entry("m2", 2, kind="message", conversation_id="psid", author_id="other",
                                 author_name="Impostor")])
    assert InboxItem.objects.get(external_id="m1").author_name == "Ana <b>"
    assert (Conversation.objects.get().author_name, Conversation.objects.get().title) == ("Ana <b>", "Ana <b>")
