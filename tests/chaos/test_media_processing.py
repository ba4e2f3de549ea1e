"""A video X is still processing: the worker never sleeps on it; a short countdown brings the send back.

Real Celery worker, real Redis, the sandbox over HTTP. The dispatcher is driven by hand and ticks once,
so the only thing that can resume the send within the test's time is the countdown message.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from scheduler.models import Attempt, AttemptOutcome, Delivery, DeliveryState
from scheduler.services import post_schedule
from tests.chaos.helpers import assert_proof, make_channel, wait_settled
from tests.factories import PostFactory, WorkspaceFactory
from tests.fileserver import serve_files

pytestmark = [pytest.mark.services, pytest.mark.chaos, pytest.mark.django_db(transaction=True)]

VIDEO = b"\x00\x00\x00\x18ftypmp42" + b"v" * (1024 * 1024 + 300)  # two 1 MiB chunks


@pytest.fixture
def video_url() -> Iterator[str]:
    with serve_files({"/clip.mp4": VIDEO}) as base:
        yield f"{base}/clip.mp4"


def media_calls(sandbox: Any, fragment: str) -> list[dict[str, Any]]:
    return [r for r in sandbox.requests_log(platform="x", limit=500) if fragment in r["url_path"]]


def test_processing_video_resumes_by_countdown_and_posts_once(stack, sandbox, video_url):
    sandbox.set_faults({"x_duplicate_check": False, "x_media_status_polls": 2})
    workspace = WorkspaceFactory()
    channel = make_channel(sandbox, workspace, "video_maker")
    post = PostFactory(workspace=workspace, text="Our launch video",
                       media=[{"url": video_url, "mime_type": "video/mp4", "alt_text": "The launch"}])
    [delivery] = post_schedule(post, [channel], post.created_at, publish_now=True)
    worker = stack.start_worker(concurrency=4)
    dispatcher = stack.start_dispatcher()

    assert dispatcher.dispatch()["result"] == 1
    wait_settled(stack, [delivery.pk], 40)

    assert assert_proof(sandbox, [delivery.pk]) == {DeliveryState.PUBLISHED: 1}
    d = Delivery.objects.get(pk=delivery.pk)
    assert d.progress == {} and d.processing_since is None and d.attempt_count == 1
    outcomes = list(Attempt.objects.filter(delivery=d).order_by("pk").values_list("outcome", flat=True))
    assert outcomes[-1] == AttemptOutcome.PUBLISHED
    assert outcomes[:-1] and set(outcomes[:-1]) == {AttemptOutcome.WAITING}
    # Uploaded once; processing checked until it succeeded; each check came back through a countdown.
    assert len(media_calls(sandbox, "/media/upload/initialize")) == 1
    assert len(media_calls(sandbox, "/append")) == 2
    [created] = sandbox.creates("x")
    assert created["text"] == "Our launch video"
    assert worker.log_text().count("succeeded in") == len(outcomes)
