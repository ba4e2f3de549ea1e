"""The Mastodon inbox against the live sandbox: mentions and replies from notifications, direct messages
from conversations, the cursor, and replies that land once however often they are retried."""

from __future__ import annotations

import json
from typing import Any

import pytest
import requests

from platforms.errors import OutcomeUnknown
from platforms.mastodon import MastodonAdapter
from platforms.mastodon.client import connect
from platforms.types import ChannelRef, Credentials, PublishRequest, ReplyTarget

INSTANCE = "https://mastodon.example"
UNUSED_WEBHOOK = {"webhook_url": "http://127.0.0.1:9/unused"}  # audience.py wants one even for polled platforms


@pytest.fixture
def sandbox(live_sandbox: Any, settings: Any) -> Any:
    live_sandbox.reset()
    settings.PLATFORM_ORIGINS = live_sandbox.origins()
    yield live_sandbox
    live_sandbox.clear_faults()


@pytest.fixture
def channel(sandbox: Any) -> ChannelRef:
    minted = sandbox.mint_token("mastodon", "smo_demo")
    return ChannelRef("mastodon", minted["account_id"], "smo_demo@mastodon.example",
                      Credentials(access_token=minted["access_token"], extra={"instance_url": INSTANCE}))


def audience(sandbox: Any, **counts: Any) -> list[dict[str, Any]]:
    response = requests.post(f"{sandbox.base_url}/_sandbox/audience", timeout=10,
                             json={"platform": "mastodon", "account": "smo_demo", **UNUSED_WEBHOOK, **counts})
    assert response.status_code == 201, response.text
    return response.json()["items"]


def test_fetch_sorts_replies_mentions_and_messages_and_moves_the_cursor(sandbox: Any, channel: ChannelRef) -> None:
    adapter = MastodonAdapter()
    post = adapter.publish(PublishRequest(channel=channel, text="Spring launch"))
    made = audience(sandbox, comments=1, replies=1, mentions=1, messages=2)
    page = adapter.fetch_inbox(channel, "")
    entries = {e.external_id: e for e in page.items}
    assert sorted(entries) == sorted(m["id"] for m in made)
    expected_kind = {"comments": "reply", "replies": "reply", "mentions": "mention", "messages": "message"}
    for created in made:
        entry = entries[created["id"]]
        assert entry.kind == expected_kind[created["kind"]]
        assert (entry.author_id, entry.author_name, entry.text) == \
            (created["author"]["id"], created["author"]["name"], created["text"])
        assert entry.conversation_id == created["conversation_id"] and not entry.from_us
    reply = next(entries[m["id"]] for m in made if m["kind"] == "comments")
    assert reply.post_external_id == post.external_id and reply.in_reply_to == post.external_id
    assert set(json.loads(page.cursor)) == {"mentions", "messages"}

    again = adapter.fetch_inbox(channel, page.cursor)
    assert again.items == () and again.cursor == page.cursor
    later = audience(sandbox, mentions=1, messages=1)
    newer = adapter.fetch_inbox(channel, page.cursor)
    assert sorted(e.external_id for e in newer.items) == sorted(m["id"] for m in later)


def test_a_reply_mentions_the_author_and_a_retry_never_posts_twice(sandbox: Any, channel: ChannelRef) -> None:
    adapter = MastodonAdapter()
    adapter.publish(PublishRequest(channel=channel, text="Ask us anything"))
    made = audience(sandbox, comments=1, messages=1)
    entries = {e.external_id: e for e in adapter.fetch_inbox(channel, "").items}
    comment, message = entries[made[0]["id"]], entries[made[1]["id"]]

    target = ReplyTarget(comment.kind, comment.external_id, comment.conversation_id, comment.author_id)
    first = adapter.reply(channel, target, "Thanks!")
    assert adapter.reply(channel, target, "Thanks!").external_id == first.external_id
    dm = ReplyTarget("message", message.external_id, message.conversation_id, message.author_id)
    sent = adapter.reply(channel, dm, "Check your inbox")

    conn = connect(channel)
    public = conn.json("GET", f"/api/v1/statuses/{first.external_id}")
    assert public["in_reply_to_id"] == comment.external_id and public["visibility"] == "public"
    assert public["content"] == f"<p>@{comment.author_handle} Thanks!</p>"
    private = conn.json("GET", f"/api/v1/statuses/{sent.external_id}")
    assert private["visibility"] == "direct" and private["in_reply_to_id"] == message.external_id
    assert [r["text"] for r in sandbox.creates("mastodon", "smo_demo")].count(f"@{comment.author_handle} Thanks!") == 1

    # Our answer joins the conversation and comes back marked as ours.
    thread = [e for e in adapter.fetch_inbox(channel, "").items if e.conversation_id == message.conversation_id]
    assert {e.external_id: e.from_us for e in thread} == {message.external_id: False, sent.external_id: True}


def test_a_dm_reply_without_an_item_answers_the_conversations_last_status(sandbox: Any,
                                                                          channel: ChannelRef) -> None:
    made = audience(sandbox, messages=1)
    sent = MastodonAdapter().reply(channel, ReplyTarget("message", "", made[0]["conversation_id"]), "Hello")
    status = connect(channel).json("GET", f"/api/v1/statuses/{sent.external_id}")
    assert status["in_reply_to_id"] == made[0]["id"] and status["visibility"] == "direct"


def test_a_reply_whose_answer_is_lost_is_outcome_unknown_and_the_retry_lands_once(sandbox: Any, settings: Any,
                                                                                 channel: ChannelRef) -> None:
    made = audience(sandbox, mentions=1)
    target = ReplyTarget("mention", made[0]["id"], made[0]["id"], made[0]["author"]["id"])
    settings.PLATFORM_READ_TIMEOUT = 0.5
    sandbox.set_faults({"platform": "mastodon", "match": "POST /api/v1/statuses", "count": 1,
                        "apply_then_hang": {"hang_s": 3}})
    with pytest.raises(OutcomeUnknown):
        MastodonAdapter().reply(channel, target, "On it")
    settings.PLATFORM_READ_TIMEOUT = 20
    retried = MastodonAdapter().reply(channel, target, "On it")
    records = [r for r in sandbox.creates("mastodon", "smo_demo") if r["text"].endswith(" On it")]
    assert [r["id"] for r in records] == [retried.external_id]
