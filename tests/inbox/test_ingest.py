"""inbox_ingest: idempotent, threaded, linked to our deliveries, and safe with hostile text."""

from __future__ import annotations

import random
import threading

import pytest
from django.db import connection

from inbox.cleaning import TEXT_MAX_CHARS
from inbox.models import Conversation, InboxItem
from inbox.services import IngestCounts, inbox_ingest
from tests.factories import ChannelFactory, DeliveryFactory

pytestmark = pytest.mark.django_db

HOSTILE = [
    "<script>alert(1)</script>",
    "[click](javascript:alert(document.cookie))",
    '<img src=x onerror="alert(1)">',
    "Robert'); DROP TABLE inbox_inboxitem;--",
    "\u202eevil right-to-left override",
    "emoji 👩‍👩‍👧 and CJK 日本語",
]


def test_the_same_entries_twice_store_one_row_each(channel, entry):
    first = inbox_ingest(channel, [entry(1), entry(2), entry(3)])
    again = inbox_ingest(channel, [entry(1), entry(2), entry(3)])
    assert first == IngestCounts(received=3, created=3, duplicates=0, rejected=0)
    assert again == IngestCounts(received=3, created=0, duplicates=3, rejected=0)
    assert InboxItem.objects.filter(channel=channel).count() == 3
    conversation = Conversation.objects.get(channel=channel)
    assert (conversation.external_id, conversation.item_count) == ("post-1", 3)


def test_shuffled_overlapping_batches_end_in_the_same_state(channel, entry):
    entries = [entry(n) for n in range(1, 21)]
    rng = random.Random(7)
    for _ in range(4):
        batch = rng.sample(entries, 12)
        inbox_ingest(channel, batch + batch[:3])  # repeats inside one batch too
    inbox_ingest(channel, list(reversed(entries)))
    assert sorted(InboxItem.objects.values_list("external_id", flat=True)) == sorted(f"c{n}" for n in range(1, 21))
    conversation = Conversation.objects.get()
    # The newest item decides the snippet, whatever order the items arrived in.
    assert conversation.item_count == 20
    assert conversation.last_item_at == entry(20).created_at
    assert conversation.snippet == "Comment number 20"


def test_an_older_item_arriving_late_does_not_replace_the_snippet(channel, entry):
    inbox_ingest(channel, [entry(5)])
    inbox_ingest(channel, [entry(2)])
    conversation = Conversation.objects.get()
    assert (conversation.snippet, conversation.last_item_at, conversation.item_count) == (
        "Comment number 5", entry(5).created_at, 2)


def test_a_worker_storing_the_same_items_in_between_is_not_an_error(channel, entry, monkeypatch):
    """The race window on any database: another worker inserts after our existence check, before our
    insert. The unique constraint plus ignore_conflicts make that a no-op instead of an IntegrityError."""
    entries = [entry(n) for n in range(1, 6)]
    manager, original = InboxItem.objects, InboxItem.objects.bulk_create
    raced = []

    def racing_bulk_create(objs, **kwargs):
        if not raced:
            raced.append(True)
            inbox_ingest(channel, list(reversed(entries)))  # the other worker, run inside our window
        return original(objs, **kwargs)

    monkeypatch.setattr(manager, "bulk_create", racing_bulk_create)
    inbox_ingest(channel, entries)
    assert raced and InboxItem.objects.filter(channel=channel).count() == 5
    assert Conversation.objects.get(channel=channel).item_count == 5  # recounted from rows, not added up


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("postgres_required")  # SQLite's in-memory test database locks whole tables
def test_concurrent_ingest_of_the_same_entries_stores_each_once(entry):
    channel = ChannelFactory(platform="x", external_id="acct-9")
    entries = [entry(n) for n in range(1, 31)]
    errors: list[BaseException] = []
    barrier = threading.Barrier(4)

    def work(seed: int) -> None:
        try:
            barrier.wait()
            inbox_ingest(channel, random.Random(seed).sample(entries, len(entries)))
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=work, args=(seed,)) for seed in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert errors == []
    assert InboxItem.objects.filter(channel=channel).count() == 30
    assert Conversation.objects.filter(channel=channel).count() == 1
    assert Conversation.objects.get(channel=channel).item_count == 30


def test_items_are_threaded_by_conversation_and_kind(channel, entry):
    inbox_ingest(channel, [
        entry(1), entry(2, kind="reply", in_reply_to="c1"),
        entry(3, kind="message", conversation_id="dm-77", post_external_id="", author_id="u77",
              author_name="Dee Em", author_avatar_url="https://cdn.example/dee.png"),
        entry(4, kind="message", conversation_id="dm-77", post_external_id="", from_us=True, author_id="acct-1",
              author_name="Acme"),
        entry(5, kind="mention", conversation_id="", post_external_id=""),
    ])
    threads = {c.external_id: c for c in Conversation.objects.all()}
    assert set(threads) == {"post-1", "dm-77", "c5"}  # a mention without a thread stands alone
    assert (threads["post-1"].kind, threads["post-1"].item_count) == ("comment", 2)
    dm = threads["dm-77"]
    assert (dm.kind, dm.author_id, dm.author_name, dm.title) == ("message", "u77", "Dee Em", "Dee Em")
    assert dm.author_avatar_url == "https://cdn.example/dee.png"
    reply = InboxItem.objects.get(external_id="c2")
    assert (reply.conversation.external_id, reply.in_reply_to) == ("post-1", "c1")
    assert InboxItem.objects.get(external_id="c4").from_us is True


def test_a_dm_thread_first_seen_through_our_reply_learns_the_other_party_later(channel, entry):
    dm = {"kind": "message", "conversation_id": "dm-1", "post_external_id": ""}
    inbox_ingest(channel, [entry(2, from_us=True, author_id="acct-1", author_name="Acme", **dm)])
    assert Conversation.objects.get().author_id == ""
    inbox_ingest(channel, [entry(1, author_id="u1", author_name="Fan 1", **dm)])
    assert (Conversation.objects.get().author_id, Conversation.objects.get().author_name) == ("u1", "Fan 1")


def test_a_conversation_on_our_post_links_to_its_delivery(channel, entry):
    ours = DeliveryFactory(channel=channel, post__workspace=channel.workspace, external_id="post-1", state="published")
    elsewhere = ChannelFactory(workspace=channel.workspace, platform="x", external_id="acct-2")
    DeliveryFactory(channel=elsewhere, post__workspace=channel.workspace, external_id="post-2", state="published")
    inbox_ingest(channel, [entry(1), entry(2, conversation_id="post-2", post_external_id="post-2")])
    assert Conversation.objects.get(external_id="post-1").delivery == ours
    # Same id on another channel is not our post on this one.
    assert Conversation.objects.get(external_id="post-2").delivery is None


def test_an_x_reply_thread_links_by_its_root_post_id(channel, entry):
    ours = DeliveryFactory(channel=channel, post__workspace=channel.workspace, external_id="1860", state="published")
    inbox_ingest(channel, [entry(1, kind="reply", conversation_id="1860", post_external_id="")])
    conversation = Conversation.objects.get()
    assert (conversation.delivery, conversation.post_external_id) == (ours, "1860")


def test_the_delivery_link_is_made_when_the_post_id_arrives_later(channel, entry):
    ours = DeliveryFactory(channel=channel, post__workspace=channel.workspace, external_id="post-1", state="published")
    inbox_ingest(channel, [entry(1, kind="message", conversation_id="post-1", post_external_id="")])
    assert Conversation.objects.get().delivery is None
    inbox_ingest(channel, [entry(2, kind="message", conversation_id="post-1")])
    assert Conversation.objects.get().delivery == ours


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_text_is_stored_intact_as_text(channel, entry, text):
    inbox_ingest(channel, [entry(1, text=text, author_name=text[:50])])
    item = InboxItem.objects.get()
    assert item.text == text
    assert item.author_name == text[:50]


def test_odd_text_is_cleaned_not_crashed_on(channel, entry):
    inbox_ingest(channel, [entry(1, text="nul\x00byte \ud800lone surrogate\x07 bell", author_name="A\x00\nB")])
    item = InboxItem.objects.get()
    assert item.text == "nulbyte \ufffdlone surrogate bell"
    assert item.author_name == "A B"


def test_oversized_bodies_are_cut_with_a_marker(channel, entry):
    inbox_ingest(channel, [entry(1, text="a" * 10_240), entry(2, text="b" * (TEXT_MAX_CHARS + 5000))])
    assert InboxItem.objects.get(external_id="c1").text == "a" * 10_240  # 10 kB fits untouched
    cut = InboxItem.objects.get(external_id="c2").text
    assert len(cut) <= TEXT_MAX_CHARS and cut.startswith("bbb")
    dropped = TEXT_MAX_CHARS + 5000 - len(cut.split("…")[0])
    assert cut.endswith(f"… [truncated by SMO: {dropped} more characters]")


def test_only_http_urls_are_kept(channel, entry):
    inbox_ingest(channel, [entry(1, author_avatar_url="javascript:alert(1)", author_url="https://x.example/fan1",
                                 permalink="data:text/html,<b>x</b>")])
    item = InboxItem.objects.get()
    assert (item.author_avatar_url, item.author_url, item.permalink) == ("", "https://x.example/fan1", "")


def test_unusable_entries_are_rejected_and_the_rest_stored(channel, entry):
    counts = inbox_ingest(channel, [entry(1, external_id=""), entry(2, kind="like"), entry(3, external_id="x" * 300),
                                    entry(4)])
    assert counts == IngestCounts(received=4, created=1, duplicates=0, rejected=3)
    assert list(InboxItem.objects.values_list("external_id", flat=True)) == ["c4"]


def test_items_and_conversations_belong_to_the_channel_workspace(channel, entry):
    other = ChannelFactory(platform="x", external_id="acct-1-elsewhere")
    inbox_ingest(channel, [entry(1)])
    inbox_ingest(other, [entry(1)])  # the same external id on another channel is another item
    assert InboxItem.objects.count() == 2
    assert set(InboxItem.objects.values_list("workspace_id", "channel_id")) == {
        (channel.workspace_id, channel.pk), (other.workspace_id, other.pk)}
    assert InboxItem.objects.get(channel=channel).raw["source"] == "poll"
