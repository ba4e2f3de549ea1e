"""Celery entry point for bulk imports. Thin: a primary key in, one service call.

acks_late: a worker that dies mid-import leaves the message to be delivered again; the job's cursor,
advanced in the same transaction as each batch's posts, makes the second run carry on, not start over.
"""

from __future__ import annotations

from celery import shared_task

from imports import services


@shared_task(name="imports.tasks.run_import", acks_late=True, ignore_result=True)
def run_import(job_id: int) -> str:
    return services.import_run(int(job_id))
