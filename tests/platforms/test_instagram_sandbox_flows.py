"""The Instagram adapter against the real sandbox app over HTTP: NotReady flows, reels, carousels with
video, both login variants, and the inbox (comments, replies, hiding, direct messages).

The sandbox runs in this process (a thread with its own event loop) so tests can write what the
audience simulator would - comments and messages - straight into its Store.
"""

from __future__ import annotations

import asyncio
import threading
import uuid
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import pytest
from aiohttp import web

from platforms.errors import NotReady, RateLimited
from platforms.instagram import InstagramAdapter
from platforms.sandbox.app import Sandbox, build_sandbox, create_app
from platforms.sandbox.state import Comment, DirectMessage
from platforms.sandbox.testing import SandboxClient
from platforms.types import ChannelRef, Credentials, MediaItem, PublishRequest, ReplyTarget

IMAGE = MediaItem(url="https://example.org/flow.jpg", mime_type="image/jpeg")
VIDEO = MediaItem(url="https://example.org/flow.mp4", mime_type="video/mp4", duration_s=12)
FAN_ID = "6543210987654321"


class InProcessSandbox(SandboxClient):
    def __init__(self) -> None:
        self.sandbox: Sandbox = build_sandbox()
        self.loop = asyncio.new_event_loop()
        threading.Thread(target=self.loop.run_forever, daemon=True).start()
        self.runner = web.AppRunner(create_app(self.sandbox))
        port = asyncio.run_coroutine_threadsafe(self._start(), self.loop).result(10)
        super().__init__(f"http://127.0.0.1:{port}")

    async def _start(self) -> int:
        await self.runner.setup()
        site = web.TCPSite(self.runner, "127.0.0.1", 0)
        await site.start()
        return site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]

    def stop(self) -> None:
        asyncio.run_coroutine_threadsafe(self.runner.cleanup(), self.loop).result(10)
        self.loop.call_soon_threadsafe(self.loop.stop)

    @property
    def ig(self) -> Any:
        return self.sandbox.dialect("instagram")


@pytest.fixture(scope="module")
def in_process() -> Iterator[InProcessSandbox]:
    sandbox = InProcessSandbox()
    yield sandbox
    sandbox.stop()


@pytest.fixture
def sb(in_process: InProcessSandbox, settings: Any) -> InProcessSandbox:
    in_process.reset()
    settings.PLATFORM_ORIGINS = in_process.origins()
    settings.FACEBOOK_GRAPH_VERSION = "v21.0"
    return in_process


def channel(sb: InProcessSandbox, account: str = "smo_demo_ig", login: str = "") -> ChannelRef:
    if login == "page":  # Facebook Login as connected through the Page picker: the linked Page's token
        page_token = sb.mint_token("facebook", "smo_demo_page")["page_access_token"]
        return ChannelRef("instagram", "17841400000000001", "smo_demo_ig", Credentials(access_token=page_token))
    minted = sb.mint_token("instagram", account)
    extra = {"login": login} if login else {}
    return ChannelRef("instagram", minted["ig_user_id"], account,
                      Credentials(access_token=minted["access_token"], extra=extra))


def container_posts(sb: InProcessSandbox) -> list[dict[str, Any]]:
    return [r for r in sb.requests_log(500) if r["method"] == "POST" and r["path"].endswith("/media")]


def test_image_publishes_in_one_call(sb: InProcessSandbox) -> None:
    result = InstagramAdapter().publish(PublishRequest(channel=channel(sb), text="One call", media=(IMAGE,)))
    assert result.permalink.startswith("https://www.instagram.com/p/")
    assert [c["text"] for c in sb.creates("instagram")] == ["One call"]


def test_reel_is_not_ready_then_publishes_without_a_second_container(sb: InProcessSandbox) -> None:
    sb.set_faults({"instagram_video_in_progress_polls": 1})
    request = PublishRequest(channel=channel(sb), text="Reel time", media=(VIDEO,), first_comment="#reel")
    with pytest.raises(NotReady) as caught:
        InstagramAdapter().publish(request)
    assert sb.creates("instagram") == [] and len(container_posts(sb)) == 1
    result = InstagramAdapter().publish(replace(request, progress=caught.value.progress))
    assert result.warning == "" and len(container_posts(sb)) == 1
    assert [c["text"] for c in sb.creates("instagram")] == ["Reel time", "#reel"]
    assert sb.ig.containers[caught.value.progress["container"]].kind == "REELS"


def test_reel_by_default_needs_two_status_reads(sb: InProcessSandbox) -> None:
    request = PublishRequest(channel=channel(sb), text="Slow reel", media=(VIDEO,))
    with pytest.raises(NotReady) as first:
        InstagramAdapter().publish(request)
    with pytest.raises(NotReady) as second:
        InstagramAdapter().publish(replace(request, progress=first.value.progress))
    assert second.value.progress == first.value.progress
    assert InstagramAdapter().publish(replace(request, progress=second.value.progress)).external_id
    assert len(container_posts(sb)) == 1


def test_carousel_with_a_video(sb: InProcessSandbox) -> None:
    request = PublishRequest(channel=channel(sb), text="Mixed album", media=(IMAGE, VIDEO))
    progress: dict[str, Any] = {}
    for _ in range(3):
        try:
            result = InstagramAdapter().publish(replace(request, progress=progress))
            break
        except NotReady as exc:
            progress = exc.progress
    assert [c["text"] for c in sb.creates("instagram")] == ["Mixed album"]
    assert len(container_posts(sb)) == 3  # two children and the parent, each created once
    media = sb.ig.store.get_post("instagram", result.external_id)
    assert media.media_ids == ("https://example.org/flow.jpg", "https://example.org/flow.mp4")


def test_full_quota_on_resume_is_rate_limited(sb: InProcessSandbox) -> None:
    sb.set_faults({"instagram_video_in_progress_polls": 1})
    request = PublishRequest(channel=channel(sb), text="Quota", media=(VIDEO,))
    with pytest.raises(NotReady) as caught:
        InstagramAdapter().publish(request)
    sb.set_faults({"instagram_quota_total": 0})  # another tool used the quota up in the meantime
    with pytest.raises(RateLimited, match="Instagram allows 0 posts|24-hour publishing limit") as limited:
        InstagramAdapter().publish(replace(request, progress=caught.value.progress))
    assert limited.value.retry_at is not None and sb.creates("instagram") == []


def test_instagram_login_variant_publishes_on_its_own_host(sb: InProcessSandbox) -> None:
    ref = channel(sb, f"iglogin_{uuid.uuid4().hex[:6]}", login="instagram")
    assert InstagramAdapter().verify(ref).external_id == ref.external_id
    result = InstagramAdapter().publish(PublishRequest(channel=ref, text="Via Instagram Login", media=(IMAGE,)))
    assert result.external_id
    paths = {r["url_path"].split("/")[1] for r in sb.requests_log(50) if r["platform"] == "instagram"}
    assert paths == {"instagram"}  # graph.instagram.com, never the Facebook Graph host


def test_page_token_is_refused_on_the_instagram_login_host(sb: InProcessSandbox) -> None:
    page_token = sb.mint_token("facebook", "smo_demo_page")["page_access_token"]
    ref = ChannelRef("instagram", "17841400000000001", "smo_demo_ig",
                     Credentials(access_token=page_token, extra={"login": "instagram"}))
    with pytest.raises(Exception, match="access token"):
        InstagramAdapter().verify(ref)


@pytest.mark.parametrize("login", ["page", "", "instagram"])
def test_inbox_read_reply_to_comment_and_dm_and_hide(sb: InProcessSandbox, login: str) -> None:
    ref = channel(sb, login=login)
    adapter = InstagramAdapter()
    media_id = adapter.publish(PublishRequest(channel=ref, text="Talk to us", media=(IMAGE,))).external_id
    store = sb.ig.store
    comment = store.add_comment(Comment(platform="instagram", id=sb.ig.next_comment_id(), post_id=media_id,
                                        account_id=ref.external_id, author_id="17841400099000001",
                                        author_name="Fan One", author_handle="fan.one", text="<i>Where?</i>"))
    store.add_message(DirectMessage(platform="instagram", id="aWdfZAGfan1", conversation_id="t_fan",
                                    account_id=ref.external_id, sender_id=FAN_ID, sender_name="Buyer",
                                    sender_handle="buyer_b", recipient_id=ref.external_id, text="Price?"))
    first = adapter.fetch_inbox(ref, "")
    assert [(e.kind, e.text) for e in first.items] == [("comment", "<i>Where?</i>"), ("message", "Price?")]
    assert first.items[0].post_external_id == media_id and first.items[1].conversation_id == FAN_ID

    answer = adapter.reply(ref, ReplyTarget("comment", comment.id, media_id), "In Lyon")
    dm = adapter.reply(ref, ReplyTarget("message", "aWdfZAGfan1", FAN_ID, author_id=FAN_ID), "12 EUR")
    adapter.set_hidden(ref, comment.id, True)
    assert store.get_comment("instagram", comment.id).hidden
    assert store.get_comment("instagram", answer.external_id).parent_id == comment.id
    assert [m.text for m in store.messages_for("instagram", ref.external_id)] == ["Price?", "12 EUR"]

    later = adapter.fetch_inbox(ref, first.cursor)
    assert [(e.kind, e.external_id, e.from_us) for e in later.items] == [
        ("reply", answer.external_id, True), ("message", dm.external_id, True)]
    assert adapter.fetch_inbox(ref, later.cursor).items == ()
    assert [e.hidden for e in adapter.fetch_inbox(ref, "").items if e.kind == "comment"] == [True]
