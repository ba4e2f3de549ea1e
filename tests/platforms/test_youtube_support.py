"""Shared pieces of the YouTube tests (no tests here): an engine-like publish loop."""

from __future__ import annotations

from dataclasses import replace

from platforms.errors import NotReady
from platforms.types import PublishRequest, PublishResult
from platforms.youtube import YouTubeAdapter

MAX_STEPS = 50


class SteppingYouTube(YouTubeAdapter):
    """publish() called again with each NotReady's progress, as the engine's countdown does.

    The contract suite calls publish() once and expects a result; a YouTube upload takes several calls
    by design (session first, then chunks), so this is the engine's loop and nothing more."""

    steps: int = 0

    def publish(self, request: PublishRequest) -> PublishResult:
        for _ in range(MAX_STEPS):
            try:
                return super().publish(request)
            except NotReady as exc:
                self.steps += 1
                request = replace(request, progress=exc.progress)
        raise AssertionError("the upload never finished")
