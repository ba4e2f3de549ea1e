"""The adapter contract for YouTube against the real sandbox process over HTTP, plus the resumable
upload, verify, quota counting and the comment inbox against the same sandbox."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import requests

from platforms.errors import NotReady, RateLimited
from platforms.quota import used_today
from platforms.types import ChannelRef, Credentials, MediaItem, PublishRequest, ReplyTarget
from platforms.youtube import YouTubeAdapter
from tests.fileserver import serve_files
from tests.platforms.contract import AdapterContract, closed_port_url
from tests.platforms.test_youtube_support import SteppingYouTube

pytestmark = pytest.mark.django_db
ACCOUNT = "smo_demo_yt"
QUANTUM = 256 * 1024
VIDEO = b"\x00\x00\x00\x18ftypmp42" + b"v" * (2 * QUANTUM + 1000)  # three chunks of 256 KiB
THUMB = b"\xff\xd8\xff\xe0thumbnail"
UNUSED_HOOK = "http://127.0.0.1:9/unused"


@pytest.fixture(scope="module")
def media_base() -> Iterator[str]:
    with serve_files({"/clip.mp4": VIDEO, "/thumb.jpg": THUMB}) as base:
        yield base


class TestYouTubeContractAgainstSandbox(AdapterContract):
    @pytest.fixture(autouse=True)
    def _sandbox(self, live_sandbox: Any, settings: Any, media_base: str) -> Iterator[None]:
        self.sandbox, self.settings, self.media_base = live_sandbox, settings, media_base
        live_sandbox.reset()  # the daily quota counter starts at zero for every test
        settings.PLATFORM_ORIGINS = live_sandbox.origins()
        settings.YOUTUBE_UPLOAD_CHUNK_BYTES = QUANTUM
        self.minted = live_sandbox.mint_token("youtube", ACCOUNT)
        yield
        live_sandbox.clear_faults()

    def make_adapter(self) -> SteppingYouTube:
        return SteppingYouTube()

    def channel(self) -> ChannelRef:
        creds = Credentials(access_token=self.minted["access_token"], refresh_token=self.minted["refresh_token"])
        return ChannelRef(platform="youtube", external_id=self.minted["account_id"], handle=ACCOUNT, credentials=creds)

    def request(self, text: str | None = None) -> PublishRequest:
        video = MediaItem(url=f"{self.media_base}/clip.mp4", mime_type="video/mp4")
        return PublishRequest(channel=self.channel(), text=text or f"Contract video {uuid.uuid4().hex[:12]}",
                              media=(video,), options={"title": "Contract video"})

    @contextmanager
    def scenario(self, name: str, request: PublishRequest) -> Iterator[None]:
        opening = {"platform": "youtube", "match": "POST /upload/youtube/v3/videos", "account": ACCOUNT, "count": 1}
        if name == "duplicate":  # YouTube has no duplicate check; what counts is a refusal of the content
            self.sandbox.set_faults({**opening, "error_rates": {"400": 1.0}})
        elif name == "auth_expired":
            self.sandbox.expire_tokens("youtube", token=self.minted["access_token"])
        elif name == "rate_limited":
            self.sandbox.set_faults({"rules": [], "youtube_daily_quota": 1})
        elif name == "connect_error":
            self.settings.PLATFORM_ORIGINS = {origin: closed_port_url() for origin in self.sandbox.origins()}
        elif name == "timeout_after_send":
            self.settings.PLATFORM_READ_TIMEOUT = 0.5
            self.sandbox.set_faults({"rules": [], "youtube_drop_final_answer_s": 3})
        elif name != "ok":
            raise ValueError(name)
        yield

    def test_upload_goes_in_chunks_with_a_probe_each_time_and_sets_the_thumbnail(self) -> None:
        thumb = MediaItem(url=f"{self.media_base}/thumb.jpg", mime_type="image/jpeg")
        request = self.request()
        request = replace(request, media=(*request.media, thumb))
        adapter = self.make_adapter()
        result = adapter.publish(request)
        assert adapter.steps == 3  # the session, then two chunks; the third chunk finishes
        session = uploads(self.sandbox)[-1]
        assert [e["kind"] for e in session["events"]] == ["probe", "chunk"] * 3
        assert [e["start"] for e in session["events"] if e["kind"] == "chunk"] == [0, QUANTUM, 2 * QUANTUM]
        video = requests.get(f"{self.sandbox.base_url}/youtube/youtube/v3/videos", params={"id": result.external_id},
                             headers={"Authorization": f"Bearer {self.minted['access_token']}"}, timeout=10).json()
        assert "sandbox=" in video["items"][0]["snippet"]["thumbnails"]["default"]["url"]
        assert result.permalink == f"https://www.youtube.com/watch?v={result.external_id}"

    def test_first_call_only_opens_the_session(self) -> None:
        with pytest.raises(NotReady) as opened:
            YouTubeAdapter().publish(self.request())
        assert opened.value.progress["upload_url"].startswith("https://www.googleapis.com/upload/youtube/v3/videos")
        assert opened.value.progress["offset"] == 0 and opened.value.progress["total"] == len(VIDEO)
        assert uploads(self.sandbox)[-1]["events"] == []  # not one byte before the session was stored

    def test_a_lost_final_answer_is_resumed_by_the_probe_into_the_same_video(self) -> None:
        request = self.request()
        adapter, progress = YouTubeAdapter(), {}
        with self.scenario("timeout_after_send", request), pytest.raises(Exception):  # noqa: B017 - checked below
            while True:
                try:
                    adapter.publish(replace(request, progress=progress))
                except NotReady as exc:
                    progress = exc.progress
        self.sandbox.clear_faults()
        self.settings.PLATFORM_READ_TIMEOUT = 20
        result = adapter.publish(replace(request, progress=progress))
        assert [c["id"] for c in self.sandbox.creates("youtube", ACCOUNT) if c["id"] == result.external_id] == \
            [result.external_id]
        assert uploads(self.sandbox)[-1]["events"][-1] == {"kind": "probe", "received": len(VIDEO)}

    def test_quota_is_counted_and_quota_exceeded_waits_for_pacific_midnight(self) -> None:
        adapter = self.make_adapter()
        adapter.publish(self.request())
        assert used_today("youtube", self.minted["account_id"]) == 1600  # chunks and probes are part of the insert
        with self.scenario("rate_limited", self.request()):
            error = self.expect_error(RateLimited, lambda: adapter.verify(self.channel()))
        assert isinstance(error, RateLimited) and error.platform_code == "quotaExceeded"
        assert error.retry_at is not None and error.retry_at - datetime.now(UTC) <= timedelta(hours=24)
        assert error.retry_at.astimezone(pacific()).strftime("%H:%M") == "00:00"

    def test_verify_names_the_channel_and_its_uploads_playlist(self) -> None:
        account = self.make_adapter().verify(self.channel())
        assert (account.external_id, account.handle) == (self.minted["account_id"], ACCOUNT)
        assert account.info["uploads_playlist"] == "UU" + self.minted["account_id"][2:]

    def test_inbox_reads_comments_and_replies_then_answers_and_hides(self) -> None:
        adapter = self.make_adapter()
        video = adapter.publish(self.request())
        made = requests.post(f"{self.sandbox.base_url}/_sandbox/audience", timeout=10, json={
            "platform": "youtube", "account": ACCOUNT, "comments": 1, "replies": 1, "webhook_url": UNUSED_HOOK})
        comment, answer = made.json()["items"]
        page = adapter.fetch_inbox(self.channel(), "")
        assert [(e.external_id, e.kind, e.in_reply_to) for e in page.items] == [
            (comment["id"], "comment", video.external_id), (answer["id"], "reply", comment["id"])]
        assert page.items[0].author_id == comment["author"]["id"] and page.items[0].text == comment["text"]
        sent = adapter.reply(self.channel(), ReplyTarget(kind="reply", external_id=answer["id"],
                                                          conversation_id=video.external_id), "Thanks!")
        assert sent.external_id.startswith(comment["id"] + ".")  # under the top-level comment: one level deep
        later = adapter.fetch_inbox(self.channel(), page.cursor)
        ours = [e for e in later.items if e.external_id == sent.external_id]
        assert len(ours) == 1 and ours[0].from_us
        adapter.set_hidden(self.channel(), comment["id"], True)
        assert comment["id"] not in {e.external_id for e in adapter.fetch_inbox(self.channel(), "").items}


def uploads(sandbox: Any) -> list[dict[str, Any]]:
    return requests.get(f"{sandbox.base_url}/youtube/_uploads", timeout=10).json()["sessions"]


def pacific() -> Any:
    from zoneinfo import ZoneInfo
    return ZoneInfo("America/Los_Angeles")
