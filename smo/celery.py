"""The Celery application. Configuration lives in Django settings under the CELERY_ prefix."""

import os

from celery import Celery
from celery.signals import task_prerun
from django.db import close_old_connections

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "smo.settings")

app = Celery("smo")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@task_prerun.connect
def _reuse_healthy_connections(**_: object) -> None:
    """Request-style connection handling for tasks: drop a connection that is too old or broken.

    Runs in the thread that executes the task, so with the threads pool each thread keeps its own.
    """
    close_old_connections()
