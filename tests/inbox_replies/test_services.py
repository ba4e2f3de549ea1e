"""What reply_create refuses (with reasons), who may reply, double submits, retry and mark-sent rules."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from inbox.models import Conversation, InboxItem, Reply, ReplyState
from inbox.replies import reply_create, reply_mark_sent, reply_problems, reply_retry, reply_send
from platforms.errors import ContentRejected, OutcomeUnknown
from platforms.models import Channel, Health
from tests.factories import ChannelFactory
from tests.fakes import FakePlatform
from workspaces.models import AuditEvent, Role

Queue = Callable[..., tuple[Reply, str]]


def refused(conversation: Conversation, text: str, actor: Any, in_reply_to: Any = None) -> str:
    with pytest.raises(ValidationError) as caught:
        reply_create(conversation, in_reply_to, text, actor)
    assert not Reply.objects.exists()
    return " ".join(caught.value.messages)


def test_empty_and_overlong_text_is_refused_with_the_platforms_rule(thread: Conversation, dm_thread: Conversation,
                                                                    manager: Any) -> None:
    assert refused(thread, " \n\t ", manager) == "Write a reply before sending it."
    # X weighs a link as 23 and an emoji as 2: 250 letters, a 60-character link, 4 emoji = 250+1+23+1+8.
    message = refused(thread, "a" * 250 + " https://example.com/" + "x" * 40 + " 🎉🎉🎉🎉", manager)
    assert "X allows 280 characters in a reply; this reply has 283." in message and "23 characters" in message
    assert "far too long" in refused(thread, "a" * 60_000, manager)
    # A direct message on X may be far longer than a post.
    assert reply_create(dm_thread, None, "b" * 5000, manager).state == ReplyState.QUEUED


def test_platform_limits_for_facebook_and_instagram(workspace: Any) -> None:
    facebook = ChannelFactory(workspace=workspace, platform="facebook")
    comments = Conversation(workspace=workspace, channel=facebook, kind="comment", external_id="p")
    messages = Conversation(workspace=workspace, channel=facebook, kind="message", external_id="m")
    assert reply_problems(facebook, comments, "x" * 8000) == []
    assert "Messenger message" in reply_problems(facebook, messages, "x" * 2001)[0]
    instagram = ChannelFactory(workspace=workspace, platform="instagram")
    assert "2,200" in reply_problems(instagram, comments, "x" * 2201)[0]


def test_comments_on_youtube_and_linkedin_follow_comment_rules_not_post_rules(workspace: Any) -> None:
    youtube = ChannelFactory(workspace=workspace, platform="youtube")
    comments = Conversation(workspace=workspace, channel=youtube, kind="comment", external_id="v")
    assert reply_problems(youtube, comments, "Thanks for watching!") == []  # no video or title asked for
    assert "10,000" in reply_problems(youtube, comments, "x" * 10_001)[0]
    linkedin = ChannelFactory(workspace=workspace, platform="linkedin")
    assert reply_problems(linkedin, comments, "Thank you!") == []
    assert "1,250" in reply_problems(linkedin, comments, "x" * 1_251)[0]
    bluesky = ChannelFactory(workspace=workspace, platform="bluesky")
    chat = Conversation(workspace=workspace, channel=bluesky, kind="message", external_id="c")
    assert reply_problems(bluesky, chat, "x" * 900) == []  # a chat message may be longer than a post


def test_the_answered_item_must_be_in_this_conversation(thread: Conversation, dm_thread: Conversation,
                                                        manager: Any) -> None:
    elsewhere = InboxItem.objects.get(external_id="m1")
    assert "not in this conversation" in refused(thread, "Hi", manager, in_reply_to=elsewhere.pk)
    assert "not in this conversation" in refused(thread, "Hi", manager, in_reply_to="99999")


@pytest.mark.parametrize("role", [Role.MARKETER, Role.VIEWER, Role.APPROVER])
def test_only_admins_and_community_managers_reply(thread: Conversation, member: Callable[..., Any],
                                                  role: Role) -> None:
    with pytest.raises(PermissionDenied):
        reply_create(thread, None, "Hello", member(role))
    assert reply_create(thread, None, "Hello", member(Role.ADMIN)).state == ReplyState.QUEUED


def test_a_channel_that_needs_reconnecting_refuses_new_replies(channel: Channel, thread: Conversation,
                                                               manager: Any) -> None:
    Channel.objects.filter(pk=channel.pk).update(health=Health.NEEDS_RECONNECT)
    thread.channel.refresh_from_db()
    assert "needs reconnecting" in refused(thread, "Hello", manager)


def test_a_double_submit_returns_the_reply_already_queued(fake: FakePlatform, thread: Conversation,
                                                          queue: Queue, manager: Any, sent: list) -> None:
    reply, _ = queue(thread, "On its way!")
    again = reply_create(thread, None, "On its way!", manager)
    assert again.pk == reply.pk and Reply.objects.count() == 1 and len(sent) == 1
    assert reply_create(thread, None, "Something else", manager).pk != reply.pk


def test_retry_only_failed_or_needs_check_under_a_new_token(fake: FakePlatform, thread: Conversation, queue: Queue,
                                                            manager: Any, sent: list,
                                                            django_capture_on_commit_callbacks: Any) -> None:
    fake.script_reply(ContentRejected("Temporarily blocked"))
    reply, token = queue(thread)
    assert reply_send(reply.pk, token) == ReplyState.FAILED
    with django_capture_on_commit_callbacks(execute=True):
        retried = reply_retry(reply, manager)
    assert retried.state == ReplyState.QUEUED and str(retried.attempt_token) != token and retried.error_message == ""
    assert sent[-1] == (reply.pk, str(retried.attempt_token))
    assert AuditEvent.objects.filter(action="reply.retried").count() == 1
    assert reply_send(reply.pk, token) is None  # the old message is dead
    assert reply_send(reply.pk, str(retried.attempt_token)) == ReplyState.SENT
    with pytest.raises(ValidationError, match="Only a failed reply"):
        reply_retry(retried, manager)
    assert len(fake.replies) == 2


def test_mark_sent_settles_only_what_smo_could_not_confirm(fake: FakePlatform, thread: Conversation, queue: Queue,
                                                           manager: Any, member: Callable[..., Any]) -> None:
    queued, _ = queue(thread, "First")
    with pytest.raises(ValidationError, match="could not confirm"):
        reply_mark_sent(queued, manager)
    fake.script_reply(OutcomeUnknown("timeout"))
    reply, token = queue(thread, "Second")
    assert reply_send(reply.pk, token) == ReplyState.UNKNOWN
    with pytest.raises(PermissionDenied):
        reply_mark_sent(reply, member(Role.VIEWER))
    marked = reply_mark_sent(reply, manager, permalink="javascript:alert(1)")
    assert (marked.state, marked.permalink, marked.error_message) == (ReplyState.SENT, "", "")
    assert AuditEvent.objects.filter(action="reply.marked_sent", target_id=str(reply.pk)).exists()
