"""Fixtures for replies: a workspace with an X channel on the in-memory fake, a comment thread and a DM
thread stored through the real ingest, people in every role, and `queue()` which creates a reply and
captures the send message its commit enqueues."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from inbox import reply_engine
from inbox.models import Conversation, Reply
from inbox.replies import reply_create
from inbox.services import inbox_ingest
from platforms.models import Channel
from platforms.types import InboxEntry
from tests.factories import ChannelFactory, MemberFactory, WorkspaceFactory
from tests.fakes import FakePlatform, install_fake
from workspaces.models import Role, Workspace

INBOX_KINDS = ("comment", "reply", "mention", "message")


@pytest.fixture
def fake() -> Iterator[FakePlatform]:
    with install_fake("x", display_name="X", inbox_kinds=INBOX_KINDS) as state:
        yield state


@pytest.fixture
def workspace(db: None) -> Workspace:
    return WorkspaceFactory(slug="acme", time_zone="Europe/Berlin")


@pytest.fixture
def channel(workspace: Workspace) -> Channel:
    return ChannelFactory(workspace=workspace, platform="x", external_id="acct-1", handle="acme",
                          display_name="Acme on X")


def entry(external_id: str, minutes_ago: int, **values: Any) -> InboxEntry:
    base: dict[str, Any] = {"kind": "comment", "conversation_id": "post-1", "author_name": "Fan",
                            "author_handle": "fan", "text": f"Question {external_id}", "author_id": "u1",
                            "post_external_id": "post-1",
                            "created_at": timezone.now() - timedelta(minutes=minutes_ago)}
    return InboxEntry(external_id=external_id, **{**base, **values})


@pytest.fixture
def thread(channel: Channel) -> Conversation:
    """A comment thread on our post-1: two comments by fans (c2 the newest)."""
    inbox_ingest(channel, [entry("c1", 30), entry("c2", 20, author_id="u2", author_name="Other <b>fan</b>")])
    return Conversation.objects.get(channel=channel, external_id="post-1")


@pytest.fixture
def dm_thread(channel: Channel) -> Conversation:
    inbox_ingest(channel, [entry("m1", 10, kind="message", conversation_id="dm-77", author_id="u77",
                                 author_name="Dee", post_external_id="", text="Where is my order?")])
    return Conversation.objects.get(channel=channel, external_id="dm-77")


@pytest.fixture
def member(workspace: Workspace) -> Callable[[str], Any]:
    """member(role) -> a user with that role in the workspace."""
    return lambda role=Role.COMMUNITY_MANAGER: MemberFactory(workspace=workspace, role=role).user


@pytest.fixture
def manager(member: Callable[[str], Any]) -> Any:
    return member(Role.COMMUNITY_MANAGER)


@pytest.fixture
def sent(monkeypatch: pytest.MonkeyPatch) -> list[tuple[int, str]]:
    """Send messages enqueued (on commit) instead of reaching a broker."""
    messages: list[tuple[int, str]] = []
    monkeypatch.setattr(reply_engine, "enqueue_send", lambda pk, token: messages.append((pk, str(token))))
    return messages


@pytest.fixture
def queue(sent: list[tuple[int, str]], manager: Any,
          django_capture_on_commit_callbacks: Any) -> Callable[..., tuple[Reply, str]]:
    """queue(conversation, text, in_reply_to=None, actor=manager) -> (reply, the token its message carries)."""

    def run(conversation: Conversation, text: str = "Thanks for asking!", in_reply_to: Any = None,
            actor: Any = None) -> tuple[Reply, str]:
        before = len(sent)
        with django_capture_on_commit_callbacks(execute=True):
            reply = reply_create(conversation, in_reply_to, text, actor or manager)
        assert sent[before:] == [(reply.pk, str(reply.attempt_token))]
        uuid.UUID(sent[-1][1])
        return reply, sent[-1][1]

    return run
