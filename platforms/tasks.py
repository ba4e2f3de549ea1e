"""Celery entry points for channel upkeep. Thin: one service call each, run by beat (settings).

Both jobs are harmless to run twice or concurrently: the token refresh locks each channel row and
re-checks it, and a due-soon warning exists once per (delivery, problem).
"""

from __future__ import annotations

from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from platforms import notices, services


@shared_task(name="platforms.tasks.refresh_expiring_tokens", ignore_result=True)
def refresh_expiring_tokens() -> dict[str, int]:
    margin = timedelta(minutes=int(getattr(settings, "TOKEN_REFRESH_MARGIN_MINUTES", 15)))
    return services.channel_refresh_expiring(margin, timezone.now())


@shared_task(name="platforms.tasks.warn_due_soon", ignore_result=True)
def warn_due_soon() -> int:
    return notices.notices_warn_due_soon(timezone.now())
