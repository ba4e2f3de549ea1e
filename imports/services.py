"""Writes for bulk imports: the dry run (check), starting, resuming and running an import.

The dry run stores the file and each row's errors and creates nothing else. The import re-reads the stored
file and goes through it in batches; each batch is one transaction that creates its rows' posts (through
scheduler.services, the same calls the composer makes), writes a per-row marker and advances the job's
cursor. A task delivered twice therefore continues after the last committed batch and never imports a row
twice; the job row is locked per batch, so two copies running at once take turns.

Rows that had errors in the dry run are skipped (the page says so before the import starts). Rows are
checked again when imported, because time has passed: a row whose time is past by then is refused and
listed with the others.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from imports.models import ImportedPost, ImportJob, ImportState
from imports.parsing import Row, parse_upload
from imports.validation import Context, RowPlan, validate_file, validate_row
from platforms.media_probe import ProbeError
from scheduler.models import Delivery, DeliveryState, Post
from scheduler.services import post_schedule, post_set_variants
from workspaces.audit import audit_record
from workspaces.models import Workspace

logger = logging.getLogger(__name__)

BATCH_SIZE = 100  # rows per transaction: short enough that the publisher's writes never wait long
STALE_AFTER = timedelta(seconds=60)  # a running import without progress for this long may be resumed


def import_check(workspace: Workspace, user: Any, filename: str, data: bytes) -> ImportJob:
    """The dry run: read and check every row, keep the file and the findings. Nothing is scheduled.

    Raises parsing.FileError when the file as a whole cannot be imported (nothing is stored then).
    """
    parsed = parse_upload(filename, data)
    results = validate_file(workspace, parsed)
    valid = sum(1 for result in results if result.plan is not None)
    return ImportJob.objects.create(
        workspace=workspace, created_by=user if getattr(user, "is_authenticated", False) else None,
        filename=filename[:255], format=parsed.format, content=data, language=translation.get_language() or "",
        state=ImportState.VALIDATED if valid else ImportState.INVALID, total_rows=len(results), valid_rows=valid,
        errors={str(result.number): result.errors for result in results if result.errors},
        warnings=parsed.warnings,
    )


def import_start(job: ImportJob, user: Any) -> ImportJob:
    """Start importing the valid rows in the background. Starting twice (a double click) is harmless."""
    with transaction.atomic():
        locked = ImportJob.objects.select_for_update().defer("content").get(pk=job.pk)
        if locked.state == ImportState.INVALID:
            raise ValidationError(_("This file has no rows that can be imported."), code="nothing_to_import")
        if locked.state != ImportState.VALIDATED:
            return locked  # already started: a double click, or a stopped import that is resumed instead
        locked.state, locked.started_at = ImportState.RUNNING, timezone.now()
        locked.save(update_fields=["state", "started_at", "updated_at"])
    audit_record(workspace=locked.workspace_id, actor=user, action="import.started", target=locked,
                 details={"rows": locked.total_rows, "valid_rows": locked.valid_rows})
    # Enqueued last, so the worker's first batch never waits on this request's writes.
    transaction.on_commit(lambda: _enqueue(locked.pk))
    return locked


def import_can_resume(job: ImportJob, now: Any = None) -> bool:
    """A stopped import, or one that has not moved for a while (its worker died or its message was lost)."""
    if job.state == ImportState.FAILED:
        return True
    now = now or timezone.now()
    return job.state == ImportState.RUNNING and job.updated_at < now - STALE_AFTER


def import_resume(job: ImportJob, user: Any) -> ImportJob:
    """Send the import to a worker again; it carries on after the last committed batch."""
    with transaction.atomic():
        locked = ImportJob.objects.select_for_update().defer("content").get(pk=job.pk)
        if not import_can_resume(locked):
            return locked
        locked.state, locked.failure = ImportState.RUNNING, ""
        locked.save(update_fields=["state", "failure", "updated_at"])
        transaction.on_commit(lambda: _enqueue(locked.pk))
    return locked


def _enqueue(job_id: int) -> None:
    from imports.tasks import run_import  # imported here: the task module imports this one

    try:
        run_import.delay(job_id)
    except Exception:  # noqa: BLE001 - a broker outage must not fail the page; "Resume" appears after a minute
        logger.warning("Could not enqueue import %s; it can be resumed from its page", job_id, exc_info=True)


def import_run(job_id: int) -> str:
    """Import the job's remaining rows, batch by batch, then mark it done. Safe to run again at any time."""
    job = ImportJob.objects.filter(pk=job_id).first()
    if job is None or job.state != ImportState.RUNNING:
        return "not running"
    with translation.override(job.language or None):
        try:
            rows = parse_upload(job.filename, bytes(job.content)).rows
            while _import_batch(job_id, rows):
                pass
        except Exception as exc:
            _fail(job_id, exc)
            raise
    return _finish(job_id)


def _import_batch(job_id: int, rows: list[Row]) -> bool:
    """Import the next batch in one transaction; True while rows remain."""
    with transaction.atomic():
        job = (ImportJob.objects.select_for_update(of=("self",)).select_related("workspace", "created_by")
               .defer("content").get(pk=job_id))
        if job.state != ImportState.RUNNING or job.processed_rows >= len(rows):
            return False
        batch = rows[job.processed_rows:job.processed_rows + BATCH_SIZE]
        context = Context(job.workspace, batch)
        errors, markers = dict(job.errors), []
        for row in batch:
            if str(row.number) in job.errors:
                continue  # refused by the dry run: the page listed it before the import started
            result = validate_row(context, row)
            if result.plan is None:
                errors[str(row.number)] = result.errors
                continue
            try:
                with transaction.atomic():  # a refused row takes back only its own post
                    post = _create_post(job, result.plan)
            except (ValidationError, ProbeError) as exc:
                errors[str(row.number)] = _messages(exc)
                continue
            markers.append(ImportedPost(job=job, row_number=row.number, post=post))
        ImportedPost.objects.bulk_create(markers)
        job.processed_rows += len(batch)
        job.created_count += len(markers)
        job.errors = errors
        job.save(update_fields=["processed_rows", "created_count", "errors", "updated_at"])
        return job.processed_rows < len(rows)


def _messages(exc: Exception) -> list[str]:
    return exc.messages if isinstance(exc, ValidationError) else [getattr(exc, "message", str(exc))]


def _create_post(job: ImportJob, plan: RowPlan) -> Post:
    post = Post.objects.create(workspace=job.workspace, campaign=plan.campaign, text=plan.text, link=plan.link,
                               media=plan.media, created_by=job.created_by)
    overrides = [{"channel": channel, "text": plan.overrides[channel.platform]}
                 for channel in plan.channels if plan.overrides.get(channel.platform)]
    if overrides:
        post_set_variants(post, overrides)
    if job.workspace.requires_approval:
        _save_drafts(post, plan)
    else:
        post_schedule(post, plan.channels, plan.due_at, actor=job.created_by)
    return post


def _save_drafts(post: Post, plan: RowPlan) -> None:
    """A workspace that requires approval gets drafts with their times set, exactly as the composer saves
    a draft; each is then sent for approval and scheduled from its page."""
    Delivery.objects.bulk_create([
        Delivery(workspace_id=post.workspace_id, post=post, channel=channel, state=DeliveryState.DRAFT,
                 due_at=plan.due_at, scheduled_for=plan.due_at)
        for channel in plan.channels
    ])


def _fail(job_id: int, exc: Exception) -> None:
    logger.exception("Import %s stopped", job_id)
    message = _("An unexpected error stopped the import (%(kind)s). The rows imported so far are kept; "
                "resume to carry on from there.") % {"kind": type(exc).__name__}
    ImportJob.objects.filter(pk=job_id, state=ImportState.RUNNING).update(
        state=ImportState.FAILED, failure=message, updated_at=timezone.now())


def _finish(job_id: int) -> str:
    now = timezone.now()
    finished = ImportJob.objects.filter(pk=job_id, state=ImportState.RUNNING,
                                        processed_rows__gte=F("total_rows")).update(
        state=ImportState.DONE, finished_at=now, updated_at=now)
    if not finished:  # another copy of the task finished it, or it was stopped
        return "not running"
    job = ImportJob.objects.defer("content").get(pk=job_id)
    audit_record(workspace=job.workspace_id, actor=job.created_by, action="import.completed", target=job,
                 details={"rows": job.total_rows, "created": job.created_count,
                          "skipped": job.total_rows - job.created_count})
    return "done"
