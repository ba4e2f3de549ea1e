"""POST /api/v1/posts/<id>/queue/: the same service as the composer, scoped to the token's workspace."""

from __future__ import annotations

from datetime import time
from typing import Any

import pytest

from scheduler import queues
from scheduler.models import Delivery, DeliveryState
from tests.factories import ChannelFactory, DeliveryFactory, PostFactory
from tests.queues.conftest import TUE, utc
from workspaces.models import AuditEvent, Role

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock")]


@pytest.fixture
def x(caller: Any):
    channel = ChannelFactory(workspace=caller.workspace, platform="x", display_name="Acme on X")
    queues.queue_set_slots(channel, [(TUE, time(9)), (TUE, time(17))])
    return channel


def test_queue_a_post_takes_the_next_free_slot(caller: Any, x: Any) -> None:
    first, second = PostFactory(workspace=caller.workspace), PostFactory(workspace=caller.workspace)
    assert caller.post(f"/posts/{first.pk}/queue/", {"channels": [x.pk]}).status_code == 200
    response = caller.post(f"/posts/{second.pk}/queue/", {"channels": [x.pk]})
    assert response.status_code == 200, response.json()
    (delivery,) = response.json()["deliveries"]
    assert delivery["state"] == "scheduled" and delivery["due_at"] == "2030-06-04T17:00:00+02:00"
    stored = Delivery.objects.get(post=second)
    assert stored.queue_slot_at == utc(2030, 6, 4, 15)
    assert AuditEvent.objects.filter(action="post.queued", actor=caller.member.user).count() == 2


def test_a_channel_without_a_queue_is_a_400_naming_it(caller: Any, x: Any) -> None:
    bare = ChannelFactory(workspace=caller.workspace, display_name="Bare Channel")
    post = PostFactory(workspace=caller.workspace)
    response = caller.post(f"/posts/{post.pk}/queue/", {"channels": [x.pk, bare.pk]})
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "no_queue" and "Bare Channel has no posting queue yet" in body["detail"]
    assert not Delivery.objects.filter(post=post).exists()


def test_a_post_being_sent_is_a_409(caller: Any, x: Any) -> None:
    post = PostFactory(workspace=caller.workspace)
    DeliveryFactory(post=post, channel=x, state=DeliveryState.SENDING)
    assert caller.post(f"/posts/{post.pk}/queue/", {"channels": [x.pk]}).status_code == 409


def test_viewers_and_read_only_tokens_cannot_queue(make_caller: Any, caller: Any, x: Any) -> None:
    post = PostFactory(workspace=caller.workspace)
    viewer = make_caller(role=Role.VIEWER, workspace=caller.workspace)
    read_only = make_caller(workspace=caller.workspace, read_only=True)
    assert viewer.post(f"/posts/{post.pk}/queue/", {"channels": [x.pk]}).status_code == 403
    assert read_only.post(f"/posts/{post.pk}/queue/", {"channels": [x.pk]}).status_code == 403
    assert not Delivery.objects.filter(post=post).exists()


def test_another_workspaces_post_is_404_and_its_channel_is_400(make_caller: Any, caller: Any, x: Any) -> None:
    other = make_caller()
    their_channel = ChannelFactory(workspace=other.workspace)
    queues.queue_set_slots(their_channel, [(TUE, time(9))])
    their_post = PostFactory(workspace=other.workspace)
    assert caller.post(f"/posts/{their_post.pk}/queue/", {"channels": [x.pk]}).status_code == 404
    mine = PostFactory(workspace=caller.workspace)
    response = caller.post(f"/posts/{mine.pk}/queue/", {"channels": [their_channel.pk]})
    assert response.status_code == 400 and f"No channel with id {their_channel.pk}" in response.json()["detail"]
    assert not Delivery.objects.exists()


def test_channels_are_required(caller: Any, x: Any) -> None:
    post = PostFactory(workspace=caller.workspace)
    assert caller.post(f"/posts/{post.pk}/queue/", {"channels": []}).status_code == 400
    assert caller.post(f"/posts/{post.pk}/queue/", {}).status_code == 400
