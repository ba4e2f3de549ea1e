"""Starting the sandbox: the READY line, the origins map, start-up failures, light imports."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
import requests

from platforms.sandbox import default_platform_origins
from platforms.sandbox.testing import SandboxClient, SandboxError, SandboxProcess

REPO_ROOT = Path(__file__).resolve().parents[2]


def test_ready_line_names_the_bound_port(sandbox):
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+", sandbox.base_url)
    assert requests.get(f"{sandbox.base_url}/_sandbox/health", timeout=5).json() == {"ok": True}


def test_origins_map():
    assert default_platform_origins("http://127.0.0.1:8100/") == {
        "https://api.twitter.com": "http://127.0.0.1:8100/x",
        "https://api.x.com": "http://127.0.0.1:8100/x",
        "https://twitter.com": "http://127.0.0.1:8100/x",
        "https://x.com": "http://127.0.0.1:8100/x",
        "https://upload.twitter.com": "http://127.0.0.1:8100/x-upload",
        "https://graph.facebook.com": "http://127.0.0.1:8100/facebook",
        "https://www.facebook.com": "http://127.0.0.1:8100/facebook",
        "https://www.instagram.com": "http://127.0.0.1:8100/facebook/instagram",
        "https://graph.instagram.com": "http://127.0.0.1:8100/instagram",
        "https://api.instagram.com": "http://127.0.0.1:8100/instagram",
        "https://mastodon.example": "http://127.0.0.1:8100/mastodon",
        "https://bsky.social": "http://127.0.0.1:8100/bluesky",
        "https://api.pinterest.com": "http://127.0.0.1:8100/pinterest",
        "https://www.pinterest.com": "http://127.0.0.1:8100/pinterest",
        "https://pinterest-media-upload.s3-accelerate.amazonaws.com": "http://127.0.0.1:8100/pinterest-upload",
        "https://video.bsky.app": "http://127.0.0.1:8100/bluesky-video",
        "https://open.tiktokapis.com": "http://127.0.0.1:8100/tiktok",
        "https://www.tiktok.com": "http://127.0.0.1:8100/tiktok",
        "https://open-upload.tiktokapis.com": "http://127.0.0.1:8100/tiktok-upload",
        "https://graph.threads.net": "http://127.0.0.1:8100/threads",
        "https://graph.threads.com": "http://127.0.0.1:8100/threads",
        "https://threads.net": "http://127.0.0.1:8100/threads/web",
        "https://www.threads.net": "http://127.0.0.1:8100/threads/web",
        "https://businessapi.snapchat.com": "http://127.0.0.1:8100/snapchat",
        "https://accounts.snapchat.com": "http://127.0.0.1:8100/snapchat-accounts",
        "https://api.linkedin.com": "http://127.0.0.1:8100/linkedin",
        "https://www.linkedin.com": "http://127.0.0.1:8100/linkedin",
        "https://www.googleapis.com": "http://127.0.0.1:8100/youtube",
        "https://oauth2.googleapis.com": "http://127.0.0.1:8100/youtube",
        "https://accounts.google.com": "http://127.0.0.1:8100/youtube",
    }


def test_client_for_a_running_sandbox(sandbox):
    client = SandboxClient(sandbox.base_url)
    client.reset()
    assert client.origins() == sandbox.origins()
    grant = client.mint_token("x", "smo_demo", scopes=["tweet.read", "users.read"], expires_in=60)
    assert grant["expires_in"] == 60 and "refresh_token" not in grant
    assert client.stats() == {"creates": 0, "duplicates": 0, "by_platform": {}}


def test_start_failure_reports_the_sandbox_stderr(sandbox):
    busy_port = int(sandbox.base_url.rsplit(":", 1)[1])
    with pytest.raises(SandboxError) as failed:
        SandboxProcess(port=busy_port, startup_timeout=10).start()
    message = str(failed.value)
    assert "sandbox stderr" in message and ("address already in use" in message.lower() or "errno" in message.lower())


def test_package_import_stays_light():
    """Django settings import default_platform_origins: that must not pull in aiohttp."""
    code = "import sys, platforms.sandbox; assert 'aiohttp' not in sys.modules, 'aiohttp imported'"
    result = subprocess.run([sys.executable, "-c", code], cwd=REPO_ROOT, capture_output=True, text=True,
                            timeout=30, check=False)
    assert result.returncode == 0, result.stderr
