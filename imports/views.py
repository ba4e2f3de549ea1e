"""Bulk import pages: upload and dry run, the result table, start/resume, the progress poll, the template.

Admins and marketers only (the people who schedule). A job of another workspace answers 404.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from imports import sample, selectors, services
from imports.models import ImportJob, ImportState
from imports.parsing import FileError, max_bytes, max_rows, megabytes
from scheduler.views_pages import workspace_zone
from workspaces.access import workspace_view
from workspaces.models import Role

EDITORS = (Role.ADMIN, Role.MARKETER)
ROWS_PER_PAGE = 100
HISTORY_PER_PAGE = 20
CHECKED = (ImportState.VALIDATED, ImportState.INVALID)


def _job(request: HttpRequest, job_id: int, *, with_file: bool = False) -> ImportJob:
    job = selectors.job_for_workspace(request.workspace, job_id, with_file=with_file)
    if job is None:
        raise Http404("No such import.")
    return job


def _upload_page(request: HttpRequest, error: str = "", status: int = 200) -> HttpResponse:
    history = Paginator(selectors.jobs_for_workspace(request.workspace), HISTORY_PER_PAGE)
    context = {
        "error": error, "history": history.get_page(request.GET.get("page")),
        "channels": [(channel, sample.channel_reference(channel))
                     for channel in selectors.import_channels(request.workspace)],
        "zone": workspace_zone(request.workspace), "max_rows": max_rows(),
        "max_mb": megabytes(max_bytes()),
    }
    return render(request, "imports/upload.html", context, status=status)


@require_http_methods(["GET", "POST"])
@workspace_view(*EDITORS)
def upload(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":
        return _upload_page(request)
    upload = request.FILES.get("file")
    if upload is None:
        return _upload_page(request, _("Choose a CSV or XLSX file to check."), status=422)
    if upload.size > max_bytes():  # refused before reading it into memory
        return _upload_page(request, _("The file is %(size)s MB; at most %(limit)s MB can be imported at once. "
                                       "Split it into smaller files.") % {
            "size": megabytes(upload.size), "limit": megabytes(max_bytes())}, status=422)
    try:
        job = services.import_check(request.workspace, request.user, upload.name or "import.csv", upload.read())
    except FileError as error:
        return _upload_page(request, error.message, status=422)
    return redirect("imports:job", slug=request.workspace.slug, job_id=job.pk)


@require_GET
@workspace_view(*EDITORS)
def job_detail(request: HttpRequest, job_id: int) -> HttpResponse:
    job = _job(request, job_id, with_file=True)
    errors_only = request.GET.get("show", "errors" if job.errors else "all") == "errors"
    try:
        columns, rows = selectors.job_rows(job, errors_only=errors_only)
    except FileError as error:  # the limits were lowered since the upload
        columns, rows = [], []
        messages.error(request, error.message)
    context = {
        "job": job, "columns": columns, "page": Paginator(rows, ROWS_PER_PAGE).get_page(request.GET.get("page")),
        "errors_only": errors_only, "checked": job.state in CHECKED,
        "requires_approval": request.workspace.requires_approval,
        **_progress_context(request, job),
    }
    return render(request, "imports/job.html", context)


def _progress_context(request: HttpRequest, job: ImportJob) -> dict:
    done = job.state == ImportState.DONE
    return {
        "job": job, "zone": workspace_zone(request.workspace),
        "can_resume": services.import_can_resume(job),
        "posts": selectors.imported_posts(job) if done else [],
        "skipped": max(0, job.total_rows - job.created_count) if done else 0,
    }


@require_GET
@workspace_view(*EDITORS)
def progress(request: HttpRequest, job_id: int) -> HttpResponse:
    """The progress bar, polled every second while the import runs; when it ends, the whole page reloads
    once so the table shows the rows refused during the import too."""
    job = _job(request, job_id)
    response = render(request, "imports/_progress.html", _progress_context(request, job))
    if request.htmx and job.state not in (ImportState.RUNNING, *CHECKED):
        response["HX-Refresh"] = "true"
    patch_vary_headers(response, ["HX-Request"])
    return response


@require_POST
@workspace_view(*EDITORS)
def start(request: HttpRequest, job_id: int) -> HttpResponse:
    job = _job(request, job_id)
    try:
        services.import_start(job, request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect("imports:job", slug=request.workspace.slug, job_id=job.pk)


@require_POST
@workspace_view(*EDITORS)
def resume(request: HttpRequest, job_id: int) -> HttpResponse:
    job = _job(request, job_id)
    services.import_resume(job, request.user)
    return redirect("imports:job", slug=request.workspace.slug, job_id=job.pk)


@require_GET
@workspace_view(*EDITORS)
def template_csv(request: HttpRequest) -> HttpResponse:
    response = HttpResponse(sample.sample_csv(request.workspace), content_type=sample.CSV_TYPE)
    response["Content-Disposition"] = 'attachment; filename="smo-import-template.csv"'
    return response


@require_GET
@workspace_view(*EDITORS)
def template_xlsx(request: HttpRequest) -> HttpResponse:
    response = HttpResponse(sample.sample_xlsx(request.workspace), content_type=sample.XLSX_TYPE)
    response["Content-Disposition"] = 'attachment; filename="smo-import-template.xlsx"'
    return response
