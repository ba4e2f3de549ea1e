"""Bluesky connect, video and inbox through the adapter against the live sandbox process over HTTP."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from platforms.bluesky import BlueskyAdapter
from platforms.errors import AuthExpired, ContentRejected, NotReady, NotSupported
from platforms.types import ChannelRef, Credentials, MediaItem, PublishRequest, ReplyTarget
from tests.fileserver import serve_files

ACCOUNT = "smodemo.bsky.social"
CLIP = b"\x00\x00\x00\x18ftypmp42" + b"sandbox video bytes " * 64


@pytest.fixture(scope="module")
def files() -> Iterator[str]:
    """SMO's media URLs stand-in: /clip.mp4 and /corrupt.mp4."""
    with serve_files({"/clip.mp4": CLIP, "/corrupt.mp4": b"corrupt" + CLIP}) as base:
        yield base


@pytest.fixture
def sandbox(live_sandbox: Any, settings: Any) -> Iterator[Any]:
    live_sandbox.reset()
    settings.PLATFORM_ORIGINS = live_sandbox.origins()
    yield live_sandbox
    live_sandbox.clear_faults()


@pytest.fixture
def channel(sandbox: Any) -> ChannelRef:
    minted = sandbox.mint_token("bluesky", ACCOUNT)
    creds = Credentials(access_token=minted["access_token"], refresh_token=minted["refresh_token"],
                        extra={"pds": "https://bsky.social", "did": minted["did"]})
    return ChannelRef(platform="bluesky", external_id=minted["did"], handle=ACCOUNT, credentials=creds)


def audience(sandbox: Any, **body: Any) -> list[dict[str, Any]]:
    # webhook_url is never used (Bluesky is polled) but the simulator's default lookup knows only webhook platforms.
    response = requests.post(f"{sandbox.base_url}/_sandbox/audience", timeout=30,
                             json={"platform": "bluesky", "account": ACCOUNT, "webhook_url": "http://127.0.0.1:9/",
                                   **body})
    assert response.status_code == 201, response.text
    return response.json()["items"]


def test_connect_form_creates_a_session_and_verify_names_the_account(sandbox: Any) -> None:
    adapter = BlueskyAdapter()
    form = adapter.connect_form(data={"handle": "@SMODemo.bsky.social", "app_password": "ABCD-efgh-ijkl-mnop"})
    assert form.is_valid(), form.errors
    grant = adapter.start_connect(form.cleaned_data, "http://testserver/callback")
    assert grant.access_token and grant.refresh_token and grant.extra["handle"] == ACCOUNT
    assert grant.extra["pds"] == "https://bsky.social" and grant.extra["did"].startswith("did:plc:")
    assert "abcd-efgh-ijkl-mnop" not in json.dumps(grant.extra)
    ref = ChannelRef("bluesky", "", "", Credentials(grant.access_token, grant.refresh_token, extra=grant.extra))
    account = adapter.verify(ref)
    assert (account.external_id, account.handle) == (grant.extra["did"], ACCOUNT)


def test_connect_form_refuses_main_passwords_and_explains_wrong_ones_and_2fa(sandbox: Any) -> None:
    adapter = BlueskyAdapter()
    form = adapter.connect_form(data={"handle": ACCOUNT, "app_password": "my secret main password"})
    assert not form.is_valid() and "app password" in str(form.errors["app_password"])
    assert not adapter.connect_form(data={"handle": "not a handle", "app_password": "abcd-efgh-ijkl-mnop"}).is_valid()
    with pytest.raises(AuthExpired) as wrong:
        adapter.start_connect({"handle": ACCOUNT, "app_password": "wrong-password"}, "")
    assert "app password" in wrong.value.message
    with pytest.raises(NotSupported) as twofactor:
        adapter.start_connect({"handle": ACCOUNT, "app_password": "needs-2fa"}, "")
    assert twofactor.value.platform_code == "AuthFactorTokenRequired" and "sign-in code" in twofactor.value.message


def test_video_uploads_once_waits_for_processing_then_posts_with_alt_text(sandbox: Any, channel: ChannelRef,
                                                                          files: str) -> None:
    adapter = BlueskyAdapter()
    clip = MediaItem(url=f"{files}/clip.mp4", mime_type="video/mp4", alt_text="A short clip", size_bytes=len(CLIP),
                     width=1280, height=720, duration_s=12)
    request = PublishRequest(channel=channel, text=f"Video {uuid.uuid4().hex[:6]}", media=(clip,))
    assert adapter.validate(request) == []
    with pytest.raises(NotReady) as waiting:
        adapter.publish(request)
    job = waiting.value.progress["video_job"]
    assert job and sandbox.creates("bluesky", ACCOUNT) == []
    result = adapter.publish(PublishRequest(channel=channel, text=request.text, media=(clip,),
                                            progress=waiting.value.progress))
    uploads = [r for r in sandbox.requests_log(limit=500, platform="bluesky")
               if r["path"] == "/xrpc/app.bsky.video.uploadVideo"]
    assert len(uploads) == 1, "the second call must carry on with the job, not upload again"
    post = requests.get(f"{sandbox.base_url}/bluesky/xrpc/app.bsky.feed.getPostThread", timeout=10,
                        params={"uri": result.external_id},
                        headers={"Authorization": f"Bearer {channel.credentials.access_token}"}).json()
    embed = post["thread"]["post"]["record"]["embed"]
    assert embed["$type"] == "app.bsky.embed.video" and embed["alt"] == "A short clip"
    assert embed["aspectRatio"] == {"width": 1280, "height": 720}


def test_a_video_bluesky_cannot_process_is_rejected_and_video_rules_are_checked(sandbox: Any, channel: ChannelRef,
                                                                                files: str) -> None:
    adapter = BlueskyAdapter()
    bad = MediaItem(url=f"{files}/corrupt.mp4", mime_type="video/mp4")
    with pytest.raises(ContentRejected) as failed:
        adapter.publish(PublishRequest(channel=channel, text="broken", media=(bad,)))
    assert failed.value.platform_code == "video-failed" and sandbox.creates("bluesky", ACCOUNT) == []
    big = MediaItem(url=f"{files}/x.avi", mime_type="video/x-msvideo", size_bytes=150_000_000, duration_s=200)
    image = MediaItem(url=f"{files}/p.png", mime_type="image/png")
    problems = " ".join(adapter.validate(PublishRequest(channel=channel, text="x", media=(big, image))))
    for rule in ("one video per post", "MP4", "100 MB", "3 minutes"):
        assert rule in problems


def test_inbox_reads_replies_mentions_and_chat_once_and_ignores_likes(sandbox: Any, channel: ChannelRef) -> None:
    adapter = BlueskyAdapter()
    root = adapter.publish(PublishRequest(channel=channel, text="Ask us anything"))
    made = audience(sandbox, replies=2, mentions=1, messages=1)
    page = adapter.fetch_inbox(channel, "")
    by_id = {item.external_id: item for item in page.items}
    assert sorted(by_id) == sorted(m["id"] for m in made)  # the likes beside the replies are left out
    kinds = {m["id"]: {"replies": "reply", "mentions": "mention", "messages": "message"}[m["kind"]] for m in made}
    assert {i: item.kind for i, item in by_id.items()} == kinds
    reply = next(by_id[m["id"]] for m in made if m["kind"] == "replies")
    assert reply.conversation_id == root.external_id == reply.post_external_id
    assert reply.author_handle.endswith(".bsky.social") and reply.author_url.startswith("https://bsky.app/profile/")
    message = next(by_id[m["id"]] for m in made if m["kind"] == "messages")
    assert message.conversation_id == made[-1]["conversation_id"] and not message.from_us
    assert [item.created_at for item in page.items] == sorted(item.created_at for item in page.items)
    again = adapter.fetch_inbox(channel, page.cursor)
    assert again.items == () and json.loads(again.cursor) == json.loads(page.cursor)
    later = audience(sandbox, messages=1, replies=1)
    assert sorted(i.external_id for i in adapter.fetch_inbox(channel, page.cursor).items) == \
        sorted(m["id"] for m in later)


def test_reply_to_a_reply_and_to_a_chat_lands_once_in_the_thread(sandbox: Any, channel: ChannelRef) -> None:
    adapter = BlueskyAdapter()
    root = adapter.publish(PublishRequest(channel=channel, text="Questions welcome"))
    made = audience(sandbox, replies=1, messages=1)
    items = {item.external_id: item for item in adapter.fetch_inbox(channel, "").items}
    comment, message = items[made[0]["id"]], items[made[1]["id"]]
    answer = adapter.reply(channel, ReplyTarget(comment.kind, comment.external_id, comment.conversation_id), "Thanks!")
    sent = adapter.reply(channel, ReplyTarget("message", message.external_id, message.conversation_id,
                                              message.author_id), "Check your DMs 📬")
    token = channel.credentials.access_token
    thread = requests.get(f"{sandbox.base_url}/bluesky/xrpc/app.bsky.feed.getPostThread", timeout=10,
                          params={"uri": answer.external_id}, headers={"Authorization": f"Bearer {token}"}).json()
    reply = thread["thread"]["post"]["record"]["reply"]
    assert reply["root"]["uri"] == root.external_id and reply["parent"]["uri"] == comment.external_id
    assert [c["text"] for c in sandbox.creates("bluesky", ACCOUNT)].count("Thanks!") == 1
    after = adapter.fetch_inbox(channel, "").items
    ours = [item for item in after if item.external_id == sent.external_id]
    assert len(ours) == 1 and ours[0].from_us and ours[0].text == "Check your DMs 📬"
    assert ours[0].conversation_id == message.conversation_id


def test_chat_needs_the_proxy_header(sandbox: Any, channel: ChannelRef) -> None:
    token = channel.credentials.access_token
    plain = requests.get(f"{sandbox.base_url}/bluesky/xrpc/chat.bsky.convo.listConvos", timeout=10,
                         headers={"Authorization": f"Bearer {token}"})
    assert plain.status_code == 501 and plain.json()["error"] == "MethodNotImplemented"
