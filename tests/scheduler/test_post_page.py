"""The post page: partial success, the attempt timeline, retry-failed-only, cancel and mark-published."""

from __future__ import annotations

import uuid

import pytest
from django.test import Client
from django.urls import reverse

from scheduler.models import AttemptOutcome, DeliveryState
from tests.factories import (
    AttemptFactory,
    ChannelFactory,
    DeliveryFactory,
    MemberFactory,
    PostFactory,
    WorkspaceFactory,
)
from workspaces.models import Role

pytestmark = pytest.mark.django_db


@pytest.fixture
def post_with_mixed_outcomes():
    post = PostFactory(text="Spring launch <script>alert(1)</script>")
    states = [DeliveryState.PUBLISHED, DeliveryState.PUBLISHED, DeliveryState.PUBLISHED, DeliveryState.FAILED]
    deliveries = [
        DeliveryFactory(post=post, state=state, channel=ChannelFactory(workspace=post.workspace)) for state in states
    ]
    failed = deliveries[-1]
    failed.error_message = "X refused it: <b>duplicate</b> content."
    failed.save()
    AttemptFactory(delivery=failed, token=uuid.uuid4(), outcome=AttemptOutcome.FAILED, duration_ms=312,
                   error_message="You are not allowed to create a Tweet with duplicate content.")
    return post, deliveries


def login(client: Client, workspace, role: str = Role.MARKETER) -> Client:
    member = MemberFactory(workspace=workspace, role=role)
    client.force_login(member.user)
    return client


def url(name: str, post, **extra) -> str:
    return reverse(f"scheduler:{name}", kwargs={"slug": post.workspace.slug, "post_id": post.pk, **extra})


def test_post_page_shows_partial_success_and_attempts_escaped(client: Client, post_with_mixed_outcomes) -> None:
    post, _ = post_with_mixed_outcomes
    html = login(client, post.workspace).get(url("post", post)).content.decode()
    assert "3 of 4 published" in html
    assert "duplicate content" in html and "312 ms" in html
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;" in html
    assert "<b>duplicate</b>" not in html
    assert 'data-action="retry-failed"' in html


def test_retry_failed_resends_only_the_failed_delivery(client: Client, post_with_mixed_outcomes) -> None:
    post, deliveries = post_with_mixed_outcomes
    response = login(client, post.workspace).post(url("post_retry_failed", post))
    assert response.status_code == 302
    states = [d.__class__.objects.get(pk=d.pk).state for d in deliveries]
    assert states == [DeliveryState.PUBLISHED] * 3 + [DeliveryState.SCHEDULED]


def test_viewer_sees_no_actions_and_cannot_retry(client: Client, post_with_mixed_outcomes) -> None:
    post, deliveries = post_with_mixed_outcomes
    viewer = login(client, post.workspace, Role.VIEWER)
    assert 'data-action="retry-failed"' not in viewer.get(url("post", post)).content.decode()
    assert viewer.post(url("post_retry_failed", post)).status_code == 403
    deliveries[-1].refresh_from_db()
    assert deliveries[-1].state == DeliveryState.FAILED


def test_other_workspace_gets_404_for_page_and_actions(client: Client, post_with_mixed_outcomes) -> None:
    post, deliveries = post_with_mixed_outcomes
    outsider = login(client, WorkspaceFactory())
    assert outsider.get(url("post", post)).status_code == 404
    assert outsider.post(url("post_retry_failed", post)).status_code == 404
    assert outsider.post(url("delivery_cancel", post, delivery_id=deliveries[0].pk)).status_code == 404


def test_post_id_from_another_workspace_under_own_slug_is_404(client: Client, post_with_mixed_outcomes) -> None:
    post, _ = post_with_mixed_outcomes
    own = WorkspaceFactory()
    member = login(client, own)
    foreign = reverse("scheduler:post", kwargs={"slug": own.slug, "post_id": post.pk})
    assert member.get(foreign).status_code == 404


def test_cancel_a_scheduled_delivery_but_not_a_published_one(client: Client) -> None:
    delivery = DeliveryFactory()
    published = DeliveryFactory(post=delivery.post, state=DeliveryState.PUBLISHED,
                                channel=ChannelFactory(workspace=delivery.workspace))
    member = login(client, delivery.workspace)
    member.post(url("delivery_cancel", delivery.post, delivery_id=delivery.pk))
    response = member.post(url("delivery_cancel", delivery.post, delivery_id=published.pk), follow=True)
    delivery.refresh_from_db()
    published.refresh_from_db()
    assert delivery.state == DeliveryState.CANCELLED
    assert published.state == DeliveryState.PUBLISHED
    assert "already published" in response.content.decode()


def test_mark_published_settles_only_needs_check(client: Client) -> None:
    delivery = DeliveryFactory(state=DeliveryState.NEEDS_CHECK, error_message="Could not confirm.")
    member = login(client, delivery.workspace)
    member.post(url("delivery_mark_published", delivery.post, delivery_id=delivery.pk))
    delivery.refresh_from_db()
    assert delivery.state == DeliveryState.PUBLISHED
    again = member.post(url("delivery_mark_published", delivery.post, delivery_id=delivery.pk), follow=True)
    assert "Only a post that needs checking" in again.content.decode()


def test_deliveries_list_links_to_the_post_page(client: Client, post_with_mixed_outcomes) -> None:
    post, _ = post_with_mixed_outcomes
    page = login(client, post.workspace).get(reverse("scheduler:deliveries", kwargs={"slug": post.workspace.slug}))
    assert url("post", post) in page.content.decode()


def test_actions_need_post(client: Client, post_with_mixed_outcomes) -> None:
    post, _ = post_with_mixed_outcomes
    assert login(client, post.workspace).get(url("post_retry_failed", post)).status_code == 405


def test_a_delivery_held_by_a_paused_queue_says_why(client):
    post = PostFactory(text="Held back")
    held = DeliveryFactory(post=post, state=DeliveryState.SCHEDULED, due_at=None,
                           channel=ChannelFactory(workspace=post.workspace))
    page = login(client, post.workspace).get(
        reverse("scheduler:post", kwargs={"slug": post.workspace.slug, "post_id": post.pk}))
    section = page.content.decode().split(f'data-delivery="{held.pk}"')[1]
    assert "posting queue is paused" in section
