"""The import pages: upload and dry run, start, progress, templates, roles and workspace isolation."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from imports import tasks
from imports.models import ImportJob, ImportState
from scheduler.models import Post
from tests.imports.conftest import csv_bytes, row
from tests.imports.test_parsing import xlsx_bytes
from workspaces.models import Role

pytestmark = pytest.mark.django_db


def url(name: str, workspace, **kwargs) -> str:
    return reverse(f"imports:{name}", kwargs={"slug": workspace.slug, **kwargs})


def upload(client, workspace, data: bytes, name: str = "posts.csv"):
    return client.post(url("upload", workspace), {"file": SimpleUploadedFile(name, data)})


@pytest.fixture
def enqueued(monkeypatch) -> list[int]:
    sent: list[int] = []
    monkeypatch.setattr(tasks.run_import, "delay", lambda pk: sent.append(pk))
    return sent


def test_upload_page_lists_channels_columns_and_history(marketer, workspace, x):
    ImportJob.objects.create(workspace=workspace, filename="old <b>file</b>.csv", format="csv", content=b"",
                             total_rows=3)
    response = marketer.get(url("upload", workspace))
    assert response.status_code == 200
    html = response.content.decode()
    assert "x:Acme on X" in html and f"#{x.pk}" in html
    assert "old &lt;b&gt;file&lt;/b&gt;.csv" in html
    assert url("template_csv", workspace) in html and url("template_xlsx", workspace) in html


def test_dry_run_page_shows_each_rows_errors_and_the_summary(marketer, workspace, x):
    response = upload(marketer, workspace, csv_bytes([row(), row(channels="<script>nope</script>"), row()]))
    job = ImportJob.objects.get()
    assert response.status_code == 302 and response["Location"] == url("job", workspace, job_id=job.pk)
    page = marketer.get(response["Location"]).content.decode()
    assert "2 rows ok" in page and "1 with errors" in page
    assert "Import the 2 valid rows" in page
    assert 'data-row="3" class="table-danger"' in page
    assert "Unknown channel “&lt;script&gt;nope&lt;/script&gt;”" in page and "<script>nope" not in page
    assert 'data-row="2"' not in page  # the errors tab is the default while there are errors
    assert 'data-row="2"' in marketer.get(url("job", workspace, job_id=job.pk) + "?show=all").content.decode()
    assert not Post.objects.exists()


def test_a_file_level_problem_keeps_the_form_and_stores_nothing(marketer, workspace, x):
    response = upload(marketer, workspace, b"date,text\n2036-05-04,hi\n")
    assert response.status_code == 422
    assert "The header row lacks the columns channels, time." in response.content.decode()
    response = marketer.post(url("upload", workspace), {})
    assert response.status_code == 422 and "Choose a CSV or XLSX file" in response.content.decode()
    assert not ImportJob.objects.exists()


def test_too_big_is_refused_before_reading(marketer, workspace, x, settings):
    settings.IMPORT_MAX_BYTES = 50
    response = upload(marketer, workspace, csv_bytes([row()] * 3))
    assert response.status_code == 422
    assert "at most 0 MB can be imported at once" in response.content.decode()  # 50 bytes, rounded


def test_start_then_progress_then_done(marketer, workspace, x, enqueued, django_capture_on_commit_callbacks):
    upload(marketer, workspace, csv_bytes([row(), row(channels="nope")]))
    job = ImportJob.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        response = marketer.post(url("start", workspace, job_id=job.pk))
    assert response.status_code == 302 and enqueued == [job.pk]
    page = marketer.get(url("job", workspace, job_id=job.pk)).content.decode()
    assert 'hx-trigger="every 1s"' in page and "0 of 2 rows processed" in page

    polled = marketer.get(url("progress", workspace, job_id=job.pk), headers={"HX-Request": "true"})
    assert "HX-Refresh" not in polled and 'hx-trigger="every 1s"' in polled.content.decode()
    tasks.run_import(job.pk)
    polled = marketer.get(url("progress", workspace, job_id=job.pk), headers={"HX-Request": "true"})
    assert polled["HX-Refresh"] == "true"  # the page reloads once to show the final table
    page = marketer.get(url("job", workspace, job_id=job.pk)).content.decode()
    assert "every 1s" not in page and "100%" in page
    assert "Import finished: 1 post created, 1 row skipped (listed below)" in page
    post = Post.objects.get()
    assert reverse("scheduler:post", kwargs={"slug": workspace.slug, "post_id": post.pk}) in page
    assert 'data-state="scheduled"' in page


def test_a_failed_import_offers_resume(marketer, workspace, x, enqueued, django_capture_on_commit_callbacks):
    upload(marketer, workspace, csv_bytes([row()]))
    job = ImportJob.objects.get()
    ImportJob.objects.filter(pk=job.pk).update(state=ImportState.FAILED, failure="It broke.")
    page = marketer.get(url("job", workspace, job_id=job.pk)).content.decode()
    assert "It broke." in page and url("resume", workspace, job_id=job.pk) in page
    with django_capture_on_commit_callbacks(execute=True):
        marketer.post(url("resume", workspace, job_id=job.pk))
    assert enqueued == [job.pk] and ImportJob.objects.get().state == ImportState.RUNNING


def test_starting_an_invalid_file_says_why(marketer, workspace, x, enqueued):
    upload(marketer, workspace, csv_bytes([row(channels="nope")]))
    job = ImportJob.objects.get()
    response = marketer.post(url("start", workspace, job_id=job.pk), follow=True)
    assert "This file has no rows that can be imported." in response.content.decode()
    assert enqueued == []


def test_xlsx_upload_end_to_end(marketer, workspace, x, enqueued):
    from datetime import date, time

    data = xlsx_bytes([[date(2036, 5, 4), time(9, 30), "x:Acme on X", "From Excel", None, None, None]])
    upload(marketer, workspace, data, name="posts.xlsx")
    job = ImportJob.objects.get()
    assert (job.format, job.valid_rows) == ("xlsx", 1)
    marketer.post(url("start", workspace, job_id=job.pk))
    tasks.run_import(job.pk)
    assert Post.objects.get().text == "From Excel"


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_the_template_passes_its_own_dry_run(marketer, workspace, x, fb, campaign, kind):
    response = marketer.get(url(f"template_{kind}", workspace))
    assert response.status_code == 200
    assert f'filename="smo-import-template.{kind}"' in response["Content-Disposition"]
    data = response.content
    if kind == "csv":
        assert data.startswith(b"\xef\xbb\xbf")
        assert data.decode("utf-8-sig").splitlines()[0] == (
            "date,time,channels,text,link,media,campaign,text_facebook,text_x")
    else:
        sheet = load_workbook(io.BytesIO(data)).active
        assert [c.value for c in sheet[1]][:4] == ["date", "time", "channels", "text"] and sheet.max_row == 3
    upload(marketer, workspace, data, name=f"template.{kind}")
    job = ImportJob.objects.get()
    assert (job.total_rows, job.valid_rows, job.errors) == (2, 2, {})


@pytest.mark.parametrize("role", [Role.COMMUNITY_MANAGER, Role.VIEWER, Role.APPROVER])
def test_only_admins_and_marketers_import(make_client, workspace, x, role):
    job = ImportJob.objects.create(workspace=workspace, filename="a.csv", format="csv", content=b"")
    client = make_client(role)
    assert client.get(url("upload", workspace)).status_code == 403
    assert client.get(url("job", workspace, job_id=job.pk)).status_code == 403
    assert upload(client, workspace, csv_bytes([row()])).status_code == 403
    assert make_client(Role.ADMIN).get(url("upload", workspace)).status_code == 200


def test_another_workspaces_imports_are_404(outsider, workspace, x, enqueued):
    job = ImportJob.objects.create(workspace=workspace, filename="a.csv", format="csv", content=csv_bytes([row()]),
                                   valid_rows=1, total_rows=1)
    other = {"slug": "other"}
    for name in ("job", "progress"):
        assert outsider.get(reverse(f"imports:{name}", kwargs={**other, "job_id": job.pk})).status_code == 404
    for name in ("start", "resume"):
        assert outsider.post(reverse(f"imports:{name}", kwargs={**other, "job_id": job.pk})).status_code == 404
    assert outsider.get(url("upload", workspace)).status_code == 404  # not a member of this workspace
    assert outsider.get(url("template_csv", workspace)).status_code == 404
    assert enqueued == [] and ImportJob.objects.get().state == ImportState.VALIDATED


def test_history_of_another_workspace_is_not_shown(outsider, workspace):
    ImportJob.objects.create(workspace=workspace, filename="secret-plan.csv", format="csv", content=b"")
    page = outsider.get(reverse("imports:upload", kwargs={"slug": "other"})).content.decode()
    assert "secret-plan.csv" not in page and "No imports yet." in page
