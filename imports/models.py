"""A bulk import: the uploaded file, its dry-run verdict per row, and the progress of the import itself."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from scheduler.models import Post
from workspaces.models import Workspace


class ImportFormat(models.TextChoices):
    CSV = "csv", "CSV"
    XLSX = "xlsx", "XLSX"


class ImportState(models.TextChoices):
    VALIDATED = "validated", _("Checked, ready to import")
    INVALID = "invalid", _("Nothing to import")
    RUNNING = "running", _("Importing")
    DONE = "done", _("Done")
    FAILED = "failed", _("Stopped")


class ImportJob(models.Model):
    """One uploaded file. The file is kept as uploaded, so the import re-reads exactly what the dry run saw.

    `processed_rows` is the import's cursor: the number of data rows (in file order) already handled. It
    advances in the same transaction as the posts of its batch, which is what makes a re-delivered task
    carry on where the last one committed instead of importing rows twice.
    """

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="import_jobs")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True)
    filename = models.CharField(_("file name"), max_length=255)
    format = models.CharField(_("format"), max_length=8, choices=ImportFormat.choices)
    content = models.BinaryField(_("file"))
    # Messages written by the background import use the language the uploader saw the dry run in.
    language = models.CharField(_("language"), max_length=8, blank=True)
    state = models.CharField(_("state"), max_length=12, choices=ImportState.choices, default=ImportState.VALIDATED)
    total_rows = models.PositiveIntegerField(_("rows"), default=0)
    valid_rows = models.PositiveIntegerField(_("valid rows"), default=0)
    processed_rows = models.PositiveIntegerField(_("processed rows"), default=0)
    created_count = models.PositiveIntegerField(_("posts created"), default=0)
    # {"<row number>": ["message", …]}: the dry run's findings, plus rows refused when the import ran.
    errors = models.JSONField(_("errors"), default=dict, blank=True)
    # File-wide notes that do not block anything (encoding fallback, ignored columns).
    warnings = models.JSONField(_("warnings"), default=list, blank=True)
    failure = models.TextField(_("why it stopped"), blank=True)
    created_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["workspace", "-created_at"], name="import_job_ws_created")]

    def __str__(self) -> str:
        return self.filename

    @property
    def percent(self) -> int:
        return 100 if not self.total_rows else min(100, self.processed_rows * 100 // self.total_rows)

    @property
    def error_rows(self) -> int:
        return len(self.errors)


class ImportedPost(models.Model):
    """The per-row marker: row `row_number` of `job` became `post`. Unique, so no row is imported twice."""

    job = models.ForeignKey(ImportJob, on_delete=models.CASCADE, related_name="imported")
    row_number = models.PositiveIntegerField()
    post = models.ForeignKey(Post, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["job", "row_number"], name="imported_row_once")]
        ordering = ["job", "row_number"]

    def __str__(self) -> str:
        return f"row {self.row_number} of import {self.job_id}"
