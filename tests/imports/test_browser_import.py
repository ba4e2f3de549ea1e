"""Chromium: bulk import with a bad row. The dry run shows that row's error, the good rows are imported in
the background (a worker thread standing in for Celery), the progress bar reaches 100% and the posts are
scheduled at the file's wall-clock times in Berlin."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from imports import services, tasks
from scheduler.models import Delivery, DeliveryState, Post
from tests.factories import PASSWORD, MemberFactory
from tests.imports.conftest import csv_bytes, row
from workspaces.models import Role

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def worker(monkeypatch: pytest.MonkeyPatch) -> Any:
    """`run_import.delay` starts the task in a thread, one row per batch with a pause, so the page sees it move.

    The test database is SQLite's shared-cache in-memory database, where a reader fails at once ("table is
    locked") while another connection writes. So each batch and each request of the live server take one
    lock in turn: the import still runs beside the browser's polling, interleaved batch by request.
    """
    from django.core.handlers.wsgi import WSGIHandler
    from django.db import connections

    turn = threading.Lock()
    threads: list[threading.Thread] = []
    real_batch, real_finish, real_call = services._import_batch, services._finish, WSGIHandler.__call__

    def slow_batch(job_id: int, rows: list) -> bool:
        with turn:
            more = real_batch(job_id, rows)
        time.sleep(0.4)
        return more

    def finish(job_id: int) -> str:
        with turn:
            return real_finish(job_id)

    def one_request_at_a_time(self: Any, environ: Any, start_response: Any) -> Any:
        with turn:
            return real_call(self, environ, start_response)

    def run(job_id: int) -> None:
        try:
            tasks.run_import(job_id)
        finally:
            connections.close_all()

    def delay(job_id: int) -> None:
        thread = threading.Thread(target=run, args=(job_id,), daemon=True)
        threads.append(thread)
        thread.start()

    monkeypatch.setattr(services, "BATCH_SIZE", 1)
    monkeypatch.setattr(services, "_import_batch", slow_batch)
    monkeypatch.setattr(services, "_finish", finish)
    monkeypatch.setattr(WSGIHandler, "__call__", one_request_at_a_time)
    monkeypatch.setattr(tasks.run_import, "delay", delay)
    yield threads
    for thread in threads:
        thread.join(timeout=30)


def test_bulk_import_with_a_bad_row(page: Any, live_server: Any, workspace: Any, x: Any, fb: Any, worker: Any,
                                    tmp_path: Path) -> None:
    from playwright.sync_api import expect

    user = MemberFactory(workspace=workspace, role=Role.MARKETER).user
    upload = tmp_path / "spring.csv"
    upload.write_bytes(csv_bytes([
        row(text="Spring sale starts today 🌷", channels="x:Acme on X, Acme Page", date="2036-05-04", time="09:30"),
        row(text="Doors open at ten", channels="Acme Page", date="2036-05-05", time="10:00"),
        row(text="<b>Too</b> long " * 25, channels="x:acme", date="2036-05-06", time="11:00"),
        row(text="Last day of the sale", channels=str(x.pk), date="2036-12-01", time="18:45"),
    ], delimiter=";"))

    page.goto(f"{live_server.url}/w/acme/import/")
    page.get_by_label("Username").fill(user.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/w/acme/import/")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "import-upload.png"), full_page=True)

    page.get_by_label("File", exact=True).set_input_files(str(upload))
    page.get_by_role("button", name="Check the file").click()
    page.wait_for_url("**/w/acme/import/*/")
    expect(page.locator("[data-summary]")).to_contain_text("3 rows ok, 1 with errors")
    bad = page.locator('tr[data-row="4"]')
    expect(bad).to_have_class("table-danger")
    expect(bad.locator("[data-errors]")).to_have_text(
        "Too long for Acme on X: 399 of 280 characters, counted the way X counts them.")
    expect(bad).to_contain_text("<b>Too</b> long")  # shown as text, never as markup
    assert not Post.objects.exists()  # the dry run scheduled nothing
    page.screenshot(path=str(ARTIFACTS / "import-dry-run.png"), full_page=True)

    page.get_by_role("button", name="Import the 3 valid rows").click()
    bar = page.get_by_role("progressbar", name="Import progress")
    expect(bar).to_be_visible()
    expect(page.locator("[data-result]")).to_contain_text("Import finished: 3 posts created, 1 row skipped",
                                                          timeout=20_000)
    expect(page.get_by_role("progressbar", name="Import progress")).to_have_attribute("aria-valuenow", "100")
    expect(page.locator('#imported-posts [data-state="scheduled"]')).to_have_count(4)  # 3 posts, 4 deliveries
    expect(page.locator('tr[data-row="4"]')).to_contain_text("Too long for Acme on X")
    page.screenshot(path=str(ARTIFACTS / "import-done.png"), full_page=True)

    deliveries = Delivery.objects.select_related("post", "channel")
    due = sorted((d.post.text, d.channel.platform, d.due_at) for d in deliveries)
    assert due == [
        ("Doors open at ten", "facebook", datetime(2036, 5, 5, 8, 0, tzinfo=UTC)),
        ("Last day of the sale", "x", datetime(2036, 12, 1, 17, 45, tzinfo=UTC)),  # CET in December
        ("Spring sale starts today 🌷", "facebook", datetime(2036, 5, 4, 7, 30, tzinfo=UTC)),
        ("Spring sale starts today 🌷", "x", datetime(2036, 5, 4, 7, 30, tzinfo=UTC)),
    ]
    assert set(Delivery.objects.values_list("state", flat=True)) == {DeliveryState.SCHEDULED}
