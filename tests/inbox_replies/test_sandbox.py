"""Replies through the real adapters against the live sandbox: each lands exactly once, shows in its
thread once (the next sync finds it stored), and a create lost to a timeout is reconciled, not repeated."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import requests
from django.utils import timezone

from inbox.models import Conversation, InboxItem, Reply, ReplyState
from inbox.replies import reconcile_replies, reply_create, reply_send
from inbox.tasks import sync_channel
from platforms.models import Channel
from scheduler.models import Delivery
from tests.e2e.conftest import audience, channel_for, publish, sandbox, stored, workspace  # noqa: F401
from tests.factories import MemberFactory
from workspaces.models import Role, Workspace

pytestmark = pytest.mark.services


@pytest.fixture
def send(workspace: Workspace, sent: list, django_capture_on_commit_callbacks: Any) -> Callable[..., Reply]:  # noqa: F811
    """send(conversation, text): queue as a community manager, then deliver the message three times."""
    manager = MemberFactory(workspace=workspace, role=Role.COMMUNITY_MANAGER).user

    def run(conversation: Conversation, text: str, expected: str = ReplyState.SENT) -> Reply:
        with django_capture_on_commit_callbacks(execute=True):
            reply = reply_create(conversation, None, text, manager)
        token = sent[-1][1]
        assert [reply_send(reply.pk, token) for _ in range(3)] == [expected, None, None]
        return Reply.objects.get(pk=reply.pk)

    return run


def thread_of(channel: Channel, created: dict[str, Any]) -> Conversation:
    return stored(channel)[created["id"]].conversation


def x_dms(sandbox: Any, channel: Channel) -> list[dict[str, Any]]:  # noqa: F811
    response = requests.get(f"{sandbox.base_url}/x/2/dm_events", timeout=10,
                            params={"dm_event.fields": "dm_conversation_id,sender_id,text"},
                            headers={"Authorization": f"Bearer {channel.credentials['access_token']}"})
    assert response.status_code == 200, response.text
    return response.json().get("data") or []


def test_x_reply_to_a_mention_and_a_dm_land_once(sandbox: Any, channel_for: Callable[[str], Channel],  # noqa: F811
                                                 send: Callable[..., Reply]) -> None:
    channel = channel_for("x")
    mention, message = audience(sandbox, "x", mentions=1, messages=1)["items"]
    assert sync_channel(channel.pk) == "ok"
    answer = send(thread_of(channel, mention), "Thanks for the shout-out!")
    dm = send(thread_of(channel, message), "Sending you the details now 📦")
    tweets = [c for c in sandbox.creates(platform="x") if c["text"] == "Thanks for the shout-out!"]
    assert [c["id"] for c in tweets] == [answer.external_id]
    ours = [e for e in x_dms(sandbox, channel) if e["sender_id"] == channel.external_id]
    assert [(e["id"], e["text"]) for e in ours] == [(dm.external_id, "Sending you the details now 📦")]
    assert sync_channel(channel.pk) == "ok"  # our DM comes back with the sync: still one item
    items = InboxItem.objects.filter(channel=channel, from_us=True)
    assert sorted(items.values_list("external_id", flat=True)) == sorted([answer.external_id, dm.external_id])
    assert items.get(external_id=dm.external_id).conversation_id == thread_of(channel, message).pk


def test_facebook_comment_reply_lands_once(sandbox: Any, channel_for: Callable[[str], Channel],  # noqa: F811
                                           publish: Callable[..., Delivery], send: Callable[..., Reply]) -> None:  # noqa: F811
    channel = channel_for("facebook")
    delivery = publish(channel, "Questions welcome")
    comment = audience(sandbox, "facebook", comments=1)["items"][0]
    assert sync_channel(channel.pk) == "ok"
    thread = thread_of(channel, comment)
    assert thread.delivery_id == delivery.pk
    reply = send(thread, "Happy to help <3")
    creates = [c for c in sandbox.creates(platform="facebook") if c["text"] == "Happy to help <3"]
    assert [c["id"] for c in creates] == [reply.external_id]
    assert sync_channel(channel.pk) == "ok"
    assert InboxItem.objects.filter(channel=channel, external_id=reply.external_id, from_us=True,
                                    conversation=thread).count() == 1


def test_x_reply_lost_to_a_timeout_is_reconciled_not_repeated(
        sandbox: Any, channel_for: Callable[[str], Channel], send: Callable[..., Reply],  # noqa: F811
        settings: Any) -> None:
    channel = channel_for("x")
    mention = audience(sandbox, "x", mentions=1)["items"][0]
    assert sync_channel(channel.pk) == "ok"
    settings.PLATFORM_READ_TIMEOUT = 1.0
    sandbox.set_faults({"platform": "x", "match": "POST /2/tweets", "count": 1, "apply_then_hang": {"hang_s": 3}})
    reply = send(thread_of(channel, mention), "We are on it!", expected=ReplyState.UNKNOWN)
    created = [c for c in sandbox.creates(platform="x") if c["text"] == "We are on it!"]
    assert len(created) == 1
    Reply.objects.filter(pk=reply.pk).update(next_attempt_at=None)
    assert reconcile_replies(timezone.now()) == 1
    reply.refresh_from_db()
    assert (reply.state, reply.external_id) == (ReplyState.SENT, created[0]["id"])
    assert len([c for c in sandbox.creates(platform="x") if c["text"] == "We are on it!"]) == 1
