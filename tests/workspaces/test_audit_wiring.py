"""Every audited action, driven through its real page or API endpoint, leaves one event naming who did it."""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone
from PIL import Image
from rest_framework.test import APIClient

from api.models import ApiToken
from api.tokens import token_create
from media.models import MediaAsset
from platforms import registry
from platforms.models import Channel
from platforms.services import channel_connect_pages
from platforms.types import AccountInfo, TokenGrant
from platforms.views import PENDING_KEY
from scheduler.models import Delivery, DeliveryState, Post
from scheduler.services import post_schedule
from smo import crypto
from tests.factories import ChannelFactory, DeliveryFactory, PostFactory
from tests.workspaces.conftest import events, only_event
from workspaces.models import AuditEvent, Role, Workspace

pytestmark = pytest.mark.django_db


# -- channels ----------------------------------------------------------------------------------


@dataclass
class FakePage:
    account: AccountInfo
    access_token: str
    instagram: AccountInfo | None = None


class FakeConnect:
    """An adapter that signs in without a network: the code is exchanged for a token of one account."""

    platform, display_name = "x", "X"

    def exchange_code(self, code: str, redirect_uri: str, code_verifier: str) -> TokenGrant:
        return TokenGrant(access_token="secret-access-token", refresh_token="secret-refresh")

    def verify(self, channel: Any) -> AccountInfo:
        return AccountInfo(external_id="acct-77", display_name="Acme on X", handle="acme_x")

    def list_pages(self, user_token: str) -> list[FakePage]:
        return [FakePage(AccountInfo(external_id="page-1", display_name="Acme Page", handle="acmepage"), "page-token")]


@pytest.fixture
def fake_x() -> Iterator[None]:
    registry.override("x", FakeConnect)
    yield
    registry.override("x", None)


def _callback(client: Client, workspace: Workspace) -> Any:
    session = client.session
    session[PENDING_KEY] = {"st-1": {"platform": "x", "workspace": workspace.pk, "verifier": crypto.encrypt(b"v"),
                                     "redirect_uri": "http://testserver/cb"}}
    session.save()
    return client.get(f"/w/{workspace.slug}/channels/callback/x/", {"state": "st-1", "code": "the-code"})


def test_connect_then_reconnect_then_disconnect_are_recorded(admin_client: Client, workspace: Workspace,
                                                             fake_x: None) -> None:
    assert _callback(admin_client, workspace).status_code == 302
    connected = only_event(workspace, "channel.connected")
    channel = Channel.objects.get(workspace=workspace)
    assert (connected.actor, connected.actor_label) == (admin_client.member.user, "ada")
    assert (connected.target_type, connected.target_id) == ("channel", str(channel.pk))
    assert connected.details == {"platform": "x", "handle": "acme_x"}
    assert "secret" not in str(connected.details)

    _callback(admin_client, workspace)
    assert only_event(workspace, "channel.reconnected").actor == admin_client.member.user

    response = admin_client.post(f"/w/{workspace.slug}/channels/{channel.pk}/disconnect/")
    assert response.status_code == 302
    assert only_event(workspace, "channel.disconnected").target_label == "Acme on X (x)"


def test_facebook_style_page_pick_records_each_channel(workspace: Workspace, admin: Any, fake_x: None) -> None:
    [channel] = channel_connect_pages(workspace, "x", TokenGrant(access_token="user"), ["page-1"], actor=admin.user)
    event = only_event(workspace, "channel.connected")
    assert (event.actor, event.target_id) == (admin.user, str(channel.pk))


# -- posts from the composer, the post page and the calendar ----------------------------------------


@pytest.fixture
def x_channel(workspace: Workspace) -> Channel:
    return ChannelFactory(workspace=workspace, platform="x", display_name="Acme X")


def _compose(client: Client, workspace: Workspace, channel: Channel, action: str, **extra: str) -> Any:
    data = {"text": "Spring launch", "link": "", "media": "", "at": "", "draft_key": f"k-{action}",
            "channels": [str(channel.pk)], "action": action, **extra}
    return client.post(f"/w/{workspace.slug}/compose/submit/", data)


def test_composer_records_created_scheduled_and_published_now(member_client: Any, workspace: Workspace,
                                                              x_channel: Channel) -> None:
    client = member_client(Role.MARKETER, username="mark")
    at = (timezone.now() + timedelta(days=3)).strftime("%Y-%m-%dT09:30")
    assert _compose(client, workspace, x_channel, "schedule", at=at).status_code == 302
    post = Post.objects.get(workspace=workspace)
    created, scheduled = events(workspace)
    assert (created.action, created.actor_label, created.target_id) == ("post.created", "mark", str(post.pk))
    assert scheduled.action == "post.scheduled" and scheduled.details["channels"] == ["Acme X (x)"]
    assert scheduled.details["due_at"] == Delivery.objects.get(post=post).due_at.isoformat()

    assert _compose(client, workspace, x_channel, "publish_now").status_code == 302
    assert only_event(workspace, "post.published_now").actor_label == "mark"


def test_refused_schedule_records_only_the_draft(member_client: Any, workspace: Workspace,
                                                 x_channel: Channel) -> None:
    client = member_client(Role.MARKETER)
    response = _compose(client, workspace, x_channel, "schedule", at="2001-01-01T09:00")
    assert response.status_code == 422
    assert [event.action for event in events(workspace)] == ["post.created"]


def test_post_page_actions_are_recorded(member_client: Any, workspace: Workspace, x_channel: Channel) -> None:
    client = member_client(Role.MARKETER, username="mark")
    post = PostFactory(workspace=workspace, text="Hello")
    failed = DeliveryFactory(post=post, channel=x_channel, state=DeliveryState.FAILED)
    check = DeliveryFactory(post=post, channel=ChannelFactory(workspace=workspace), state=DeliveryState.NEEDS_CHECK)
    base = f"/w/{workspace.slug}/posts/{post.pk}/"

    client.post(f"{base}retry-failed/")
    assert only_event(workspace, "post.retried").details == {"deliveries": 2}
    client.post(f"{base}retry-failed/")  # nothing left to retry: nothing happened, nothing recorded
    assert len(events(workspace, "post.retried")) == 1

    Delivery.objects.filter(pk=check.pk).update(state=DeliveryState.NEEDS_CHECK)
    client.post(f"{base}deliveries/{check.pk}/mark-published/")
    marked = only_event(workspace, "post.marked_published")
    assert (marked.target_id, marked.details["delivery"]) == (str(post.pk), check.pk)

    client.post(f"{base}deliveries/{failed.pk}/cancel/")
    client.post(f"{base}deliveries/{failed.pk}/cancel/")  # twice is harmless and recorded once
    cancelled = only_event(workspace, "post.cancelled")
    assert (cancelled.actor_label, cancelled.details["channel"]) == ("mark", "Acme X (x)")


def test_calendar_move_and_undo_are_recorded(member_client: Any, workspace: Workspace, x_channel: Channel) -> None:
    client = member_client(Role.MARKETER, username="mark")
    due = datetime(2030, 7, 1, 10, 0, tzinfo=UTC)
    delivery = DeliveryFactory(post=PostFactory(workspace=workspace), channel=x_channel, due_at=due, scheduled_for=due)
    moved = client.post(f"/w/{workspace.slug}/calendar/deliveries/{delivery.pk}/move/", {"start": "2030-07-02T09:00"})
    assert moved.status_code == 200
    event = only_event(workspace, "post.rescheduled")
    assert event.details["from"] == due.isoformat() and event.details["to"] == "2030-07-02T07:00:00+00:00"
    client.post(f"/w/{workspace.slug}/calendar/undo/", {"token": moved.json()["undoToken"]})
    assert only_event(workspace, "post.reschedule_undone").details["to"] == due.isoformat()


# -- media -------------------------------------------------------------------------------------------


def _png() -> SimpleUploadedFile:
    out = io.BytesIO()
    Image.new("RGB", (8, 8), (10, 200, 10)).save(out, "PNG")
    return SimpleUploadedFile("=cmd|' /C calc'!A0.png", out.getvalue(), content_type="image/png")


def test_media_upload_alt_text_and_delete_are_recorded(member_client: Any, workspace: Workspace, settings: Any,
                                                       tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path
    client = member_client(Role.MARKETER, username="mark")
    client.post(f"/w/{workspace.slug}/media/upload/", {"file": _png()})
    asset = MediaAsset.objects.get(workspace=workspace)
    uploaded = only_event(workspace, "media.uploaded")
    assert (uploaded.actor_label, uploaded.target_id, uploaded.details["type"]) == ("mark", str(asset.pk), "image/png")

    client.post(f"/w/{workspace.slug}/media/{asset.pk}/alt-text/", {"alt_text": "A green square"})
    client.post(f"/w/{workspace.slug}/media/{asset.pk}/alt-text/", {"alt_text": "A green square"})  # unchanged
    assert only_event(workspace, "media.alt_text_changed").details == {"alt_text": "A green square"}

    client.post(f"/w/{workspace.slug}/media/{asset.pk}/delete/")
    assert not MediaAsset.objects.filter(pk=asset.pk).exists()
    deleted = only_event(workspace, "media.deleted")
    assert (deleted.target_type, deleted.target_id, deleted.target_label) == ("mediaasset", str(asset.pk),
                                                                              asset.original_name)


# -- API tokens and the API --------------------------------------------------------------------------


def test_token_page_create_and_revoke_are_recorded_without_the_secret(admin_client: Client,
                                                                      workspace: Workspace) -> None:
    admin_client.post("/api/v1/tokens/", {"name": "Zapier", "workspace": workspace.pk})
    token = ApiToken.objects.get(workspace=workspace)
    created = only_event(workspace, "api_token.created")
    assert (created.actor_label, created.target_id) == ("ada", str(token.pk))
    assert created.details == {"role": Role.ADMIN, "read_only": False}
    admin_client.post(f"/api/v1/tokens/{token.pk}/revoke/")
    admin_client.post(f"/api/v1/tokens/{token.pk}/revoke/")
    assert only_event(workspace, "api_token.revoked").actor_label == "ada"


@pytest.fixture
def api(workspace: Workspace, member_client: Any) -> APIClient:
    member = member_client(Role.MARKETER, username="bot-owner").member
    _token, secret = token_create(member, "ci")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    return client


def test_api_post_lifecycle_is_recorded_with_the_token_owner(api: APIClient, workspace: Workspace,
                                                             x_channel: Channel) -> None:
    post_id = api.post("/api/v1/posts/", {"text": "From the API"}, format="json").json()["id"]
    api.patch(f"/api/v1/posts/{post_id}/", {"text": "Edited by the API"}, format="json")
    at = (timezone.now() + timedelta(days=2)).isoformat()
    assert api.post(f"/api/v1/posts/{post_id}/schedule/", {"channels": [x_channel.pk], "at": at},
                    format="json").status_code == 200
    delivery = Delivery.objects.get(post_id=post_id)
    api.post(f"/api/v1/deliveries/{delivery.pk}/cancel/")
    api.post(f"/api/v1/posts/{post_id}/publish-now/", {"channels": [x_channel.pk]}, format="json")
    Delivery.objects.filter(pk=delivery.pk).update(state=DeliveryState.FAILED)
    api.post(f"/api/v1/posts/{post_id}/retry-failed/")
    Delivery.objects.filter(pk=delivery.pk).update(state=DeliveryState.CANCELLED)
    assert api.delete(f"/api/v1/posts/{post_id}/").status_code == 204
    actions = [e.action for e in events(workspace) if e.target_type == "post"]
    assert actions == ["post.created", "post.edited", "post.scheduled", "post.cancelled", "post.published_now",
                       "post.retried", "post.deleted"]
    assert {e.actor_label for e in events(workspace) if e.target_type == "post"} == {"bot-owner"}
    assert only_event(workspace, "post.edited").details == {"fields": ["text"]}
    assert only_event(workspace, "post.deleted").target_label == "Edited by the API"


def test_system_calls_are_recorded_as_system(workspace: Workspace, x_channel: Channel) -> None:
    post = PostFactory(workspace=workspace)
    post_schedule(post, [x_channel], timezone.now() + timedelta(hours=1))
    event = only_event(workspace, "post.scheduled")
    assert (event.actor, event.actor_label) == (None, "system")


def test_events_never_cross_workspaces(workspace: Workspace, x_channel: Channel) -> None:
    other_post = PostFactory()
    post_schedule(other_post, [ChannelFactory(workspace=other_post.workspace)], timezone.now() + timedelta(hours=1))
    assert AuditEvent.objects.filter(workspace=workspace).count() == 0
    assert AuditEvent.objects.get().workspace_id == other_post.workspace_id
