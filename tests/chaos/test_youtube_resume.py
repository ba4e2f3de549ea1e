"""A YouTube upload survives a worker killed with SIGKILL in the middle of a chunk.

Real Celery worker, real Redis, the sandbox over HTTP. Every upload PUT is slowed down by the sandbox so
the kill lands while the second chunk is on the wire. The lease turns the delivery `unknown`; the
reconciler finds no video yet, and because the YouTube adapter `resumes_uploads` and the session URI is
in `Delivery.progress`, it queues the delivery again instead of failing it. The next worker asks the
session where it stopped and sends only what is missing: one video, byte 0 sent once.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import requests

from scheduler.models import Delivery, DeliveryState
from scheduler.services import post_schedule
from tests.chaos.helpers import wait_settled
from tests.factories import ChannelFactory, PostFactory, VariantFactory, WorkspaceFactory
from tests.fileserver import serve_files

pytestmark = [pytest.mark.services, pytest.mark.chaos, pytest.mark.django_db(transaction=True)]

CHUNK = 8 * 1024 * 1024  # the adapter's default chunk: the worker runs with default settings
VIDEO = b"\x00\x00\x00\x18ftypmp42" + b"v" * (2 * CHUNK + 4096)  # three chunks
PUT_LATENCY_MS = 1500  # under the stack's 2 s read timeout: slow, never timed out


@pytest.fixture
def video_url() -> Iterator[str]:
    with serve_files({"/clip.mp4": VIDEO}) as base:
        yield f"{base}/clip.mp4"


def upload_puts(sandbox: Any) -> list[dict[str, Any]]:
    log = sandbox.requests_log(limit=500, platform="youtube")
    return [r for r in log if r["method"] == "PUT" and r["path"] == "/upload/youtube/v3/videos"]


def sessions(sandbox: Any) -> list[dict[str, Any]]:
    return requests.get(f"{sandbox.base_url}/youtube/_uploads", timeout=10).json()["sessions"]


def test_worker_killed_mid_chunk_resumes_the_same_upload(stack: Any, sandbox: Any, video_url: str) -> None:
    sandbox.set_faults({"rules": [{"platform": "youtube", "match": "PUT /upload/youtube/v3/videos",
                                   "latency_ms": PUT_LATENCY_MS}]})
    grant = sandbox.mint_token("youtube", "smo_demo_yt")
    workspace = WorkspaceFactory()
    channel = ChannelFactory(workspace=workspace, platform="youtube", external_id=grant["account_id"],
                             handle="smo_demo_yt", credentials={"access_token": grant["access_token"],
                                                                "refresh_token": grant["refresh_token"]})
    post = PostFactory(workspace=workspace, text="Crash-proof launch video",
                       media=[{"url": video_url, "mime_type": "video/mp4"}])
    VariantFactory(post=post, channel=channel, options={"title": "Launch"})
    [delivery] = post_schedule(post, [channel], post.created_at, publish_now=True)

    doomed = stack.start_worker(concurrency=2)
    stack.start_dispatcher(loop=True)
    # PUTs go probe, chunk, probe, chunk, ...: the fourth is the second chunk. Kill while it is in flight.
    stack.wait_until(lambda: len(upload_puts(sandbox)) >= 4 and upload_puts(sandbox)[3]["status"] is None, 60,
                     interval=0.05, what="the second chunk to be on the wire")
    stack.kill_worker(doomed)
    killed_at = Delivery.objects.get(pk=delivery.pk)
    assert killed_at.state == DeliveryState.SENDING and killed_at.progress["upload_url"]
    assert killed_at.progress["offset"] == CHUNK  # the first chunk's answer was stored
    assert sandbox.creates("youtube") == []

    stack.start_worker(concurrency=2)
    wait_settled(stack, [delivery.pk], 90)

    final = Delivery.objects.get(pk=delivery.pk)
    assert final.state == DeliveryState.PUBLISHED, final.error_message
    [video] = sandbox.creates("youtube")
    assert final.external_id == video["id"] and final.progress == {}
    [session] = sessions(sandbox)  # one session: the upload was resumed, never started over
    assert session["received"] == len(VIDEO) and session["video_id"] == video["id"]
    chunks = [e["start"] for e in session["events"] if e["kind"] == "chunk"]
    assert chunks.count(0) == 1 and chunks == sorted(set(chunks)), chunks  # byte 0 arrived once, no rewind
    probes_after_kill = [e for e in session["events"] if e["kind"] == "probe" and e["received"] >= CHUNK]
    assert probes_after_kill, "the resumed worker asked the session where it stood"
