"""Replies keep the posts' promise: a worker killed after the platform applied a reply, before SMO recorded
it, leaves the reply `unknown`; the reconciler finds it on the platform; nothing is sent a second time."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
import requests
from django.utils import timezone

from inbox.models import Conversation, Reply, ReplyState
from inbox.replies import reconcile_replies, replies_due, reply_create
from inbox.services import inbox_sync_channel
from scheduler.models import Delivery, DeliveryState
from tests.chaos.helpers import schedule, wait_settled
from tests.factories import ChannelFactory, MemberFactory, WorkspaceFactory
from workspaces.models import Role

pytestmark = [pytest.mark.services, pytest.mark.chaos, pytest.mark.django_db(transaction=True)]
ANSWER = "Thanks for the question, we ship to Europe from May."


def test_kill_after_the_reply_was_applied_is_reconciled_never_resent(stack: Any, sandbox: Any, settings: Any,
                                                                     replies_through_the_stack: None) -> None:
    settings.PLATFORM_ORIGINS = sandbox.origins()
    settings.X_CONSUMER_KEY = None
    workspace = WorkspaceFactory()
    grant = sandbox.mint_token("x", "smo_demo")
    channel = ChannelFactory(workspace=workspace, platform="x", external_id=grant["account_id"], handle="smo_demo",
                             credentials={"access_token": grant["access_token"]})
    publisher = stack.start_worker(concurrency=2)
    [delivery] = schedule(workspace, [channel], 1, label="Reply crash")
    assert stack.start_dispatcher().dispatch()["result"] == 1
    wait_settled(stack, [delivery.pk], 20)
    assert Delivery.objects.get(pk=delivery.pk).state == DeliveryState.PUBLISHED
    stack.stop_worker(publisher)

    response = requests.post(f"{sandbox.base_url}/_sandbox/audience", timeout=30,
                             json={"platform": "x", "account": "smo_demo", "comments": 1, "text": "Europe?"})
    assert response.status_code == 201, response.text
    assert inbox_sync_channel(channel.pk) == "ok"
    conversation = Conversation.objects.get(channel=channel)
    manager = MemberFactory(workspace=workspace, role=Role.COMMUNITY_MANAGER).user

    doomed = stack.start_worker(concurrency=2, failpoints="reply.after_send=kill")
    reply = reply_create(conversation, None, ANSWER, manager)
    stack.wait_until(lambda: not doomed.alive(), 20, what="the worker to die after the platform applied the reply")
    reply.refresh_from_db()
    assert reply.state == ReplyState.SENDING and not reply.external_id
    applied = [create for create in sandbox.creates("x") if create["text"] == ANSWER]
    assert len(applied) == 1

    stack.start_worker(concurrency=2)  # a healthy worker must not pick the reply up again
    after_lease = timezone.now() + timedelta(seconds=30)
    replies_due(after_lease)
    assert Reply.objects.get(pk=reply.pk).state == ReplyState.UNKNOWN  # never back to queued
    reconcile_replies(after_lease)
    reply.refresh_from_db()
    assert (reply.state, reply.external_id) == (ReplyState.SENT, applied[0]["id"])
    assert [c["id"] for c in sandbox.creates("x") if c["text"] == ANSWER] == [applied[0]["id"]]
    assert sandbox.stats()["duplicates"] == 0
