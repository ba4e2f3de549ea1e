"""/api/v1/inbox/: the page's filters, a conversation with items and notes, assign / status / tags / reply,
roles (403) and workspace isolation (404) for every endpoint."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from inbox.models import Conversation, Reply
from inbox.triage import conversation_tag, note_add
from tests.api.conftest import _clean_throttle_counters, make_caller  # noqa: F401 (fixtures)
from tests.factories import ChannelFactory
from tests.inbox_triage.conftest import conversation
from workspaces.models import AuditEvent, Role

pytestmark = pytest.mark.django_db


@pytest.fixture
def cm(make_caller):  # noqa: F811
    return make_caller(role=Role.COMMUNITY_MANAGER)


@pytest.fixture
def thread(cm):
    channel = ChannelFactory(workspace=cm.workspace, platform="x", display_name="Acme on X")
    return conversation(channel, 1, text="<b>Where</b> is my order?")


def endpoints(pk: int) -> list[tuple[str, str, dict | None]]:
    return [("get", f"/inbox/{pk}/", None), ("post", f"/inbox/{pk}/assign/", {"assignee": None}),
            ("post", f"/inbox/{pk}/status/", {"status": "done"}), ("post", f"/inbox/{pk}/tags/", {"add": ["x"]}),
            ("post", f"/inbox/{pk}/reply/", {"text": "Thanks!"})]


def test_list_with_filters(cm, thread):
    other = conversation(thread.channel, 2)
    conversation_tag(other, ["refund"], actor=None)
    body = cm.get("/inbox/").json()
    assert [row["id"] for row in body["results"]] == [other.pk, thread.pk]
    row = body["results"][1]
    assert row["status"] == "open" and row["unread"] is True and row["platform"] == "x"
    assert row["author"] == {"id": "u1", "name": "Fan 1", "handle": "fan1", "avatar_url": ""}
    assert [r["id"] for r in cm.get("/inbox/", {"tag": "Refund"}).json()["results"]] == [other.pk]
    assert [r["id"] for r in cm.get("/inbox/", {"q": "ORDER"}).json()["results"]] == [thread.pk]
    assert cm.get("/inbox/", {"status": "done"}).json()["results"] == []
    refused = cm.get("/inbox/", {"status": "gone", "assigned": "x;y"})
    assert refused.status_code == 400 and refused.json()["code"] == "invalid"


def test_detail_has_items_notes_and_replies_and_marks_read(cm, thread):
    note_add(thread, "internal only", author=cm.member.user)
    body = cm.get(f"/inbox/{thread.pk}/").json()
    assert [item["text"] for item in body["items"]] == ["<b>Where</b> is my order?"]  # text as stored, JSON-escaped
    assert [note["text"] for note in body["notes"]] == ["internal only"] and body["replies"] == []
    assert cm.get("/inbox/").json()["results"][0]["unread"] is False


def test_assign_status_tags(cm, thread):
    me = cm.member.user_id
    assert cm.post(f"/inbox/{thread.pk}/assign/", {"assignee": me}).json()["assignee"] == me
    until = (timezone.now() + timedelta(hours=2)).isoformat()
    snoozed = cm.post(f"/inbox/{thread.pk}/status/", {"status": "snoozed", "snoozed_until": until}).json()
    assert snoozed["status"] == "snoozed" and snoozed["snoozed_until"]
    past = cm.post(f"/inbox/{thread.pk}/status/", {"status": "snoozed", "snoozed_until": "2001-01-01T00:00:00Z"})
    assert past.status_code == 400 and past.json()["code"] == "snooze_past"
    tags = cm.post(f"/inbox/{thread.pk}/tags/", {"add": ["VIP", "refund"], "remove": []}).json()["tags"]
    assert tags == ["refund", "vip"]
    assert cm.post(f"/inbox/{thread.pk}/tags/", {"remove": ["vip"]}).json()["tags"] == ["refund"]
    viewer = cm.post(f"/inbox/{thread.pk}/assign/", {"assignee": 999999})
    assert viewer.status_code == 400 and viewer.json()["code"] == "not_assignable"
    assert cm.post(f"/inbox/{thread.pk}/assign/", {"assignee": None}).json()["assignee"] is None
    assert AuditEvent.objects.filter(workspace=cm.workspace, action="conversation.assigned").count() == 2


def test_reply_queues_through_the_replies_service(cm, thread):
    response = cm.post(f"/inbox/{thread.pk}/reply/", {"text": "Sorry! We are on it."})
    assert response.status_code == 202, response.json()
    reply = Reply.objects.get()
    assert response.json()["state"] == "queued" and reply.conversation == thread
    assert reply.in_reply_to == thread.items.get() and reply.author == cm.member.user
    too_long = cm.post(f"/inbox/{thread.pk}/reply/", {"text": "x" * 300})
    assert too_long.status_code == 400 and "280" in too_long.json()["detail"]
    assert cm.post(f"/inbox/{thread.pk}/reply/", {"text": "   "}).status_code == 400


@pytest.mark.parametrize("role", [Role.VIEWER, Role.MARKETER, Role.APPROVER])
def test_read_only_roles_read_but_get_403_on_writes(make_caller, role):  # noqa: F811
    caller = make_caller(role=role)
    thread = conversation(ChannelFactory(workspace=caller.workspace), 1)
    for method, path, body in endpoints(thread.pk):
        response = getattr(caller, method)(path, body)
        assert response.status_code == (200 if method == "get" else 403), (path, response.content)
    assert caller.get("/inbox/").status_code == 200
    stored = Conversation.objects.get(pk=thread.pk)
    assert stored.status == "open" and not stored.tags.exists() and not Reply.objects.exists()


def test_another_workspaces_conversations_are_404_and_unlisted(cm, make_caller):  # noqa: F811
    theirs = make_caller(role=Role.ADMIN)
    foreign = conversation(ChannelFactory(workspace=theirs.workspace), 7)
    for method, path, body in endpoints(foreign.pk):
        response = getattr(cm, method)(path, body)
        assert response.status_code == 404 and response.json()["code"] == "not_found", path
    assert cm.get("/inbox/", {"status": "all"}).json()["results"] == []
    stored = Conversation.objects.get(pk=foreign.pk)
    assert stored.status == "open" and stored.assignee is None and not Reply.objects.exists()
    assert cm.get("/inbox/99999999999999999999999/").status_code == 404
