"""Due-soon warnings: one notice and one admin email per at-risk delivery and problem, however often it runs."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.core import mail
from django.utils import timezone

from platforms.models import Channel, Health, Notice
from platforms.notices import notices_warn_due_soon
from platforms.selectors import notices_open
from platforms.tasks import warn_due_soon
from scheduler.models import Delivery, DeliveryState
from tests.factories import ChannelFactory, DeliveryFactory, MemberFactory, UserFactory, WorkspaceFactory
from workspaces.models import Member, Role, Workspace

pytestmark = pytest.mark.django_db


@pytest.fixture
def broken(workspace: Workspace) -> Channel:
    return ChannelFactory(workspace=workspace, display_name="Acme on X", health=Health.NEEDS_RECONNECT,
                          last_error="X no longer accepts this token")


def due_in(channel: Channel, minutes: int, **fields: Any) -> Delivery:
    return DeliveryFactory(channel=channel, post__workspace=channel.workspace, post__text="Launch <b>day</b>",
                           due_at=timezone.now() + timedelta(minutes=minutes), **fields)


def test_warns_once_per_delivery_and_problem(admin: Member, marketer: Member, broken: Channel) -> None:
    delivery = due_in(broken, 30)
    due_in(broken, 90)  # outside the 60-minute window
    assert warn_due_soon() == 1
    assert warn_due_soon() == 0  # idempotent
    notice = Notice.objects.get()
    assert (notice.delivery_id, notice.kind, notice.channel_id) == (delivery.pk, "needs_reconnect", broken.pk)
    assert notice.message.startswith("The post “Launch <b>day</b>” is due on Acme on X at ")
    assert "CEST" in notice.message or "CET" in notice.message  # the workspace's zone (Europe/Berlin)
    assert "but the channel needs reconnecting" in notice.message
    assert len(mail.outbox) == 1
    email = mail.outbox[0]
    assert email.to == [admin.user.email]  # admins only, not the marketer
    assert email.subject == "SMO: 1 scheduled post(s) at risk in Acme <Brand>"
    assert notice.message in email.body and "http://127.0.0.1:8000/w/acme/channels/" in email.body
    html, mime = email.alternatives[0]
    assert mime == "text/html"
    assert "Launch &lt;b&gt;day&lt;/b&gt;" in html and "<b>day</b>" not in html  # escaped in HTML mail
    assert 'href="http://127.0.0.1:8000/w/acme/channels/"' in html


def test_healthy_channels_and_other_states_are_left_alone(admin: Member, workspace: Workspace, broken: Channel) -> None:
    due_in(ChannelFactory(workspace=workspace), 10)
    due_in(broken, 10, state=DeliveryState.PUBLISHED)
    due_in(broken, 10, state=DeliveryState.CANCELLED)
    due_in(broken, 10, state=DeliveryState.DRAFT)
    assert notices_warn_due_soon() == 0 and mail.outbox == []


def test_paused_and_expired_channels(admin: Member, workspace: Workspace, settings: Any) -> None:
    now = timezone.now()
    paused = ChannelFactory(workspace=workspace, paused_until=now + timedelta(hours=3))
    lifted_in_time = ChannelFactory(workspace=workspace, paused_until=now + timedelta(minutes=5))
    expired = ChannelFactory(workspace=workspace, token_expires_at=now - timedelta(minutes=1),
                             credentials={"access_token": "a"})
    due_in(paused, 20)
    due_in(lifted_in_time, 20)
    due_in(expired, 20)
    settings.DUE_SOON_WARNING_MINUTES = 30
    assert notices_warn_due_soon() == 2
    assert sorted(Notice.objects.values_list("kind", flat=True)) == ["paused", "token_expired"]
    assert len(mail.outbox) == 1 and mail.outbox[0].subject.startswith("SMO: 2 scheduled post(s)")
    assert "paused this channel until" in mail.outbox[0].body and "login expired at" in mail.outbox[0].body


def test_the_window_is_a_setting(admin: Member, broken: Channel, settings: Any) -> None:
    due_in(broken, 100)
    settings.DUE_SOON_WARNING_MINUTES = 120
    assert warn_due_soon() == 1


def test_each_workspace_mails_its_own_admins(admin: Member, broken: Channel) -> None:
    other = WorkspaceFactory(slug="beta", name="Beta")
    other_admin = MemberFactory(workspace=other, role=Role.ADMIN, user=UserFactory(email="boss@beta.example"))
    MemberFactory(workspace=other, role=Role.ADMIN, user=UserFactory(email=""))  # no address: skipped
    due_in(broken, 5)
    due_in(ChannelFactory(workspace=other, health=Health.NEEDS_RECONNECT), 5)
    assert notices_warn_due_soon() == 2
    assert sorted(tuple(m.to) for m in mail.outbox) == sorted([(admin.user.email,), (other_admin.user.email,)])
    assert all(n.workspace_id == n.delivery.workspace_id for n in Notice.objects.all())


def test_a_failed_send_is_retried_on_the_next_run(admin: Member, broken: Channel,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    from django.core.mail import EmailMultiAlternatives

    due_in(broken, 5)
    real_send = EmailMultiAlternatives.send
    monkeypatch.setattr(EmailMultiAlternatives, "send", lambda self, *a, **k: (_ for _ in ()).throw(OSError("smtp")))
    assert notices_warn_due_soon() == 1 and mail.outbox == []
    assert Notice.objects.get().emailed_at is None  # handed back
    monkeypatch.setattr(EmailMultiAlternatives, "send", real_send)
    assert notices_warn_due_soon() == 0
    assert len(mail.outbox) == 1
    assert notices_warn_due_soon() == 0 and len(mail.outbox) == 1


def test_open_notices_disappear_once_the_problem_is_fixed(admin: Member, workspace: Workspace,
                                                         broken: Channel) -> None:
    delivery = due_in(broken, 5)
    notices_warn_due_soon()
    assert [n.delivery_id for n in notices_open(workspace)] == [delivery.pk]
    assert list(notices_open(WorkspaceFactory())) == []  # scoped
    Channel.objects.filter(pk=broken.pk).update(health=Health.OK)
    assert list(notices_open(workspace)) == []


def test_open_notices_disappear_once_the_post_is_gone(admin: Member, workspace: Workspace, broken: Channel) -> None:
    delivery = due_in(broken, 5)
    notices_warn_due_soon()
    Delivery.objects.filter(pk=delivery.pk).update(state=DeliveryState.CANCELLED)
    assert list(notices_open(workspace)) == []
