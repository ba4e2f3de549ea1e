"""LinkedIn end to end against the sandbox over HTTP: connect through the views (sign-in, then pick the member
and an organization), publish every media kind through SMO's engine, reconcile an unknown, sync the
organization's comments and answer one."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from datetime import timedelta
from typing import Any
from urllib.parse import quote, urlsplit

import pytest
import requests
from django.urls import reverse
from django.utils import timezone

from inbox.tasks import sync_channel
from platforms.models import Channel
from platforms.registry import get_adapter
from platforms.selectors import channel_ref
from platforms.types import ReplyTarget
from scheduler.engine.reconcile import reconcile_unknown
from scheduler.models import DeliveryState
from tests.e2e.conftest import run_engine as run
from tests.e2e.conftest import stored
from tests.fileserver import serve_files
from tests.platforms.sandbox_browser import sandbox_decide
from workspaces.models import Workspace

ORG = "urn:li:organization:100000001"
MEMBER = "urn:li:person:smoDemo0001"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
FILES = {"/a.png": PNG, "/b.png": PNG + b"b", "/deck.pdf": b"%PDF-1.4 e2e deck",
         "/clip.mp4": b"\x00\x00\x00\x18ftypmp42" + b"e2e video " * 100}


@pytest.fixture(scope="module")
def files() -> Iterator[str]:
    with serve_files(FILES) as base:
        yield base


@pytest.fixture
def linkedin(sandbox: Any, settings: Any) -> Any:
    settings.LINKEDIN_CLIENT_ID, settings.LINKEDIN_CLIENT_SECRET = "smo-sandbox-linkedin", "linkedin-secret"
    return sandbox


def connect_through_views(admin: Any, workspace: Workspace, sandbox: Any, picks: list[str]) -> Any:
    start = admin.post(reverse("platforms:connect", kwargs={"slug": workspace.slug, "platform": "linkedin"}))
    assert start.status_code == 302 and start["Location"].startswith(f"{sandbox.base_url}/linkedin/oauth/v2/")
    back = urlsplit(sandbox_decide(start["Location"], "smo_demo"))
    picker = admin.get(f"{back.path}?{back.query}")
    page = picker.content.decode()
    assert picker.status_code == 200 and "SMO Demo Company" in page and "SMO Demo" in page
    pick = re.search(r'action="/w/[^/]+/channels/pick/([^/"]+)/"', page)
    assert pick, "the callback shows the picker"
    return admin.post(reverse("platforms:pick", kwargs={"slug": workspace.slug, "pick_id": pick[1]}),
                      {"page": picks}, follow=True)


@pytest.fixture
def org(linkedin: Any, admin: Any, workspace: Workspace) -> Channel:
    connect_through_views(admin, workspace, linkedin, [ORG])
    return Channel.objects.get(workspace=workspace, platform="linkedin", external_id=ORG)



def api(sandbox: Any, channel: Channel, path: str) -> dict[str, Any]:
    response = requests.get(f"{sandbox.base_url}/linkedin{path}", timeout=10, headers={
        "Authorization": f"Bearer {channel.credentials['access_token']}", "LinkedIn-Version": "202601",
        "X-Restli-Protocol-Version": "2.0.0"})
    assert response.status_code == 200, response.text
    return response.json()


def test_connect_picks_the_member_and_an_organization(linkedin: Any, admin: Any, workspace: Workspace) -> None:
    done = connect_through_views(admin, workspace, linkedin, [MEMBER, ORG])
    channels = {c.external_id: c for c in Channel.objects.filter(workspace=workspace, platform="linkedin")}
    assert set(channels) == {MEMBER, ORG}
    assert channels[ORG].display_name == "SMO Demo Company" and channels[MEMBER].display_name == "SMO Demo"
    assert channels[ORG].credentials["access_token"] == channels[MEMBER].credentials["access_token"]
    assert channels[ORG].credentials["access_token"] not in done.content.decode()
    assert "w_organization_social" in channels[ORG].scopes
    assert get_adapter("linkedin").verify(channel_ref(channels[ORG])).external_id == ORG


def test_publish_every_media_kind_through_the_engine(
        linkedin: Any, org: Channel, files: str, monkeypatch: pytest.MonkeyPatch,
        django_capture_on_commit_callbacks: Any) -> None:
    capture = django_capture_on_commit_callbacks
    made = {
        "text": run(org, monkeypatch, capture, text="Hello LinkedIn (50% off) #launch"),
        "image": run(org, monkeypatch, capture, text="One picture", media=[
            {"url": f"{files}/a.png", "mime_type": "image/png", "alt_text": "First"}]),
        "images": run(org, monkeypatch, capture, text="Two pictures", media=[
            {"url": f"{files}/a.png", "mime_type": "image/png", "alt_text": "First"},
            {"url": f"{files}/b.png", "mime_type": "image/png", "alt_text": "Second"}]),
        "document": run(org, monkeypatch, capture, options={"document_title": "Our deck"}, text="Our deck",
                        media=[{"url": f"{files}/deck.pdf", "mime_type": "application/pdf"}]),
        "video": run(org, monkeypatch, capture, text="A clip", media=[
            {"url": f"{files}/clip.mp4", "mime_type": "video/mp4"}]),
        "link": run(org, monkeypatch, capture, text="Read this", link="https://example.com/story"),
    }
    for kind, delivery in made.items():
        assert delivery.state == DeliveryState.PUBLISHED, (kind, delivery.error_code, delivery.error_message)
        assert delivery.external_id.startswith("urn:li:share:")
    posts = {p["id"]: p for p in api(linkedin, org, f"/rest/posts?author={quote(ORG)}&q=author&count=20")["elements"]}
    content = {kind: posts[d.external_id].get("content", {}) for kind, d in made.items()}
    assert posts[made["text"].external_id]["commentary"] == r"Hello LinkedIn \(50% off\) \#launch"
    assert content["image"]["media"]["altText"] == "First"
    assert [i["altText"] for i in content["images"]["multiImage"]["images"]] == ["First", "Second"]
    assert content["document"]["media"]["title"] == "Our deck"
    assert content["video"]["media"]["id"].startswith("urn:li:video:")
    assert content["link"]["article"]["source"] == "https://example.com/story"
    assert len(linkedin.creates("linkedin")) == len(made)


def test_an_unknown_create_is_reconciled_to_the_one_post(
        linkedin: Any, org: Channel, settings: Any, monkeypatch: pytest.MonkeyPatch,
        django_capture_on_commit_callbacks: Any) -> None:
    settings.PLATFORM_READ_TIMEOUT = 0.5
    linkedin.set_faults({"platform": "linkedin", "match": "POST /rest/posts", "count": 1,
                         "apply_then_hang": {"hang_s": 3}})
    text = f"Applied, answer lost {uuid.uuid4().hex[:6]}"
    delivery = run(org, monkeypatch, django_capture_on_commit_callbacks, text=text)
    assert delivery.state == DeliveryState.UNKNOWN
    settings.PLATFORM_READ_TIMEOUT = 20
    reconcile_unknown(timezone.now() + timedelta(minutes=2))
    delivery.refresh_from_db()
    made = [c for c in linkedin.creates("linkedin") if c["text"] == text]
    assert delivery.state == DeliveryState.PUBLISHED and len(made) == 1
    assert delivery.external_id == made[0]["id"]


def test_organization_comments_sync_once_and_an_answer_lands_once(
        linkedin: Any, org: Channel, monkeypatch: pytest.MonkeyPatch, django_capture_on_commit_callbacks: Any) -> None:
    delivery = run(org, monkeypatch, django_capture_on_commit_callbacks, text="Ask us anything")
    response = requests.post(f"{linkedin.base_url}/_sandbox/audience", timeout=30, json={
        "platform": "linkedin", "account": "smo_demo_company", "comments": 2, "replies": 1, "negative": True,
        "webhook_url": "http://127.0.0.1:9/"})
    assert response.status_code == 201, response.text
    made = response.json()["items"]
    assert sync_channel(org.pk) == "ok"
    items = stored(org)
    assert sorted(items) == sorted(m["id"] for m in made)
    for created in made:
        item = items[created["id"]]
        assert item.kind == {"comments": "comment", "replies": "reply"}[created["kind"]]
        assert item.author_id == created["author"]["id"] and not item.from_us
        assert item.conversation.external_id == delivery.external_id
    assert sync_channel(org.pk) == "ok" and len(stored(org)) == len(made)

    comment = items[next(m["id"] for m in made if m["kind"] == "comments")]
    answer = get_adapter("linkedin").reply(channel_ref(org), ReplyTarget("comment", comment.external_id,
                                                                         delivery.external_id), "Thanks for asking!")
    replies = api(linkedin, org, f"/rest/socialActions/{quote(comment.external_id, safe='')}/comments")["elements"]
    ours = [r for r in replies if r["message"]["text"] == "Thanks for asking!"]
    assert [r["commentUrn"] for r in ours] == [answer.external_id] and ours[0]["actor"] == ORG
    assert sync_channel(org.pk) == "ok"
    assert stored(org)[answer.external_id].from_us


def test_a_member_channel_syncs_an_empty_inbox(linkedin: Any, admin: Any, workspace: Workspace) -> None:
    connect_through_views(admin, workspace, linkedin, [MEMBER])
    member = Channel.objects.get(workspace=workspace, platform="linkedin", external_id=MEMBER)
    assert sync_channel(member.pk) == "ok" and stored(member) == {}
