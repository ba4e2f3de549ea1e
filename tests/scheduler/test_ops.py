"""Reads and operator tools: selectors, `deliveries_stuck`, the admin, and the Celery wiring."""

from __future__ import annotations

import json
import uuid
from datetime import timedelta
from io import StringIO

import pytest
from django.conf import settings
from django.core.management import call_command
from django.utils import timezone

from scheduler import tasks
from scheduler.models import DeliveryState
from scheduler.selectors import deliveries_for_workspace, stuck_deliveries
from smo.celery import app
from tests.factories import AttemptFactory, ChannelFactory, DeliveryFactory, PostFactory, WorkspaceFactory

pytestmark = pytest.mark.django_db


def test_workspace_deliveries_are_scoped_and_take_constant_queries(django_assert_num_queries):
    workspace = WorkspaceFactory()
    for _ in range(5):
        DeliveryFactory(post=PostFactory(workspace=workspace), channel=ChannelFactory(workspace=workspace))
    DeliveryFactory()  # another workspace
    with django_assert_num_queries(1):
        rows = [(d.post.text, d.channel.display_name) for d in deliveries_for_workspace(workspace)]
    assert len(rows) == 5
    assert deliveries_for_workspace(workspace, states=(DeliveryState.PUBLISHED,)).count() == 0


@pytest.fixture
def stuck_set():
    now = timezone.now()
    stuck = {
        "unknown": DeliveryFactory(state=DeliveryState.UNKNOWN, error_message="SMO lost contact with X."),
        "needs_check": DeliveryFactory(state=DeliveryState.NEEDS_CHECK),
        "queued_expired": DeliveryFactory(state=DeliveryState.QUEUED, lease_expires_at=now - timedelta(seconds=1)),
        "sending_expired": DeliveryFactory(state=DeliveryState.SENDING, lease_expires_at=now - timedelta(seconds=1)),
        "retry_overdue": DeliveryFactory(state=DeliveryState.RETRY_WAIT, due_at=now - timedelta(minutes=10)),
        "scheduled_overdue": DeliveryFactory(due_at=now - timedelta(minutes=10)),
    }
    fine = [
        DeliveryFactory(state=DeliveryState.QUEUED, lease_expires_at=now + timedelta(seconds=60)),
        DeliveryFactory(state=DeliveryState.RETRY_WAIT, due_at=now + timedelta(minutes=1)),
        DeliveryFactory(state=DeliveryState.PUBLISHED),
        DeliveryFactory(due_at=now - timedelta(seconds=5)),  # due, the next tick takes it
    ]
    return stuck, fine


def test_stuck_deliveries(stuck_set):
    stuck, _fine = stuck_set
    assert {d.pk for d in stuck_deliveries()} == {d.pk for d in stuck.values()}


def test_deliveries_stuck_command_table_and_json(stuck_set):
    stuck, _fine = stuck_set
    out = StringIO()
    call_command("deliveries_stuck", stdout=out)
    lines = out.getvalue().splitlines()
    assert lines[0].split() == ["ID", "WORKSPACE", "CHANNEL", "STATE", "DUE", "AGE", "ERROR"]
    assert lines[-1] == "6 deliveries need attention."
    assert any("SMO lost contact with X." in line for line in lines)

    out = StringIO()
    call_command("deliveries_stuck", "--json", stdout=out)
    rows = json.loads(out.getvalue())
    assert {r["id"] for r in rows} == {d.pk for d in stuck.values()}
    assert set(rows[0]) >= {"workspace", "channel", "state", "due", "age", "error"}


def test_deliveries_stuck_command_when_all_is_well():
    out = StringIO()
    call_command("deliveries_stuck", stdout=out)
    assert out.getvalue().strip() == "No stuck deliveries."


def test_admin_pages_render(admin_client, stuck_set):
    stuck, _fine = stuck_set
    AttemptFactory(delivery=stuck["unknown"], token=uuid.uuid4())
    for url in ("/admin/scheduler/delivery/", "/admin/scheduler/delivery/?attention=yes",
                "/admin/scheduler/delivery/?attention=stuck", "/admin/scheduler/delivery/?state__exact=unknown",
                f"/admin/scheduler/delivery/{stuck['unknown'].pk}/change/",
                f"/admin/scheduler/post/{stuck['unknown'].post_id}/change/", "/admin/scheduler/campaign/",
                "/admin/scheduler/attempt/"):
        assert admin_client.get(url).status_code == 200, url
    page = admin_client.get("/admin/scheduler/delivery/?attention=yes").content.decode()
    assert "6 deliveries" in page or "6 delivery" in page


def test_tasks_are_thin_wrappers(monkeypatch):
    calls = []
    monkeypatch.setattr(tasks.engine, "dispatch_due", lambda now: calls.append(("dispatch", now)) or 3)
    monkeypatch.setattr(tasks.engine, "delivery_publish", lambda pk, token: calls.append(("publish", pk, token)))
    monkeypatch.setattr(tasks.engine, "reconcile_unknown", lambda now: calls.append(("reconcile",)) or 0)
    monkeypatch.setattr(tasks.engine, "delivery_reconcile", lambda pk: calls.append(("reconcile_one", pk)))
    assert tasks.dispatch_due() == 3
    tasks.publish_delivery("7", "tok")
    tasks.reconcile_unknown()
    tasks.reconcile_delivery(7)
    assert [c[0] for c in calls] == ["dispatch", "publish", "reconcile", "reconcile_one"]
    assert calls[1] == ("publish", 7, "tok")


def test_celery_wiring_matches_the_settings():
    app.loader.import_default_modules()
    for entry in settings.CELERY_BEAT_SCHEDULE.values():
        assert entry["task"] in app.tasks, entry["task"]
    publish = app.tasks["scheduler.tasks.publish_delivery"]
    assert publish.acks_late is True
    assert app.amqp.router.route({}, "scheduler.tasks.publish_delivery")["queue"].name == "publish"
    assert settings.CELERY_TASK_SERIALIZER == "json"
