"""Fixtures for engine tests: the fake adapter, a captured publish outbox and a one-call engine pump."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import pytest
from django.utils import timezone

from scheduler.engine import delivery_publish, dispatch, dispatch_due
from tests.fakes import FakePlatform, install_fake


@pytest.fixture
def fake() -> FakePlatform:
    with install_fake("x", display_name="X") as state:
        yield state


@pytest.fixture
def outbox(monkeypatch) -> list[tuple[int, str]]:
    """Publish messages the dispatcher sent, as (delivery_id, token), instead of going to a broker."""
    sent: list[tuple[int, str]] = []
    monkeypatch.setattr(dispatch, "enqueue_publish", lambda pk, token, check_after_s=0: sent.append((pk, str(token))))
    return sent


@pytest.fixture
def tick(outbox, django_capture_on_commit_callbacks) -> Callable[..., list[tuple[int, str]]]:
    """Run one dispatcher tick (on-commit callbacks executed); returns the messages it sent."""

    def run(now: datetime | None = None) -> list[tuple[int, str]]:
        before = len(outbox)
        with django_capture_on_commit_callbacks(execute=True):
            dispatch_due(now or timezone.now())
        return outbox[before:]

    return run


@pytest.fixture
def pump(tick) -> Callable[..., list[str | None]]:
    """Dispatch what is due and deliver every message once, like a beat tick plus an idle worker."""

    def run(now: datetime | None = None) -> list[str | None]:
        return [delivery_publish(pk, token) for pk, token in tick(now)]

    return run
