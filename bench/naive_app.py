"""The naive design the benchmark compares against: one Celery task per post, held by the broker with
an ETA until its due time, run on the default prefork pool, posting straight to the platform.

    NAIVE_BROKER_URL=redis://127.0.0.1:6379/11 celery -A bench.naive_app worker -Q naive -c 2
"""

from __future__ import annotations

import os

import requests
from celery import Celery

app = Celery("naive", broker=os.environ.get("NAIVE_BROKER_URL", "redis://127.0.0.1:6379/11"))
app.conf.update(
    task_serializer="json", accept_content=["json"], task_ignore_result=True, task_default_queue="naive",
    broker_connection_retry_on_startup=True, worker_hijack_root_logger=True,
)


@app.task(name="naive.publish")
def publish(base_url: str, token: str, text: str) -> None:
    response = requests.post(f"{base_url}/x/2/tweets", json={"text": text},
                             headers={"Authorization": f"Bearer {token}"}, timeout=30)
    response.raise_for_status()
