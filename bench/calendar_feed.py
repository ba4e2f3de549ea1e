"""The calendar's month feed in the web benchmark (bench/web.py): the posts it seeds and the request it sends.

The largest size is spread over ~13 months, so 10,000 posts make about 800 a month and the month on screen
(fully in the future, its 6-week grid as FullCalendar asks for it) holds ~1,080 of them; smaller sizes are an
even sample of the same spread (1,000 posts: ~80 a month). Run alone, this measures only the feed:

    .venv/bin/python bench/calendar_feed.py [bench/web.py's options]
"""

from __future__ import annotations

import random
import sys
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

TARGET_P95_MS = 150.0
POSTS_PER_MONTH = 800  # at the largest size
SPAN_DAYS = 10_000 / (POSTS_PER_MONTH / 31)  # the days 10,000 posts cover at that density
LEAD_DAYS = 120  # the span starts this long before the month on screen


@dataclass(frozen=True)
class Calendar:
    """What the feed requests need: the month on screen and the range the grid asks for."""

    month: date
    params: dict[str, str]


def month_grid(first: date) -> dict[str, str]:
    """The range FullCalendar's month view asks for: 6 weeks from the Sunday on or before the 1st."""
    start = first - timedelta(days=(first.weekday() + 1) % 7)
    return {"start": f"{start.isoformat()}T00:00:00", "end": f"{(start + timedelta(days=42)).isoformat()}T00:00:00"}


def calendar_for(today: date) -> Calendar:
    shown = (today.replace(day=1) + timedelta(days=62)).replace(day=1)  # a month fully in the future
    return Calendar(month=shown, params=month_grid(shown))


def due_times(calendar: Calendar, largest: int) -> list[datetime]:
    """`largest` due times spread evenly over the span, in a fixed random order: any first n of them are an
    even spread too, so growing the database from one size to the next keeps every month's density even."""
    first_due = datetime(calendar.month.year, calendar.month.month, 1, 6, tzinfo=UTC) - timedelta(days=LEAD_DAYS)
    per_day = largest / SPAN_DAYS
    slots = [first_due + timedelta(days=i / per_day) for i in range(largest)]
    random.Random(0).shuffle(slots)
    return slots


def add_posts(workspace: Any, channels: list[Any], due: list[datetime]) -> None:
    """Posts with one delivery each, round-robin over the channels; past ones published, future ones scheduled."""
    from scheduler.models import Delivery, DeliveryState, Post

    now = datetime.now(UTC)
    for offset in range(0, len(due), 2_000):
        chunk = due[offset:offset + 2_000]
        posts = Post.objects.bulk_create([
            Post(workspace=workspace, text=f"Post {offset + i}: summer sale, new arrivals and a link " * 3)
            for i in range(len(chunk))
        ])
        Delivery.objects.bulk_create([
            Delivery(workspace=workspace, post=post, channel=channels[(offset + i) % len(channels)], due_at=when,
                     scheduled_for=when, state=DeliveryState.SCHEDULED if when > now else DeliveryState.PUBLISHED)
            for i, (post, when) in enumerate(zip(posts, chunk, strict=True))
        ])


def feed_request(slug: str, calendar: Calendar) -> tuple[str, str, dict[str, str]]:
    """(method, path, query) of one feed request for the month on screen."""
    from django.urls import reverse

    return "GET", reverse("calendar:feed", kwargs={"slug": slug}), calendar.params


def main() -> None:
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from bench import web

    sys.exit(web.main(["--only", "feed", *sys.argv[1:]]))


if __name__ == "__main__":
    main()
