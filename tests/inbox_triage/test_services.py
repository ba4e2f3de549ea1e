"""inbox.triage: assign, status, reopening at ingest, tags, notes, read state, saved replies, bulk."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from inbox.models import Conversation, ConversationRead, Note, SavedReply, Tag
from inbox.services import inbox_ingest
from inbox.triage import (
    conversation_assign,
    conversation_mark_read,
    conversation_set_status,
    conversation_tag,
    conversations_bulk,
    note_add,
    saved_reply_create,
    saved_reply_delete,
    saved_reply_render,
    saved_reply_update,
)
from tests.factories import ChannelFactory, MemberFactory, WorkspaceFactory
from tests.inbox_triage.conftest import conversation, entry
from workspaces.models import AuditEvent, Role

pytestmark = pytest.mark.django_db


def actions(workspace) -> list[str]:
    return list(AuditEvent.objects.filter(workspace=workspace).order_by("pk").values_list("action", flat=True))


def test_assign_to_a_community_manager_and_back_to_no_one(workspace, channel, member):
    thread, cm, admin = conversation(channel), member(Role.COMMUNITY_MANAGER), member(Role.ADMIN)
    conversation_assign(thread, cm.user, actor=admin.user)
    assert Conversation.objects.get(pk=thread.pk).assignee == cm.user
    conversation_assign(thread, None, actor=admin.user)
    assert Conversation.objects.get(pk=thread.pk).assignee is None
    assert actions(workspace) == ["conversation.assigned", "conversation.assigned"]
    event = AuditEvent.objects.filter(workspace=workspace).first()
    assert event.target_id == str(thread.pk) and event.actor == admin.user


@pytest.mark.parametrize("role", [Role.VIEWER, Role.MARKETER, Role.APPROVER])
def test_only_workers_can_be_assigned(workspace, channel, member, role):
    thread = conversation(channel)
    with pytest.raises(ValidationError) as refused:
        conversation_assign(thread, member(role).user, actor=member(Role.ADMIN).user)
    assert refused.value.code == "not_assignable"
    assert Conversation.objects.get(pk=thread.pk).assignee is None and not actions(workspace)


def test_a_member_of_another_workspace_cannot_be_assigned(workspace, channel, member):
    outsider = MemberFactory(workspace=WorkspaceFactory(), role=Role.ADMIN)
    with pytest.raises(ValidationError):
        conversation_assign(conversation(channel), outsider.user, actor=member(Role.ADMIN).user)


def test_done_then_a_new_comment_reopens(workspace, channel, member):
    thread = conversation(channel, 1)
    conversation_set_status(thread, "done", actor=member().user)
    assert Conversation.objects.get(pk=thread.pk).status == "done"
    inbox_ingest(channel, [entry(2, thread="thread-1")])
    assert Conversation.objects.get(pk=thread.pk).status == "open"


def test_our_own_reply_arriving_does_not_reopen(workspace, channel, member):
    thread = conversation(channel, 1)
    conversation_set_status(thread, "done", actor=member().user)
    inbox_ingest(channel, [entry(2, thread="thread-1", from_us=True)])
    inbox_ingest(channel, [entry(1, thread="thread-1")])  # a duplicate is not new either
    assert Conversation.objects.get(pk=thread.pk).status == "done"


def test_snooze_needs_a_future_aware_time_and_a_new_item_wakes_it(workspace, channel, member):
    thread, user = conversation(channel, 1), member().user
    now = timezone.now()
    for until, code in ((None, "snooze_time"), (now - timedelta(minutes=1), "snooze_past"),
                        (now.replace(tzinfo=None) + timedelta(hours=1), "snooze_time")):
        with pytest.raises(ValidationError) as refused:
            conversation_set_status(thread, "snoozed", actor=user, snoozed_until=until, now=now)
        assert refused.value.code == code
    conversation_set_status(thread, "snoozed", actor=user, snoozed_until=now + timedelta(hours=3), now=now)
    stored = Conversation.objects.get(pk=thread.pk)
    assert stored.status == "snoozed" and stored.snoozed_until == now + timedelta(hours=3)
    inbox_ingest(channel, [entry(2, thread="thread-1")])
    stored.refresh_from_db()
    assert stored.status == "open" and stored.snoozed_until is None
    assert actions(workspace) == ["conversation.snoozed"]


def test_unknown_status_is_refused(channel, member):
    with pytest.raises(ValidationError) as refused:
        conversation_set_status(conversation(channel), "deleted", actor=member().user)
    assert refused.value.code == "status"


def test_tags_are_normalised_created_once_and_removed(workspace, channel, member):
    first, second, user = conversation(channel), conversation(channel), member().user
    assert conversation_tag(first, ["  Billing ", "URGENT"], actor=user) == ["billing", "urgent"]
    assert conversation_tag(second, ["billing"], actor=user) == ["billing"]
    assert Tag.objects.filter(workspace=workspace).count() == 2
    assert conversation_tag(first, remove=["Urgent"], actor=user) == ["billing"]
    for bad in ("", "   ", "x" * 51):
        with pytest.raises(ValidationError):
            conversation_tag(first, [bad], actor=user)
    assert actions(workspace) == ["conversation.tagged"] * 3


def test_tags_are_per_workspace(workspace, channel, member):
    other = ChannelFactory(workspace=WorkspaceFactory())
    conversation_tag(conversation(other), ["billing"], actor=None)
    conversation_tag(conversation(channel), ["billing"], actor=member().user)
    assert Tag.objects.filter(name="billing").count() == 2


def test_notes_are_stored_and_audited_but_never_empty(workspace, channel, member):
    thread, user = conversation(channel), member().user
    with pytest.raises(ValidationError):
        note_add(thread, "   ", author=user)
    with pytest.raises(ValidationError):
        note_add(thread, "x" * 5001, author=user)
    note = note_add(thread, "  Customer called, refund promised  ", author=user)
    assert Note.objects.get().text == "Customer called, refund promised" and note.author == user
    assert actions(workspace) == ["conversation.noted"]


def test_mark_read_moves_forward_only(channel, member):
    thread, user = conversation(channel), member().user
    now = timezone.now()
    conversation_mark_read(thread, user, now)
    conversation_mark_read(thread, user, now - timedelta(hours=1))
    conversation_mark_read(thread, user, now)
    assert ConversationRead.objects.get().read_at == now


def test_saved_replies_crud_with_unique_titles(workspace, member):
    user = member().user
    saved = saved_reply_create(workspace, " Thanks ", " Thank you, {author_name}! ", actor=user)
    assert (saved.title, saved.body) == ("Thanks", "Thank you, {author_name}!")
    with pytest.raises(ValidationError) as taken:
        saved_reply_create(workspace, "Thanks", "again", actor=user)
    assert taken.value.messages == ["A saved reply called Thanks exists already."]
    with pytest.raises(ValidationError) as empty:
        saved_reply_create(workspace, "", "", actor=user)
    assert len(empty.value.messages) == 2
    saved_reply_update(saved, "Thanks!", "Cheers", actor=user)
    assert SavedReply.objects.get().title == "Thanks!"
    saved_reply_delete(saved, actor=user)
    assert not SavedReply.objects.exists()
    assert actions(workspace) == ["saved_reply.created", "saved_reply.updated", "saved_reply.deleted"]


def test_placeholders_are_filled_and_nothing_else_is_evaluated(channel, member):
    thread = conversation(channel, author_name="Ana <b>", author_handle="ana")
    me = member(first_name="Kim", last_name="Lee").user
    body = "Hi {author_name} ({author_handle}) — {channel_name}, {my_name}. {0.__class__} {unknown}"
    assert saved_reply_render(body, thread, me) == (
        "Hi Ana <b> (@ana) — Acme on X, Kim Lee. {0.__class__} {unknown}")


def test_bulk_touches_only_this_workspaces_conversations(workspace, channel, member):
    mine = [conversation(channel) for _ in range(3)]
    theirs = conversation(ChannelFactory(workspace=WorkspaceFactory()))
    cm = member(Role.COMMUNITY_MANAGER)
    ids = [str(c.pk) for c in mine] + [str(theirs.pk), "junk", "99999999999999999999999"]
    assert conversations_bulk(workspace, ids, "done", actor=cm.user) == 3
    assert conversations_bulk(workspace, ids, "assign", actor=cm.user, assignee_id=cm.user_id) == 3
    assert conversations_bulk(workspace, ids, "tag", actor=cm.user, tag="Refund") == 3
    assert conversations_bulk(workspace, ids, "tag", actor=cm.user, tag="refund") == 3  # twice: still one tag each
    for thread in Conversation.objects.filter(pk__in=[c.pk for c in mine]):
        assert thread.status == "done" and thread.assignee == cm.user
        assert [t.name for t in thread.tags.all()] == ["refund"]
    theirs.refresh_from_db()
    assert theirs.status == "open" and theirs.assignee is None and not theirs.tags.exists()
    assert actions(workspace) == ["conversation.bulk"] * 4
    with pytest.raises(ValidationError):
        conversations_bulk(workspace, [], "done", actor=cm.user)
    with pytest.raises(ValidationError):
        conversations_bulk(workspace, ids, "delete", actor=cm.user)
    with pytest.raises(ValidationError):
        conversations_bulk(workspace, ids, "assign", actor=cm.user, assignee_id=member(Role.VIEWER).user_id)
