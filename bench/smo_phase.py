"""The SMO side of the benchmark: channels, a burst of deliveries, precision deliveries, measurements.

Imported only after ``django.setup()``.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.utils import timezone

from bench.common import percentile
from platforms.models import Channel
from scheduler.models import Delivery, DeliveryState, Post
from scheduler.services import post_schedule
from workspaces.models import Workspace

FAR = timedelta(days=1)


@dataclass
class Drain:
    n: int
    published: int
    states: dict[str, int]
    drain_s: float
    lag_p50_s: float  # due_at -> sending_at: until the send began
    lag_p99_s: float
    claim_lag_p50_s: float  # due_at -> queued_at: until the dispatcher claimed it
    claim_lag_p99_s: float
    timed_out: bool


def make_channels(sandbox: Any, count: int) -> tuple[Workspace, list[Channel]]:
    workspace = Workspace.objects.create(name="Bench", slug="bench")
    channels = []
    for number in range(count):
        username = f"bench_{number:02d}"
        grant = sandbox.mint_token("x", username)
        channels.append(Channel.objects.create(
            workspace=workspace, platform="x", external_id=grant["account_id"], display_name=username,
            handle=username, credentials={"access_token": grant["access_token"],
                                          "refresh_token": grant.get("refresh_token", "")},
        ))
    return workspace, channels


def tokens_of(channels: list[Channel]) -> list[str]:
    return [channel.credentials["access_token"] for channel in channels]


def schedule_burst(workspace: Workspace, channels: list[Channel], n: int, label: str) -> list[int]:
    """n deliveries: n / len(channels) posts, each on every channel, parked a day ahead until armed."""
    parked = timezone.now() + FAR
    ids: list[int] = []
    for number in range(n // len(channels)):
        post = Post.objects.create(workspace=workspace, text=f"Burst post {number} {label}")
        ids += [d.pk for d in post_schedule(post, channels, parked)]
    return ids


def arm(ids: list[int], due: datetime) -> None:
    Delivery.objects.filter(pk__in=ids).update(due_at=due, scheduled_for=due)


def schedule_spread(workspace: Workspace, channels: list[Channel], n: int, start: datetime,
                    span_s: float) -> list[int]:
    """n deliveries due evenly over span_s seconds from start, round-robin over the channels."""
    ids = []
    for number in range(n):
        post = Post.objects.create(workspace=workspace, text=f"Precision post {number}")
        due = start + timedelta(seconds=span_s * number / n)
        ids += [d.pk for d in post_schedule(post, [channels[number % len(channels)]], due)]
    return ids


def wait_published(ids: list[int], timeout: float) -> bool:
    """Poll until every delivery has settled (published or not); False on timeout."""
    deadline = time.monotonic() + timeout
    pending = (DeliveryState.SCHEDULED, DeliveryState.QUEUED, DeliveryState.SENDING,
               DeliveryState.RETRY_WAIT, DeliveryState.UNKNOWN)
    # A primary-key range, not a 2,000-id IN list: the poll must cost the database next to nothing.
    batch = Delivery.objects.filter(pk__gte=min(ids), pk__lte=max(ids))
    while time.monotonic() < deadline:
        if not batch.filter(state__in=pending).exists():
            return True
        time.sleep(0.25)
    return False


def measure(ids: list[int], first_due: datetime, timed_out: bool) -> Drain:
    rows = list(Delivery.objects.filter(pk__in=ids).values_list(
        "state", "due_at", "queued_at", "sending_at", "published_at"))
    states: dict[str, int] = {}
    for state, *_ in rows:
        states[state] = states.get(state, 0) + 1
    done = [row for row in rows if row[0] == DeliveryState.PUBLISHED]
    lags = [(sending - due).total_seconds() for _, due, _, sending, _ in done if sending]
    claims = [(queued - due).total_seconds() for _, due, queued, _, _ in done if queued]
    last = max((row[4] for row in done), default=None)
    return Drain(
        n=len(ids), published=len(done), states=states,
        drain_s=(last - first_due).total_seconds() if last else float("nan"),
        lag_p50_s=percentile(lags, 50), lag_p99_s=percentile(lags, 99),
        claim_lag_p50_s=percentile(claims, 50), claim_lag_p99_s=percentile(claims, 99),
        timed_out=timed_out,
    )
