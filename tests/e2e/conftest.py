"""End-to-end inbox fixtures: the sandbox process reset per test, channels connected to its seeded
accounts, posts published through SMO's engine, and the sandbox's audience simulator.

Everything talks real HTTP: SMO's adapters to the sandbox through the PLATFORM_ORIGINS seam, the
test to the sandbox's control API, and (webhook tests) the sandbox to SMO's live webhook endpoint.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
import requests
from django.utils import timezone

from inbox.cleaning import clean_field, clean_text
from inbox.models import InboxItem
from platforms.models import Channel
from scheduler.engine import delivery_publish, dispatch, dispatch_due
from scheduler.models import Delivery, DeliveryState
from tests.factories import ChannelFactory, DeliveryFactory, PostFactory, VariantFactory, WorkspaceFactory
from workspaces.models import Workspace

X_SECRET = "smo-sandbox-consumer-secret"
MAX_PROCESSING_CHECKS = 8  # the slowest sandbox media (a TikTok or Threads video) is ready after a few checks
META_SECRET = "smo-sandbox-app-secret"
VERIFY_TOKEN = "smo-e2e-verify-token"
SEEDED = {"x": "smo_demo", "facebook": "smo_demo_page", "instagram": "smo_demo_ig"}
IG_ID = "17841400000000001"  # smo_demo_ig, linked to smo_demo_page (Facebook Login)
# The audience's kinds -> SMO's. An X "comment" is a reply in our post's conversation.
SMO_KIND = {
    "x": {"comments": "reply", "replies": "reply", "mentions": "mention", "messages": "message"},
    "facebook": {"comments": "comment", "replies": "reply", "messages": "message"},
    "instagram": {"comments": "comment", "replies": "reply", "messages": "message"},
}


@pytest.fixture
def sandbox(live_sandbox: Any, settings: Any) -> Iterator[Any]:
    """The session's sandbox back at its seed (fresh accounts, no posts) and SMO pointed at it."""
    live_sandbox.reset()
    settings.PLATFORM_ORIGINS = live_sandbox.origins()
    settings.FACEBOOK_GRAPH_VERSION = "v21.0"
    settings.X_CONSUMER_KEY = None  # OAuth 2.0 user tokens (the minted ones carry no OAuth 1.0a secret)
    settings.X_CONSUMER_SECRET = X_SECRET
    settings.FACEBOOK_APP_SECRET = META_SECRET
    settings.META_WEBHOOK_VERIFY_TOKEN = VERIFY_TOKEN
    yield live_sandbox
    live_sandbox.clear_faults()


@pytest.fixture
def workspace(db: None) -> Workspace:
    return WorkspaceFactory(name="E2E Brand", slug="e2e")


def connect(sandbox: Any, workspace: Workspace, platform: str) -> Channel:
    """A Channel row as the connect flow stores it, for the platform's seeded account."""
    if platform == "x":
        minted = sandbox.mint_token("x", SEEDED["x"])
        external_id, token = minted["account_id"], minted["access_token"]
    else:
        minted = sandbox.mint_token("facebook", SEEDED["facebook"])  # Facebook Login: the Page's token
        token = minted["page_access_token"]
        external_id = minted["page_id"] if platform == "facebook" else IG_ID
    return ChannelFactory(workspace=workspace, platform=platform, external_id=external_id, handle=SEEDED[platform],
                          display_name=SEEDED[platform], credentials={"access_token": token})


@pytest.fixture
def channel_for(sandbox: Any, workspace: Workspace) -> Callable[[str], Channel]:
    return lambda platform: connect(sandbox, workspace, platform)


@pytest.fixture
def publish(monkeypatch: pytest.MonkeyPatch, django_capture_on_commit_callbacks: Any) -> Callable[..., Delivery]:
    """publish(channel, text): schedule a post and run it through the dispatcher and publisher."""

    def run(channel: Channel, text: str) -> Delivery:
        sent: list[tuple[int, str]] = []
        monkeypatch.setattr(dispatch, "enqueue_publish", lambda pk, token, check_after_s=0: sent.append((pk, token)))
        delivery = DeliveryFactory(post=PostFactory(workspace=channel.workspace, text=text), channel=channel)
        with django_capture_on_commit_callbacks(execute=True):
            dispatch_due(timezone.now())
        assert [pk for pk, _ in sent] == [delivery.pk]
        assert delivery_publish(delivery.pk, str(sent[0][1])) == DeliveryState.PUBLISHED
        delivery.refresh_from_db()
        assert delivery.external_id
        return delivery

    return run


def run_engine(channel: Channel, monkeypatch: pytest.MonkeyPatch, capture: Any, options: dict[str, Any] | None = None,
               **post: Any) -> Delivery:
    """Schedule a post (with the channel's platform options, if any) and run the dispatcher and publisher,
    following the engine's media-processing checks until the delivery leaves `queued`. `capture` is pytest-django's
    django_capture_on_commit_callbacks."""
    sent: list[tuple[int, str]] = []
    monkeypatch.setattr(dispatch, "enqueue_publish", lambda pk, token, check_after_s=0: sent.append((pk, token)))
    made = PostFactory(workspace=channel.workspace, **post)
    if options:
        VariantFactory(post=made, channel=channel, options=options)
    delivery = DeliveryFactory(post=made, channel=channel)
    with capture(execute=True):
        dispatch_due(timezone.now())
    for _ in range(MAX_PROCESSING_CHECKS):
        with capture(execute=True):
            state = delivery_publish(delivery.pk, str(sent[-1][1]))
        if state != DeliveryState.QUEUED:
            break
    delivery.refresh_from_db()
    return delivery


def audience(sandbox: Any, platform: str, **body: Any) -> dict[str, Any]:
    """Run the sandbox's audience simulator on the platform's seeded account."""
    response = requests.post(f"{sandbox.base_url}/_sandbox/audience", timeout=30,
                             json={"platform": platform, "account": SEEDED[platform], **body})
    assert response.status_code == 201, response.text
    return response.json()


def audience_listing(sandbox: Any, platform: str) -> dict[str, Any]:
    response = requests.get(f"{sandbox.base_url}/_sandbox/audience", timeout=10,
                            params={"platform": platform, "account": SEEDED[platform]})
    assert response.status_code == 200, response.text
    return response.json()


def stored(channel: Channel) -> dict[str, InboxItem]:
    return {item.external_id: item for item in InboxItem.objects.filter(channel=channel)
            .select_related("conversation", "conversation__delivery")}


def assert_matches(platform: str, item: InboxItem, created: dict[str, Any], *, named: bool = True) -> None:
    """One stored item against what the audience created: kind, author, text (cleaned, never escaped).
    `named=False`: the item came through a webhook that does not name its author (Meta's messaging)."""
    assert item.kind == SMO_KIND[platform][created["kind"]], (item.kind, created["kind"])
    assert item.author_id == created["author"]["id"]
    # Instagram's API names people by username only.
    name = created["author"]["handle" if platform == "instagram" else "name"]
    assert item.author_name == (clean_field(name, 200) if named else "")
    assert item.text == clean_text(created["text"])
    assert not item.from_us
