"""The alert: one in-app AttentionAlert and one e-mail to admins and community managers, at most once per
conversation per hour; the stranger's words reach the e-mail only escaped and defanged."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.utils import timezone

from inbox import tasks
from inbox.attention import attention_alert, defang
from inbox.models import AttentionAlert, Conversation
from inbox.services import inbox_ingest
from tests.factories import MemberFactory, UserFactory, WorkspaceFactory
from tests.inbox_sentiment.conftest import NEGATIVE, client_for, dm, published
from workspaces.models import AuditEvent, Member, Role

pytestmark = pytest.mark.django_db
EVIL = ('<script>alert(1)</script> I hate you, worst scam ever, terrible awful people. '
        'See http://evil.example/x and javascript:alert(2)')


@pytest.fixture
def team(workspace):
    made = {role: MemberFactory(workspace=workspace, role=role, user=UserFactory(username=f"{role}-person"))
            for role in (Role.ADMIN, Role.COMMUNITY_MANAGER, Role.MARKETER, Role.VIEWER)}
    MemberFactory(workspace=workspace, role=Role.ADMIN, user=UserFactory(username="gone", is_active=False))
    MemberFactory(workspace=workspace, role=Role.ADMIN, user=UserFactory(username="nomail", email=""))
    return made


@pytest.fixture
def flagged(channel, monkeypatch) -> Conversation:
    monkeypatch.setattr(tasks.alert_attention, "delay", lambda pk: None)
    inbox_ingest(channel, [dm(1, EVIL, author_handle="<b>troll</b>")])
    conversation = Conversation.objects.get()
    assert conversation.needs_attention
    return conversation


def test_one_alert_and_one_mail_to_admins_and_community_managers(team, flagged):
    alert = attention_alert(flagged.pk)
    assert alert is not None and alert.emailed_to == 2
    assert AttentionAlert.objects.get().reason == flagged.attention_reason
    assert len(mail.outbox) == 1
    assert sorted(mail.outbox[0].to) == ["admin-person@example.com", "community_manager-person@example.com"]
    event = AuditEvent.objects.get(action="conversation.attention_alerted")
    assert (event.actor_label, event.target_id) == ("system", str(flagged.pk))


def test_at_most_once_per_conversation_per_hour(team, flagged):
    now = timezone.now()
    assert attention_alert(flagged.pk, now=now) is not None
    assert attention_alert(flagged.pk, now=now + timedelta(minutes=59)) is None
    assert (AttentionAlert.objects.count(), len(mail.outbox)) == (1, 1)
    assert attention_alert(flagged.pk, now=now + timedelta(minutes=61)) is not None
    assert (AttentionAlert.objects.count(), len(mail.outbox)) == (2, 2)


def test_lowered_flag_or_alerts_off_send_nothing(settings, team, flagged):
    settings.INBOX_ATTENTION_ALERTS = False
    assert attention_alert(flagged.pk) is None
    settings.INBOX_ATTENTION_ALERTS = True
    Conversation.objects.update(needs_attention=False)
    assert attention_alert(flagged.pk) is None
    assert (AttentionAlert.objects.count(), len(mail.outbox)) == (0, 0)


def test_the_mail_escapes_and_defangs_the_strangers_text(team, flagged):
    attention_alert(flagged.pk)
    message = mail.outbox[0]
    html = message.alternatives[0][0]
    assert "scam" not in message.subject and "troll" not in message.subject
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "<b>troll" not in html and "&lt;b&gt;troll&lt;/b&gt;" in html
    assert "http://evil" not in html and "http://evil" not in message.body  # no clickable link from a stranger
    assert "http[:]//evil.example/x" in message.body and "javascript[:]alert(2)" in message.body
    assert 'href="https://smo.example/w/' in html  # the only link: our own inbox
    assert "\n" not in defang("line one\nline two") and len(defang("x" * 5000)) <= 200


def test_a_mail_failure_keeps_the_in_app_alert(team, flagged, monkeypatch):
    def broken(self, *args, **kwargs):
        raise OSError("SMTP down")

    monkeypatch.setattr("django.core.mail.EmailMultiAlternatives.send", broken)
    alert = attention_alert(flagged.pk)
    assert alert is not None and AttentionAlert.objects.get().emailed_to == 0


def test_ingest_to_alert_through_the_task(channel, team, monkeypatch, django_capture_on_commit_callbacks):
    monkeypatch.setattr(tasks.alert_attention, "delay", lambda pk: tasks.alert_attention(pk))
    published(channel, "post-1", hours_ago=1)
    comment = {"kind": "comment", "conversation_id": "post-1", "post_external_id": "post-1",
               "created_at": timezone.now()}
    with django_capture_on_commit_callbacks(execute=True):
        inbox_ingest(channel, [dm(1, NEGATIVE, external_id="c1", **comment)])
    with django_capture_on_commit_callbacks(execute=True):
        inbox_ingest(channel, [dm(2, NEGATIVE, external_id="c2", **comment)])
    assert (AttentionAlert.objects.count(), len(mail.outbox)) == (1, 1)


def _render_alerts(workspace, member: Member) -> str:
    request = RequestFactory().get(f"/w/{workspace.slug}/inbox/health/")
    request.workspace, request.member, request.user = workspace, member, member.user
    return render_to_string("inbox/_attention_alerts.html", {"request": request}, request=request)


def test_the_in_app_notice_shows_to_people_who_work_the_inbox(team, flagged, workspace):
    attention_alert(flagged.pk)
    shown = _render_alerts(workspace, team[Role.COMMUNITY_MANAGER])
    assert "data-attention-alert" in shown and "Strongly negative direct message" in shown
    assert "<script>" not in shown
    assert "data-attention-alert" not in _render_alerts(workspace, team[Role.VIEWER])
    Conversation.objects.update(needs_attention=False)  # handled: the notice goes
    assert "data-attention-alert" not in _render_alerts(workspace, team[Role.ADMIN])


def test_dismiss_and_clear_by_role_and_workspace(team, flagged, workspace):
    alert = attention_alert(flagged.pk)
    base = f"/w/{workspace.slug}/inbox/attention"
    viewer = client_for(workspace, Role.VIEWER)
    assert viewer.post(f"{base}/alerts/{alert.pk}/dismiss/").status_code == 403
    stranger = client_for(WorkspaceFactory(), Role.ADMIN)
    assert stranger.post(f"{base}/alerts/{alert.pk}/dismiss/").status_code == 404
    other = WorkspaceFactory()
    admin_elsewhere = client_for(other, Role.ADMIN)
    assert admin_elsewhere.post(f"/w/{other.slug}/inbox/attention/alerts/{alert.pk}/dismiss/").status_code == 404
    assert admin_elsewhere.post(f"/w/{other.slug}/inbox/attention/{flagged.pk}/clear/").status_code == 404
    assert AttentionAlert.objects.get().dismissed_at is None

    manager = client_for(workspace, Role.COMMUNITY_MANAGER)
    assert manager.get(f"{base}/{flagged.pk}/clear/").status_code == 405
    answer = manager.post(f"{base}/{flagged.pk}/clear/", {"next": "https://evil.example/"})
    assert answer.status_code == 302 and answer["Location"] == f"/w/{workspace.slug}/inbox/"
    assert not Conversation.objects.get().needs_attention
    assert AttentionAlert.objects.get().dismissed_at is not None  # handled: its alert goes too
    assert AuditEvent.objects.filter(action="conversation.attention_cleared").count() == 1
