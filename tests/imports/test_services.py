"""The dry run writes nothing; the import creates exactly the valid rows, once, at the right instants."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import time_machine
from django.db import IntegrityError

from imports import services, tasks
from imports.models import ImportedPost, ImportJob, ImportState
from scheduler.models import Delivery, DeliveryState, Post, Variant
from tests.factories import UserFactory
from tests.imports.conftest import HEADER, csv_bytes, row
from workspaces.models import AuditEvent

pytestmark = pytest.mark.django_db


@pytest.fixture
def user(workspace):
    return UserFactory()


@pytest.fixture
def enqueued(monkeypatch) -> list[int]:
    sent: list[int] = []
    monkeypatch.setattr(tasks.run_import, "delay", lambda pk: sent.append(pk))
    return sent


def checked(workspace, user, rows, header=None) -> ImportJob:
    return services.import_check(workspace, user, "posts.csv", csv_bytes(rows, header))


def started(job: ImportJob, user, django_capture_on_commit_callbacks) -> ImportJob:
    with django_capture_on_commit_callbacks(execute=True):
        return services.import_start(job, user)


def test_dry_run_stores_the_findings_and_creates_no_posts(workspace, user, x, fb):
    job = checked(workspace, user, [row(), row(channels="nope"), row(text="")])
    assert (job.state, job.total_rows, job.valid_rows) == (ImportState.VALIDATED, 3, 1)
    assert set(job.errors) == {"3", "4"}
    assert not Post.objects.exists() and not Delivery.objects.exists() and not Variant.objects.exists()
    assert bytes(ImportJob.objects.get().content) == csv_bytes([row(), row(channels="nope"), row(text="")])


def test_a_file_without_any_good_row_is_invalid_and_cannot_start(workspace, user, x, enqueued):
    job = checked(workspace, user, [row(channels="nope")])
    assert job.state == ImportState.INVALID
    with pytest.raises(Exception, match="no rows that can be imported"):
        services.import_start(job, user)
    assert enqueued == []


def test_import_creates_exactly_the_valid_rows_at_the_right_instants(
        workspace, user, x, fb, campaign, enqueued, django_capture_on_commit_callbacks):
    header = [*HEADER, "text_x"]
    rows = [
        row(text="Winter", date="2036-01-15", time="09:00", channels="acme, Acme Page", campaign="Spring") + [""],
        row(text="Bad", channels="nope") + [""],
        row(text="Summer", date="2036-07-15", time="09:00", channels="Acme Page", link="https://e.com") + [""],
        row(text="Long for X " * 40, date="2036-03-30", time="03:00", channels="acme") + ["Short on X"],
        row(text="Fall back", date="2036-10-26", time="02:30", channels="acme") + [""],
    ]
    job = started(checked(workspace, user, rows, header), user, django_capture_on_commit_callbacks)
    assert enqueued == [job.pk] and job.state == ImportState.RUNNING
    assert tasks.run_import(job.pk) == "done"

    job.refresh_from_db()
    assert (job.state, job.processed_rows, job.created_count) == (ImportState.DONE, 5, 4)
    assert list(job.errors) == ["3"] and job.finished_at is not None
    by_text = {p.text.split()[0]: p for p in Post.objects.all()}
    assert set(by_text) == {"Winter", "Summer", "Long", "Fall"}
    due = {text: sorted((d.channel.platform, d.due_at, d.state) for d in post.deliveries.all())
           for text, post in by_text.items()}
    assert due["Winter"] == [("facebook", datetime(2036, 1, 15, 8, tzinfo=UTC), DeliveryState.SCHEDULED),
                             ("x", datetime(2036, 1, 15, 8, tzinfo=UTC), DeliveryState.SCHEDULED)]
    assert due["Summer"] == [("facebook", datetime(2036, 7, 15, 7, tzinfo=UTC), DeliveryState.SCHEDULED)]
    assert due["Long"] == [("x", datetime(2036, 3, 30, 1, tzinfo=UTC), DeliveryState.SCHEDULED)]  # CEST
    assert due["Fall"] == [("x", datetime(2036, 10, 26, 0, 30, tzinfo=UTC), DeliveryState.SCHEDULED)]
    assert by_text["Winter"].campaign == campaign and by_text["Winter"].created_by == user
    assert by_text["Summer"].link == "https://e.com"
    assert Variant.objects.get(post=by_text["Long"], channel=x).text == "Short on X"
    assert sorted(ImportedPost.objects.values_list("row_number", flat=True)) == [2, 4, 5, 6]
    completed = AuditEvent.objects.get(action="import.completed")
    assert completed.details == {"rows": 5, "created": 4, "skipped": 1} and completed.actor == user


def test_a_redelivered_task_does_not_import_twice(workspace, user, x, enqueued, django_capture_on_commit_callbacks):
    job = started(checked(workspace, user, [row(text=f"post {n}") for n in range(5)]), user,
                  django_capture_on_commit_callbacks)
    assert tasks.run_import(job.pk) == "done"
    assert tasks.run_import(job.pk) == "not running"  # the same message delivered again
    assert Post.objects.count() == 5
    assert AuditEvent.objects.filter(action="import.completed").count() == 1
    # Even a job put back to running finds its cursor at the end, and the per-row markers are unique.
    ImportJob.objects.filter(pk=job.pk).update(state=ImportState.RUNNING)
    services.import_run(job.pk)
    ImportJob.objects.filter(pk=job.pk).update(state=ImportState.RUNNING, processed_rows=0)
    with pytest.raises(IntegrityError):
        services.import_run(job.pk)
    assert Post.objects.count() == 5


def test_a_crash_mid_import_resumes_after_the_last_committed_batch(
        workspace, user, x, enqueued, monkeypatch, django_capture_on_commit_callbacks):
    monkeypatch.setattr(services, "BATCH_SIZE", 2)
    job = started(checked(workspace, user, [row(text=f"post {n}") for n in range(5)]), user,
                  django_capture_on_commit_callbacks)
    real = services._create_post
    calls = {"n": 0}

    def dies_on_the_fourth(job, plan):
        calls["n"] += 1
        if calls["n"] == 4:
            raise RuntimeError("worker lost")
        return real(job, plan)

    monkeypatch.setattr(services, "_create_post", dies_on_the_fourth)
    with pytest.raises(RuntimeError):
        tasks.run_import(job.pk)
    job.refresh_from_db()
    # The first batch (2 rows) committed; the second rolled back whole, the post of its first row included.
    assert (job.state, job.processed_rows, Post.objects.count()) == (ImportState.FAILED, 2, 2)
    assert "RuntimeError" in job.failure

    monkeypatch.setattr(services, "_create_post", real)
    with django_capture_on_commit_callbacks(execute=True):
        services.import_resume(job, user)
    assert enqueued == [job.pk, job.pk]
    assert tasks.run_import(job.pk) == "done"
    assert sorted(Post.objects.values_list("text", flat=True)) == [f"post {n}" for n in range(5)]


def test_starting_twice_is_harmless(workspace, user, x, enqueued, django_capture_on_commit_callbacks):
    job = checked(workspace, user, [row()])
    started(job, user, django_capture_on_commit_callbacks)
    started(job, user, django_capture_on_commit_callbacks)
    assert enqueued == [job.pk]
    assert AuditEvent.objects.filter(action="import.started").count() == 1


def test_rows_are_checked_again_when_imported(workspace, user, x, enqueued, django_capture_on_commit_callbacks):
    with time_machine.travel(datetime(2036, 5, 4, 6, 0, tzinfo=UTC), tick=False):
        job = checked(workspace, user, [row(time="08:30"), row(time="09:30")])  # 06:30 and 07:30 UTC
        assert job.valid_rows == 2
        started(job, user, django_capture_on_commit_callbacks)
    with time_machine.travel(datetime(2036, 5, 4, 7, 0, tzinfo=UTC), tick=False):  # the first is past now
        tasks.run_import(job.pk)
    job.refresh_from_db()
    assert job.created_count == 1 and list(job.errors) == ["2"]
    assert "already past" in job.errors["2"][0]


def test_a_workspace_that_requires_approval_gets_drafts_with_their_times(
        workspace, user, x, enqueued, django_capture_on_commit_callbacks):
    workspace.requires_approval = True
    workspace.save()
    job = started(checked(workspace, user, [row()]), user, django_capture_on_commit_callbacks)
    tasks.run_import(job.pk)
    delivery = Delivery.objects.get()
    assert (delivery.state, delivery.due_at) == (DeliveryState.DRAFT, datetime(2036, 5, 4, 7, 30, tzinfo=UTC))


def test_a_stale_running_import_can_be_resumed(workspace, user, x, enqueued, django_capture_on_commit_callbacks):
    job = started(checked(workspace, user, [row()]), user, django_capture_on_commit_callbacks)
    assert not services.import_can_resume(job)
    later = job.updated_at + services.STALE_AFTER * 2
    assert services.import_can_resume(job, now=later)
    with time_machine.travel(later, tick=False), django_capture_on_commit_callbacks(execute=True):
        services.import_resume(job, user)
    assert enqueued == [job.pk, job.pk]


def test_a_broker_outage_does_not_fail_the_start(workspace, user, x, monkeypatch, django_capture_on_commit_callbacks):
    def down(pk):
        raise ConnectionError("broker down")

    monkeypatch.setattr(tasks.run_import, "delay", down)
    job = started(checked(workspace, user, [row()]), user, django_capture_on_commit_callbacks)
    assert ImportJob.objects.get(pk=job.pk).state == ImportState.RUNNING
