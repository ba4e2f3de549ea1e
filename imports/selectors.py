"""Reads for imports: a workspace's jobs, and what rows are checked against (each one query, workspace-scoped)."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet

from imports.models import ImportedPost, ImportJob
from imports.parsing import display_values, known_columns, parse_upload
from media.models import MediaAsset
from platforms.models import Channel
from platforms.selectors import channels_for_workspace
from scheduler.models import Campaign
from workspaces.models import Workspace


def jobs_for_workspace(workspace: Workspace) -> QuerySet[ImportJob]:
    """The history, newest first, without the stored files (they can be megabytes each)."""
    return (ImportJob.objects.filter(workspace=workspace).defer("content", "errors", "warnings")
            .select_related("created_by").order_by("-created_at", "-pk"))


def job_for_workspace(workspace: Workspace, job_id: int, *, with_file: bool = True) -> ImportJob | None:
    """One job of this workspace, or None: a job id of another workspace reads as missing.

    The progress poll asks every second and needs no file, so it can leave the (megabytes of) file out.
    """
    jobs = ImportJob.objects.filter(workspace=workspace, pk=job_id).select_related("created_by")
    return (jobs if with_file else jobs.defer("content")).first()


def import_channels(workspace: Workspace) -> QuerySet[Channel]:
    return channels_for_workspace(workspace)


def import_campaigns(workspace: Workspace) -> QuerySet[Campaign]:
    return Campaign.objects.filter(workspace=workspace).order_by("pk")


def import_assets(workspace: Workspace, asset_ids: set[int]) -> dict[int, MediaAsset]:
    if not asset_ids:
        return {}
    return {asset.pk: asset for asset in MediaAsset.objects.filter(workspace=workspace, pk__in=asset_ids)}


def imported_posts(job: ImportJob, limit: int = 50) -> list[ImportedPost]:
    """The first posts the import created, with their deliveries' times (two queries)."""
    return list(ImportedPost.objects.filter(job=job, post__isnull=False).select_related("post")
                .prefetch_related("post__deliveries__channel").order_by("row_number")[:limit])


@dataclass(frozen=True)
class ShownRow:
    number: int
    cells: list[tuple[str, str]]  # (column, value) in the order of the table's columns
    errors: list[str]


def job_rows(job: ImportJob, *, errors_only: bool) -> tuple[list[str], list[ShownRow]]:
    """(columns, rows) of the stored file for the result table, each row with its recorded errors.

    The file is read again rather than stored twice: parsing is fast, and the values shown are exactly
    what the import reads.
    """
    parsed = parse_upload(job.filename, bytes(job.content))
    columns = known_columns(parsed)
    rows = []
    for row in parsed.rows:
        if errors_only and str(row.number) not in job.errors:
            continue
        values = display_values(row)
        rows.append(ShownRow(row.number, [(c, values.get(c, "")) for c in columns],
                             job.errors.get(str(row.number), [])))
    return columns, rows
