"""Connecting Instagram with Instagram Login through the channel screens and the sandbox."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from django.urls import reverse

from platforms.instagram import InstagramAdapter
from platforms.models import Channel
from platforms.selectors import channel_ref
from platforms.types import MediaItem, PublishRequest
from tests.platforms.sandbox_browser import sandbox_decide
from workspaces.models import Workspace

pytestmark = pytest.mark.django_db


def url(name: str, **kwargs: Any) -> str:
    return reverse(f"platforms:{name}", kwargs={"slug": "acme", **kwargs})


@pytest.fixture
def ig_sandbox(live_sandbox: Any, settings: Any) -> Iterator[Any]:
    settings.PLATFORM_ORIGINS = live_sandbox.origins()
    settings.INSTAGRAM_APP_ID, settings.INSTAGRAM_APP_SECRET = "smo-ig-app", "smo-ig-secret"
    settings.FACEBOOK_GRAPH_VERSION = "v21.0"
    yield live_sandbox
    live_sandbox.clear_faults()


def test_instagram_login_connects_and_publishes_on_its_own_host(admin_client: Any, ig_sandbox: Any,
                                                                 workspace: Workspace) -> None:
    assert "Connect Instagram" in admin_client.get(url("list")).content.decode()
    start = admin_client.post(url("connect", platform="instagram"))
    dialog = start["Location"]
    assert dialog.startswith(ig_sandbox.base_url + "/facebook/instagram/oauth/authorize?")
    assert "instagram_business_content_publish" in parse_qs(urlsplit(dialog).query)["scope"][0]
    username = f"brand_{uuid.uuid4().hex[:8]}"
    location = urlsplit(sandbox_decide(dialog, username))
    assert location.path == url("callback", platform="instagram")
    done = admin_client.get(f"{location.path}?{location.query}", follow=True)
    assert f"Connected {username}" in done.content.decode() or username in done.content.decode()
    channel = Channel.objects.get(workspace=workspace, platform="instagram")
    assert channel.handle == username and channel.external_id.startswith("17841")
    assert channel.credentials["login"] == "instagram" and channel.token_expires_at is not None
    image = MediaItem(url="https://example.org/ig-login.jpg", mime_type="image/jpeg")
    result = InstagramAdapter().publish(PublishRequest(channel=channel_ref(channel), text="Hello", media=(image,)))
    assert result.permalink.startswith("https://www.instagram.com/p/")
    assert ig_sandbox.creates("instagram", username)[0]["id"] == result.external_id
