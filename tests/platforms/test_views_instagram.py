"""Instagram accounts connected through Facebook's Page picker: the Page's linked account, its token."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from platforms.instagram import InstagramAdapter
from platforms.models import Channel
from platforms.selectors import channel_ref
from platforms.types import MediaItem, PublishRequest
from tests.platforms.test_views_facebook import fb_sandbox, pick_id, sign_in, url  # noqa: F401 - fixture
from workspaces.models import Workspace

pytestmark = pytest.mark.django_db
IG_ID, PAGE_ID = "17841400000000001", "102000000000001"


def test_picker_connects_the_linked_instagram_account(admin_client: Any, fb_sandbox: Any,  # noqa: F811
                                                      workspace: Workspace) -> None:
    picker = sign_in(admin_client, fb_sandbox, "sandbox_admin")
    assert "Also connect its Instagram account @smo_demo_ig" in picker.content.decode()
    response = admin_client.post(url("pick", pick_id=pick_id(picker)), {"instagram": [PAGE_ID]}, follow=True)
    assert "Connected 1 Instagram account(s): @smo_demo_ig." in response.content.decode()
    assert not Channel.objects.filter(workspace=workspace, platform="facebook").exists()
    channel = Channel.objects.get(workspace=workspace, platform="instagram")
    assert (channel.external_id, channel.handle) == (IG_ID, "smo_demo_ig")
    ref = channel_ref(channel)
    assert InstagramAdapter().verify(ref).external_id == IG_ID  # the Page token works for its IG account
    image = MediaItem(url="https://example.org/ig.jpg", mime_type="image/jpeg")
    result = InstagramAdapter().publish(PublishRequest(channel=ref, text=f"Hi {uuid.uuid4().hex}", media=(image,)))
    assert result.permalink.startswith("https://www.instagram.com/p/")


def test_page_and_instagram_together_and_no_instagram_button(admin_client: Any, fb_sandbox: Any,  # noqa: F811
                                                             workspace: Workspace) -> None:
    picker = sign_in(admin_client, fb_sandbox, "sandbox_admin")
    admin_client.post(url("pick", pick_id=pick_id(picker)), {"page": [PAGE_ID], "instagram": [PAGE_ID, "999"]})
    assert sorted(Channel.objects.filter(workspace=workspace).values_list("platform", flat=True)) == [
        "facebook", "instagram"]
    listing = admin_client.get(url("list")).content.decode()
    assert "Connect Facebook" in listing and "Connect Instagram" not in listing


def test_pages_without_instagram_offer_no_checkbox(admin_client: Any, fb_sandbox: Any) -> None:  # noqa: F811
    picker = sign_in(admin_client, fb_sandbox, f"fb_{uuid.uuid4().hex[:8]}")
    assert 'name="instagram"' not in picker.content.decode()
