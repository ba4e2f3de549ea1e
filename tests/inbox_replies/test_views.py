"""The reply views: roles, 404 across workspaces, htmx partial vs plain redirects, nothing typed lost,
and everything a stranger wrote (or a platform returned) escaped."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from inbox.models import Conversation, InboxItem, Reply, ReplyState
from inbox.replies import reply_send
from inbox.services import inbox_ingest
from platforms.errors import OutcomeUnknown
from tests.factories import ChannelFactory, MemberFactory, WorkspaceFactory
from tests.fakes import FakePlatform
from tests.inbox_replies.conftest import entry
from workspaces.models import Role

HTMX = {"HTTP_HX_REQUEST": "true"}


def url(name: str, conversation: Conversation, **kwargs: Any) -> str:
    return reverse(f"inbox:{name}", kwargs={"slug": conversation.workspace.slug,
                                            "conversation_id": conversation.pk, **kwargs})


def client_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.parametrize("role", [Role.ADMIN, Role.COMMUNITY_MANAGER])
def test_repliers_queue_a_reply_and_get_the_partial(thread: Conversation, member: Callable[..., Any], sent: list,
                                                    role: Role) -> None:
    response = client_for(member(role)).post(url("reply_send", thread), {"text": "Thanks <3 <script>x()</script>"},
                                             **HTMX)
    assert response.status_code == 200
    reply = Reply.objects.get()
    assert json.loads(response["HX-Trigger"]) == {"inbox-reply-queued": {"conversation": thread.pk,
                                                                         "reply": reply.pk}}
    body = response.content.decode()
    assert f'id="replies-{thread.pk}"' in body and "Reply queued" in body and 'data-state="queued"' in body
    assert "Thanks &lt;3 &lt;script&gt;x()&lt;/script&gt;" in body and "<script>x()" not in body
    assert "Other &lt;b&gt;fan&lt;/b&gt;" in body  # the answered fan's name, escaped


@pytest.mark.parametrize("role", [Role.MARKETER, Role.VIEWER, Role.APPROVER])
def test_other_roles_cannot_reply_retry_or_mark_sent(thread: Conversation, member: Callable[..., Any],
                                                     role: Role) -> None:
    client = client_for(member(role))
    assert client.post(url("reply_send", thread), {"text": "Hi"}).status_code == 403
    assert client.post(url("reply_retry", thread, reply_id=1)).status_code == 403
    assert client.post(url("reply_mark_sent", thread, reply_id=1)).status_code == 403
    assert not Reply.objects.exists()
    assert client.get(url("replies", thread)).status_code == 200  # reading is fine


def test_another_workspaces_conversation_and_reply_answer_404(fake: FakePlatform, thread: Conversation,
                                                              queue: Callable[..., Any], manager: Any) -> None:
    reply, _ = queue(thread)
    other_ws = WorkspaceFactory(slug="other")
    outsider = MemberFactory(workspace=other_ws, role=Role.ADMIN).user
    other_channel = ChannelFactory(workspace=other_ws, platform="x", external_id="acct-9")
    inbox_ingest(other_channel, [entry("o1", 5)])
    theirs = Conversation.objects.get(channel=other_channel)
    client = client_for(outsider)
    kwargs = {"slug": "other", "conversation_id": thread.pk}
    assert client.post(reverse("inbox:reply_send", kwargs=kwargs), {"text": "Hi"}).status_code == 404
    assert client.get(reverse("inbox:replies", kwargs=kwargs)).status_code == 404
    assert client.post(reverse("inbox:reply_retry", kwargs={**kwargs, "reply_id": reply.pk})).status_code == 404
    assert client.post(url("reply_send", thread), {"text": "Hi"}).status_code == 404  # not a member of acme
    # A member of acme asking for the other workspace's thread or reply under acme's slug: 404 too.
    mine = client_for(manager)
    mixed = {"slug": "acme", "conversation_id": theirs.pk}
    assert mine.post(reverse("inbox:reply_send", kwargs=mixed), {"text": "Hi"}).status_code == 404
    assert mine.post(reverse("inbox:reply_mark_sent", kwargs={**mixed, "reply_id": reply.pk})).status_code == 404
    assert Reply.objects.count() == 1


def test_a_refused_reply_keeps_what_was_typed(thread: Conversation, manager: Any) -> None:
    client = client_for(manager)
    too_long = "Lorem ipsum <b>dolor</b> " * 20
    response = client.post(url("reply_send", thread), {"text": too_long}, **HTMX)
    assert response.status_code == 200 and "inbox-reply-refused" in response["HX-Trigger"]
    assert "X allows 280 characters" in response.content.decode() and not Reply.objects.exists()
    item = InboxItem.objects.get(external_id="c1")
    plain = client.post(url("reply_send", thread), {"text": too_long, "in_reply_to": item.pk})
    body = plain.content.decode()
    assert plain.status_code == 200 and "X allows 280 characters" in body
    assert "Lorem ipsum &lt;b&gt;dolor&lt;/b&gt;" in body and f'value="{item.pk}"' in body


def test_plain_posts_redirect_back_to_the_conversation(fake: FakePlatform, thread: Conversation, manager: Any,
                                                       sent: list, django_capture_on_commit_callbacks: Any) -> None:
    client = client_for(manager)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url("reply_send", thread), {"text": "On its way"})
    assert response.status_code == 302 and response["Location"].endswith(f"?conversation={thread.pk}")
    reply = Reply.objects.get()
    assert sent == [(reply.pk, str(reply.attempt_token))]


def test_unconfirmed_reply_shows_advice_and_can_be_marked_sent_then_not_retried(
        fake: FakePlatform, thread: Conversation, queue: Callable[..., Any], manager: Any) -> None:
    fake.script_reply(OutcomeUnknown("timeout"))
    reply, token = queue(thread)
    reply_send(reply.pk, token)
    Reply.objects.filter(pk=reply.pk).update(state=ReplyState.NEEDS_CHECK, permalink="javascript:alert(1)",
                                             error_message="Check on X <img src=x onerror=alert(1)>")
    client = client_for(manager)
    body = client.get(url("replies", thread)).content.decode()
    assert "Check on X &lt;img src=x onerror=alert(1)&gt;" in body and "javascript:" not in body
    assert url("reply_retry", thread, reply_id=reply.pk) in body
    assert url("reply_mark_sent", thread, reply_id=reply.pk) in body
    response = client.post(url("reply_mark_sent", thread, reply_id=reply.pk), **HTMX)
    assert response.status_code == 200 and "Marked as sent." in response.content.decode()
    assert Reply.objects.get(pk=reply.pk).state == ReplyState.SENT
    again = client.post(url("reply_retry", thread, reply_id=reply.pk), **HTMX).content.decode()
    assert "Only a failed reply" in again and Reply.objects.get(pk=reply.pk).state == ReplyState.SENT


def test_viewers_see_states_without_buttons(fake: FakePlatform, thread: Conversation, queue: Callable[..., Any],
                                            member: Callable[..., Any]) -> None:
    fake.script_reply(OutcomeUnknown("timeout"))
    reply, token = queue(thread)
    reply_send(reply.pk, token)
    Reply.objects.filter(pk=reply.pk).update(state=ReplyState.FAILED, error_message="X rejected this reply.")
    body = client_for(member(Role.VIEWER)).get(url("replies", thread)).content.decode()
    assert 'data-state="failed"' in body and "X rejected this reply." in body and "/retry/" not in body
