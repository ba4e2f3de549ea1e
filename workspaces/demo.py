"""The demo data `make run` seeds: a user, a workspace, a sandbox X channel and a few scheduled posts.

Only for the embedded development setup (DEBUG on, the default SQLite file): a well-known password
must never reach a real database. The channel gets its sandbox token later (`link_demo_channel`),
once the sandbox process is up, because the sandbox keeps its accounts in memory.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import requests
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from platforms.models import Channel, Health
from platforms.sandbox.testing import SandboxClient, SandboxError
from scheduler.models import Post
from scheduler.services import deliveries_resume_for_channel, post_schedule
from workspaces.models import Member, Role, Workspace

DEMO_USERNAME = "demo"
DEMO_PASSWORD = "demo"
DEMO_SLUG = "demo"
DEMO_ACCOUNT = "smo_demo"
DEMO_SCOPES = ["tweet.read", "tweet.write", "users.read", "offline.access"]
DEMO_POSTS = [
    (2, "Hello from SMO 👋 This post was scheduled by the demo seed and published through the sandbox."),
    (5, "Tip: the deliveries page refreshes itself, so you can watch this one go from scheduled to published."),
    (60, "One hour later: planning a week of posts takes minutes when the database is the schedule."),
    (24 * 60, "Tomorrow's post, in the workspace's own time zone. #scheduling #demo"),
]


@dataclass(frozen=True)
class SeedResult:
    workspace: Workspace
    channel: Channel
    created_posts: int


def refusal() -> str | None:
    """Why seeding is not allowed here, or None when it is."""
    if not settings.DEBUG:
        return "seed_demo only runs with DEBUG=true: it creates a user with a well-known password."
    embedded = f"sqlite:///{settings.VAR_DIR / 'db.sqlite3'}"
    if embedded != settings.DATABASE_URL:
        # The URL itself is not echoed: it may carry a password.
        return f"seed_demo only runs on the embedded SQLite database ({embedded}); DATABASE_URL points elsewhere."
    return None


@transaction.atomic
def seed_demo() -> SeedResult:
    """Create the demo data; running it again changes nothing that exists (idempotent)."""
    user, created = get_user_model().objects.get_or_create(
        username=DEMO_USERNAME, defaults={"is_staff": True, "is_superuser": True}
    )
    if created:
        user.set_password(DEMO_PASSWORD)
        user.save(update_fields=["password"])
    workspace, _ = Workspace.objects.get_or_create(
        slug=DEMO_SLUG, defaults={"name": "Demo Brand", "time_zone": "Europe/Berlin"}
    )
    Member.objects.get_or_create(workspace=workspace, user=user, defaults={"role": Role.ADMIN})
    channel = Channel.objects.filter(workspace=workspace, platform="x").first()
    if channel is None:
        channel = Channel.objects.create(
            workspace=workspace,
            platform="x",
            external_id=DEMO_ACCOUNT,
            display_name="SMO Demo",
            handle=f"@{DEMO_ACCOUNT}",
            credentials={},
            health=Health.NEEDS_RECONNECT,
            last_error="Waiting for the sandbox to issue a token (manage.py sandbox_demo_link).",
        )
    created_posts = 0 if workspace.posts.exists() else _create_posts(workspace, channel, user)
    return SeedResult(workspace=workspace, channel=channel, created_posts=created_posts)


def _create_posts(workspace: Workspace, channel: Channel, user: Any) -> int:
    now = timezone.now()
    for minutes, text in DEMO_POSTS:
        post = Post.objects.create(workspace=workspace, text=text, created_by=user)
        post_schedule(post, [channel], now + timedelta(minutes=minutes), actor=user)
    return len(DEMO_POSTS)


def mint_sandbox_token(sandbox_url: str, timeout: float = 60.0) -> dict[str, Any]:
    """Ask the sandbox's control API for demo tokens, retrying until it answers or `timeout` passes."""
    client = SandboxClient(sandbox_url, timeout=5)
    deadline = time.monotonic() + timeout
    try:
        while True:
            try:
                return client.mint_token("x", DEMO_ACCOUNT, DEMO_SCOPES)
            except (SandboxError, requests.RequestException, ValueError) as exc:
                if time.monotonic() >= deadline:
                    raise RuntimeError(f"the sandbox at {sandbox_url} did not issue a token: {exc}") from exc
                time.sleep(0.5)
    finally:
        client.session.close()


def link_demo_channel(sandbox_url: str, timeout: float = 60.0) -> Channel | None:
    """Give the demo channel fresh sandbox credentials; None when there is no demo channel."""
    channel = Channel.objects.filter(workspace__slug=DEMO_SLUG, platform="x").first()
    if channel is None:
        return None
    token = mint_sandbox_token(sandbox_url, timeout)
    channel.credentials = {"access_token": token["access_token"], "refresh_token": token.get("refresh_token", "")}
    expires_in = token.get("expires_in")
    channel.token_expires_at = timezone.now() + timedelta(seconds=int(expires_in)) if expires_in else None
    channel.external_id = str(token.get("account_id") or channel.external_id)
    channel.scopes = list(DEMO_SCOPES)
    channel.health = Health.OK
    channel.last_error = ""
    channel.paused_until = None
    channel.save()
    deliveries_resume_for_channel(channel)  # anything that failed for want of a token goes out now
    return channel
