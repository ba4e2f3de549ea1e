"""Facebook and Instagram end to end: our post, the audience's comments, replies and messages, inbox
sync through the Graph API dialects, and answers that land back on the sandbox."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from django.utils import timezone

from inbox.models import InboxItem, SyncState
from inbox.tasks import sync_channel
from platforms.graph import graph_client
from platforms.models import Channel
from platforms.registry import get_adapter
from platforms.selectors import channel_ref
from platforms.types import MediaItem, PublishRequest, ReplyTarget
from scheduler.models import Delivery, DeliveryState
from tests.e2e.conftest import assert_matches, audience, audience_listing, stored
from tests.factories import DeliveryFactory, PostFactory


def instagram_post(channel: Channel, text: str) -> Delivery:
    """An Instagram image post through the adapter, recorded as the engine records a published delivery."""
    request = PublishRequest(channel=channel_ref(channel), text=text,
                             media=(MediaItem(url="https://example.org/e2e.jpg", mime_type="image/jpeg"),))
    result = get_adapter("instagram").publish(request)
    return DeliveryFactory(post=PostFactory(workspace=channel.workspace, text=text), channel=channel,
                           state=DeliveryState.PUBLISHED, external_id=result.external_id,
                           permalink=result.permalink, published_at=timezone.now())


def published(platform: str, channel: Channel, publish: Callable[..., Delivery], text: str) -> Delivery:
    return publish(channel, text) if platform == "facebook" else instagram_post(channel, text)


def check_poll(platform: str, channel: Channel, delivery: Delivery, made: list[dict[str, Any]]) -> None:
    items = stored(channel)
    assert sorted(items) == sorted(m["id"] for m in made)
    for created in made:
        assert_matches(platform, items[created["id"]], created)
    public = [items[m["id"]] for m in made if m["kind"] != "messages"]
    assert {i.conversation.external_id for i in public} == {delivery.external_id}
    assert {i.conversation.delivery_id for i in public} == {delivery.pk}
    for created in made:
        if created["kind"] == "replies":
            assert items[created["id"]].in_reply_to == created["parent_id"]
    for created in (m for m in made if m["kind"] == "messages"):
        # A DM thread is keyed by the person (page/IG-scoped id), the key webhooks and replies use too.
        assert items[created["id"]].conversation.external_id == created["author"]["id"]


def poll_twice(platform: str, sandbox: Any, channel: Channel, delivery: Delivery) -> list[dict[str, Any]]:
    made = audience(sandbox, platform, comments=2, replies=1, messages=2, negative=True)["items"]
    made += audience(sandbox, platform, comments=1, text="<b onmouseover=alert(1)>hi</b> javascript:x")["items"]
    made += audience(sandbox, platform, messages=1, text="Long story. " * 1500)["items"]  # 18,000 characters
    assert sync_channel(channel.pk) == "ok"
    check_poll(platform, channel, delivery, made)
    assert InboxItem.objects.get(external_id=made[-2]["id"]).text == "<b onmouseover=alert(1)>hi</b> javascript:x"
    assert InboxItem.objects.get(external_id=made[-1]["id"]).text == "Long story. " * 1500

    cursor = SyncState.objects.get(channel=channel).cursor
    assert set(json.loads(cursor)) == {"comments", "messages"}
    assert sync_channel(channel.pk) == "ok"
    assert len(stored(channel)) == len(made) and SyncState.objects.get(channel=channel).items_last_sync == 0
    later = audience(sandbox, platform, comments=1, messages=1)["items"]
    assert sync_channel(channel.pk) == "ok"
    assert sorted(set(stored(channel)) - {m["id"] for m in made}) == sorted(m["id"] for m in later)
    assert SyncState.objects.get(channel=channel).cursor != cursor
    return made


def test_facebook_poll(sandbox: Any, channel_for: Callable[[str], Channel], publish: Callable[..., Delivery]) -> None:
    channel = channel_for("facebook")
    delivery = publish(channel, "Facebook launch post")
    poll_twice("facebook", sandbox, channel, delivery)


def test_instagram_poll(sandbox: Any, channel_for: Callable[[str], Channel]) -> None:
    channel = channel_for("instagram")
    delivery = instagram_post(channel, "Instagram launch post")
    poll_twice("instagram", sandbox, channel, delivery)


def reply_to_both(platform: str, sandbox: Any, channel: Channel, delivery: Delivery) -> tuple[str, str]:
    made = audience(sandbox, platform, comments=1, messages=1)["items"]
    assert sync_channel(channel.pk) == "ok"
    items = stored(channel)
    adapter, ref = get_adapter(platform), channel_ref(channel)
    answers = []
    for created, text in zip(made, ("Thank you! <3", "We ship everywhere 🌍"), strict=True):
        item = items[created["id"]]
        target = ReplyTarget(item.kind, item.external_id, item.conversation.external_id, item.author_id)
        answers.append(adapter.reply(ref, target, text).external_id)
    listing = audience_listing(sandbox, platform)
    answer = next(c for c in listing["comments"] if c["id"] == answers[0])
    assert (answer["text"], answer["parent_id"], answer["post_id"]) == ("Thank you! <3", made[0]["id"],
                                                                         delivery.external_id)
    sent = next(m for m in listing["messages"] if m["id"] == answers[1])
    assert sent["text"] == "We ship everywhere 🌍" and sent["recipient_id"] == made[1]["author"]["id"]

    # The next sync brings our answers back into the same threads, marked as ours.
    assert sync_channel(channel.pk) == "ok"
    again = stored(channel)
    assert again[answers[0]].from_us and again[answers[0]].conversation_id == items[made[0]["id"]].conversation_id
    assert again[answers[1]].from_us and again[answers[1]].conversation_id == items[made[1]["id"]].conversation_id
    return answers[0], answers[1]


def test_facebook_reply(sandbox: Any, channel_for: Callable[[str], Channel], publish: Callable[..., Delivery]) -> None:
    channel = channel_for("facebook")
    delivery = publish(channel, "Questions welcome")
    comment_answer, _ = reply_to_both("facebook", sandbox, channel, delivery)
    comments = graph_client(channel.credentials["access_token"]).get_connections(
        delivery.external_id, "comments", filter="stream", fields="id,message,from")
    assert [(c["message"], c["from"]["id"]) for c in comments["data"] if c["id"] == comment_answer] == \
        [("Thank you! <3", channel.external_id)]


def test_instagram_reply(sandbox: Any, channel_for: Callable[[str], Channel]) -> None:
    channel = channel_for("instagram")
    delivery = instagram_post(channel, "Questions welcome")
    reply_to_both("instagram", sandbox, channel, delivery)
