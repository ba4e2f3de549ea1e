"""X end to end: a post published by the engine, the audience reacting, inbox sync, answers back."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import requests

from inbox.models import Conversation, SyncState
from inbox.tasks import sync_channel
from platforms.models import Channel
from platforms.registry import get_adapter
from platforms.selectors import channel_ref
from platforms.types import ReplyTarget
from scheduler.models import Delivery
from tests.e2e.conftest import assert_matches, audience, stored


def x_get(sandbox: Any, channel: Channel, path: str, **params: Any) -> dict[str, Any]:
    token = channel.credentials["access_token"]
    response = requests.get(f"{sandbox.base_url}/x{path}", params=params, timeout=10,
                            headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200, response.text
    return response.json()


def test_poll_stores_each_item_once_threaded_and_linked(sandbox: Any, channel_for: Callable[[str], Channel],
                                                        publish: Callable[..., Delivery]) -> None:
    channel = channel_for("x")
    delivery = publish(channel, "Our spring launch is live")
    made = audience(sandbox, "x", comments=2, replies=1, mentions=1, messages=2, negative=True)["items"]
    hostile = audience(sandbox, "x", comments=1, text="<script>alert(1)</script> & javascript:alert(2)")["items"]
    made += hostile

    assert sync_channel(channel.pk) == "ok"
    items = stored(channel)
    assert sorted(items) == sorted(m["id"] for m in made)
    for created in made:
        assert_matches("x", items[created["id"]], created)
    assert items[hostile[0]["id"]].text == "@smo_demo <script>alert(1)</script> & javascript:alert(2)"

    public = [items[m["id"]] for m in made if m["kind"] in ("comments", "replies")]
    assert {i.conversation.external_id for i in public} == {delivery.external_id}
    assert {i.conversation.delivery_id for i in public} == {delivery.pk}
    mention = next(items[m["id"]] for m in made if m["kind"] == "mentions")
    assert mention.conversation.external_id == mention.external_id and mention.conversation.delivery_id is None
    dms = [(items[m["id"]], m) for m in made if m["kind"] == "messages"]
    assert {(i.conversation.external_id, i.conversation.kind) for i, _ in dms} == \
        {(m["conversation_id"], "message") for _, m in dms}
    first = made[0]
    assert items[first["id"]].author_handle == first["author"]["handle"]
    assert items[first["id"]].author_url == f"https://x.com/{first['author']['handle']}"
    assert Conversation.objects.get(external_id=delivery.external_id).item_count == len(public)

    cursor = json.loads(SyncState.objects.get(channel=channel).cursor)
    assert set(cursor) == {"mentions", "replies", "messages"}
    assert sync_channel(channel.pk) == "ok"
    assert len(stored(channel)) == len(made)
    state = SyncState.objects.get(channel=channel)
    assert json.loads(state.cursor) == cursor and state.items_last_sync == 0

    later = audience(sandbox, "x", comments=1, messages=1)["items"]
    assert sync_channel(channel.pk) == "ok"
    assert sorted(set(stored(channel)) - set(items)) == sorted(m["id"] for m in later)
    moved = json.loads(SyncState.objects.get(channel=channel).cursor)
    assert int(moved["replies"]) > int(cursor["replies"]) and int(moved["messages"]) > int(cursor["messages"])


def test_reply_to_a_comment_and_a_message_lands_on_x(sandbox: Any, channel_for: Callable[[str], Channel],
                                                      publish: Callable[..., Delivery]) -> None:
    channel = channel_for("x")
    delivery = publish(channel, "Ask us anything")
    made = audience(sandbox, "x", comments=1, messages=1)["items"]
    assert sync_channel(channel.pk) == "ok"
    items = stored(channel)
    comment, message = items[made[0]["id"]], items[made[1]["id"]]
    adapter, ref = get_adapter("x"), channel_ref(channel)

    def target(item: Any) -> ReplyTarget:
        return ReplyTarget(item.kind, item.external_id, item.conversation.external_id, item.author_id)

    answer = adapter.reply(ref, target(comment), "Thanks for asking!")
    sent = adapter.reply(ref, target(message), "Check your inbox 📬")
    post = x_get(sandbox, channel, f"/2/tweets/{answer.external_id}",
                 **{"tweet.fields": "conversation_id,referenced_tweets,author_id"})["data"]
    assert post["text"] == "Thanks for asking!" and post["author_id"] == channel.external_id
    assert post["conversation_id"] == delivery.external_id
    assert post["referenced_tweets"] == [{"type": "replied_to", "id": comment.external_id}]
    events = x_get(sandbox, channel, "/2/dm_events", **{"dm_event.fields": "dm_conversation_id,sender_id,text"})
    ours = next(e for e in events["data"] if e["id"] == sent.external_id)
    assert ours["text"] == "Check your inbox 📬" and ours["sender_id"] == channel.external_id
    assert ours["dm_conversation_id"] == message.conversation.external_id

    # Our own answers come back with the next sync as part of the same threads, marked as ours.
    assert sync_channel(channel.pk) == "ok"
    again = stored(channel)
    assert again[sent.external_id].from_us and again[sent.external_id].conversation_id == message.conversation_id
    assert answer.external_id not in again  # our own posts in our threads are not inbox items on X
