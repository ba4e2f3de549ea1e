"""The inbox page: roles, every action by htmx and by plain form post, errors that keep what was typed,
presence, saved replies, and 404 for another workspace's conversations under every URL."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from inbox.models import Conversation, Note, SavedReply
from inbox.triage import conversation_mark_read, conversation_set_status, saved_reply_create
from tests.factories import ChannelFactory, MemberFactory, WorkspaceFactory
from tests.inbox_triage.conftest import conversation
from workspaces.models import AuditEvent, Role

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}
BASE = "/w/acme/inbox/"


@pytest.fixture(autouse=True)
def _clean_cache():
    cache.clear()


def url(name: str, **kwargs) -> str:
    return reverse(f"inbox:{name}", kwargs={"slug": "acme", **kwargs})


@pytest.mark.parametrize("role", list(Role))
def test_every_member_reads_only_workers_get_the_controls(workspace, channel, member, login, role):
    thread = conversation(channel, 1, text="Where is my order?")
    page = login(member(role)).get(f"{BASE}?conversation={thread.pk}")
    html = page.content.decode()
    assert page.status_code == 200 and "Where is my order?" in html
    works = role in (Role.ADMIN, Role.COMMUNITY_MANAGER)
    assert ('id="inbox-reply-form"' in html) is works and ('data-action="done"' in html) is works
    assert ('id="inbox-bulk"' in html) is works


def test_page_shows_the_list_with_counts_and_the_unread_count(workspace, channel, member, login):
    conversation(channel, 1)
    conversation(channel, 2)
    html = login(member()).get(BASE).content.decode()
    assert 'data-unread="2"' in html and 'data-count="open">2<' in html
    assert html.count('data-conversation-row="') == 2 and "<title>Inbox · SMO</title>" in html


def test_opening_a_conversation_marks_it_read_for_me_only(workspace, channel, member, login):
    thread = conversation(channel, 1)
    anna, ben = member(), member()
    response = login(anna).get(url("conversation", conversation_id=thread.pk), **HTMX)
    assert response.status_code == 200 and 'id="inbox-pane"' in response.content.decode()
    assert 'data-unread="0"' in login(anna).get(url("list")).content.decode()
    assert 'data-unread="1"' in login(ben).get(url("list")).content.decode()


def test_times_are_in_the_workspace_zone(workspace, channel, member, login):
    conversation(channel, 1)  # 2025-03-01 12:01 UTC is 13:01 in Berlin
    assert "2025-03-01 13:01" in login(member()).get(BASE).content.decode()


def test_assign_to_me_by_htmx_answers_the_action_bar_and_refreshes_the_rest(workspace, channel, member, login):
    thread, cm = conversation(channel), member()
    response = login(cm).post(url("assign", conversation_id=thread.pk), {"assignee": "me"}, **HTMX)
    assert response.status_code == 200 and response["HX-Trigger"] == "inbox-changed"
    assert 'id="inbox-actions"' in response.content.decode() and "Assignment saved." in response.content.decode()
    assert Conversation.objects.get(pk=thread.pk).assignee == cm.user


def test_plain_posts_redirect_back_with_the_filters(workspace, channel, member, login):
    thread, client = conversation(channel), login(member())
    response = client.post(url("status", conversation_id=thread.pk), {"status": "done", "back": "assigned=me&tag=x"})
    assert response.status_code == 302
    assert response["Location"] == f"{BASE}?assigned=me&tag=x&conversation={thread.pk}"
    assert Conversation.objects.get(pk=thread.pk).status == "done"


def test_snooze_by_preset_and_by_a_local_time(workspace, channel, member, login):
    thread, client = conversation(channel), login(member())
    before = timezone.now()
    client.post(url("status", conversation_id=thread.pk), {"status": "snoozed", "preset": "3h"}, **HTMX)
    stored = Conversation.objects.get(pk=thread.pk)
    assert stored.status == "snoozed"
    assert timedelta(hours=3) <= stored.snoozed_until - before < timedelta(hours=3, minutes=1)
    client.post(url("status", conversation_id=thread.pk), {"status": "snoozed", "until": "2099-07-01T09:00"}, **HTMX)
    stored.refresh_from_db()
    assert stored.snoozed_until.isoformat() == "2099-07-01T07:00:00+00:00"  # 09:00 in Berlin, summer time


def test_a_bad_snooze_time_is_explained_and_kept(workspace, channel, member, login):
    thread = conversation(channel)
    response = login(member()).post(url("status", conversation_id=thread.pk),
                                    {"status": "snoozed", "until": "next tuesday"}, **HTMX)
    html = response.content.decode()
    assert "is not a date and time such as" in html and 'value="next tuesday"' in html
    assert "HX-Trigger" not in response and Conversation.objects.get(pk=thread.pk).status == "open"
    plain = login(member()).post(url("status", conversation_id=thread.pk),
                                 {"status": "snoozed", "until": "1999-01-01T00:00"})
    assert plain.status_code == 422 and "Snooze until a time in the future." in plain.content.decode()


def test_tags_add_and_remove(workspace, channel, member, login):
    thread, client = conversation(channel), login(member())
    client.post(url("tags", conversation_id=thread.pk), {"add": "Refund, vip"}, **HTMX)
    assert sorted(thread.tags.values_list("name", flat=True)) == ["refund", "vip"]
    client.post(url("tags", conversation_id=thread.pk), {"remove": "vip"}, **HTMX)
    assert list(thread.tags.values_list("name", flat=True)) == ["refund"]
    refused = client.post(url("tags", conversation_id=thread.pk), {"add": "x" * 60}, **HTMX).content.decode()
    assert "at most 50 characters" in refused and "x" * 60 in refused


def test_a_refused_note_keeps_the_text_and_a_good_one_shows_in_the_thread(workspace, channel, member, login):
    thread, client = conversation(channel), login(member())
    long_note = "n" * 5001
    refused = client.post(url("note_add", conversation_id=thread.pk), {"text": long_note}, **HTMX).content.decode()
    assert "at most 5000 characters" in refused and long_note in refused and not Note.objects.exists()
    done = client.post(url("note_add", conversation_id=thread.pk), {"text": "Refund sent"}, **HTMX)
    assert done["HX-Trigger"] == "inbox-changed" and "Note added." in done.content.decode()
    thread_html = client.get(url("thread", conversation_id=thread.pk)).content.decode()
    assert "Internal note — not sent" in thread_html and "Refund sent" in thread_html


def test_bulk_done_and_tag(workspace, channel, member, login):
    threads = [conversation(channel) for _ in range(3)]
    client = login(member())
    response = client.post(url("bulk"), {"action": "done", "ids": [t.pk for t in threads[:2]], "back": "q=x"})
    assert response.status_code == 302 and response["Location"] == f"{BASE}?q=x"
    assert sorted(Conversation.objects.values_list("status", flat=True)) == ["done", "done", "open"]
    client.post(url("bulk"), {"action": "tag", "tag": "later", "ids": [threads[2].pk]})
    assert list(threads[2].tags.values_list("name", flat=True)) == ["later"]
    refused = client.post(url("bulk"), {"action": "done"}, follow=True)
    assert "Select at least one conversation." in refused.content.decode()


def test_presence_shows_who_is_viewing_and_replying(workspace, channel, member, login):
    thread = conversation(channel)
    anna = member(first_name="Anna")
    ben = member(first_name="Ben")
    login(anna).post(url("presence", conversation_id=thread.pk), {"state": "viewing"})
    seen_by_ben = login(ben).post(url("presence", conversation_id=thread.pk), {"state": "viewing"}).content.decode()
    assert "Anna is viewing" in seen_by_ben and "Ben" not in seen_by_ben
    login(anna).post(url("presence", conversation_id=thread.pk), {"state": "replying"})
    assert "Anna is replying" in login(ben).get(url("thread", conversation_id=thread.pk)).content.decode()
    login(anna).post(url("presence", conversation_id=thread.pk), {"state": "left"})
    assert "Anna" not in login(ben).get(url("thread", conversation_id=thread.pk)).content.decode()


def test_viewers_do_not_ping_or_write(workspace, channel, member, login):
    thread, viewer = conversation(channel), login(member(Role.VIEWER))
    for name in ("presence", "assign", "status", "tags", "note_add"):
        assert viewer.post(url(name, conversation_id=thread.pk), {"status": "done", "text": "x"}).status_code == 403
    assert viewer.post(url("bulk"), {"action": "done", "ids": [thread.pk]}).status_code == 403
    marketer = login(member(Role.MARKETER))
    assert marketer.post(url("presence", conversation_id=thread.pk)).status_code == 200
    assert marketer.post(url("status", conversation_id=thread.pk), {"status": "done"}).status_code == 403
    assert Conversation.objects.get(pk=thread.pk).status == "open" and not AuditEvent.objects.exists()


def test_saved_reply_picker_fills_placeholders_as_json_text(workspace, channel, member, login):
    thread = conversation(channel, author_name="<b>Ana</b>", author_handle="ana")
    cm = member(first_name="Kim")
    saved = saved_reply_create(workspace, "Hi", "Hi {author_name} ({author_handle}), {my_name} here", actor=cm.user)
    response = login(cm).get(url("saved_reply_text", conversation_id=thread.pk, saved_reply_id=saved.pk))
    assert response.json() == {"title": "Hi", "text": "Hi <b>Ana</b> (@ana), Kim here"}
    assert response["Content-Type"] == "application/json"


def test_saved_replies_page_crud_keeps_typing_on_errors(workspace, member, login):
    client = login(member())
    refused = client.post(url("saved_reply_create"), {"title": "", "body": "Typed body"})
    assert refused.status_code == 422 and "Typed body" in refused.content.decode()
    client.post(url("saved_reply_create"), {"title": "Thanks", "body": "Thank you!"})
    saved = SavedReply.objects.get()
    client.post(url("saved_reply_update", saved_reply_id=saved.pk), {"title": "Thanks", "body": "Cheers"})
    assert SavedReply.objects.get().body == "Cheers"
    assert "Cheers" in login(member(Role.VIEWER)).get(url("saved_replies")).content.decode()
    client.post(url("saved_reply_delete", saved_reply_id=saved.pk))
    assert not SavedReply.objects.exists()


def test_another_workspaces_ids_are_404_everywhere(workspace, channel, member, login):
    other = WorkspaceFactory()
    theirs = conversation(ChannelFactory(workspace=other))
    saved = saved_reply_create(other, "Theirs", "body", actor=None)
    client = login(member(Role.ADMIN))
    gets = [url("conversation", conversation_id=theirs.pk), url("thread", conversation_id=theirs.pk),
            url("saved_reply_text", conversation_id=theirs.pk, saved_reply_id=saved.pk)]
    posts = [url(name, conversation_id=theirs.pk) for name in ("presence", "assign", "status", "tags", "note_add",
                                                               "reply_send")]
    posts += [url("saved_reply_update", saved_reply_id=saved.pk), url("saved_reply_delete", saved_reply_id=saved.pk)]
    for target in gets:
        assert client.get(target).status_code == 404, target
    for target in posts:
        assert client.post(target, {"status": "done", "text": "x", "title": "t", "body": "b"}).status_code == 404
    client.post(url("bulk"), {"action": "done", "ids": [theirs.pk]})
    theirs.refresh_from_db()
    assert theirs.status == "open" and SavedReply.objects.get().title == "Theirs"
    assert client.get(f"{BASE}?conversation={theirs.pk}").status_code == 200  # the page, without their thread
    assert f'data-conversation="{theirs.pk}"' not in client.get(f"{BASE}?conversation={theirs.pk}").content.decode()
    outsider = login(MemberFactory(workspace=other, role=Role.ADMIN))
    assert outsider.get(BASE).status_code == 404


def test_done_moves_it_to_the_done_tab(workspace, channel, member, login):
    thread = conversation(channel)
    conversation_set_status(thread, "done", actor=None)
    client = login(member())
    conversation_mark_read(thread, member().user)
    assert f'data-conversation-row="{thread.pk}"' not in client.get(url("list")).content.decode()
    assert f'data-conversation-row="{thread.pk}"' in client.get(url("list") + "?status=done").content.decode()


def test_the_page_and_the_polled_list_take_constant_queries(workspace, channel, member, login):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from inbox.triage import conversation_assign, conversation_tag

    cm = member()
    client = login(cm)

    def counted(path: str) -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(path).status_code == 200
        return len(captured)

    def add(n: int) -> None:
        for _ in range(n):
            thread = conversation(channel)
            conversation_assign(thread, cm.user, actor=None)
            conversation_tag(thread, ["a", "b"], actor=None)

    add(2)
    first = (counted(url("list")), counted(BASE))
    add(25)
    assert (counted(url("list")), counted(BASE)) == first
