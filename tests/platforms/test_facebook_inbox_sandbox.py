"""The Facebook adapter's video, inbox, replies and hiding against the real sandbox process."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from platforms.errors import NotReady
from platforms.facebook import FacebookAdapter
from platforms.graph import graph_client
from platforms.types import ChannelRef, Credentials, MediaItem, PublishRequest, ReplyTarget


class TestFacebookAgainstSandbox:
    @pytest.fixture(autouse=True)
    def _sandbox(self, live_sandbox: Any, settings: Any) -> Iterator[None]:
        self.sandbox = live_sandbox
        settings.PLATFORM_ORIGINS = live_sandbox.origins()
        settings.FACEBOOK_GRAPH_VERSION = "v21.0"
        self.page = f"fb_inbox_{uuid.uuid4().hex[:8]}"  # a fresh Page per test: nothing leaks between tests
        self.minted = live_sandbox.mint_token("facebook", self.page)
        yield
        live_sandbox.clear_faults()

    def channel(self) -> ChannelRef:
        return ChannelRef(platform="facebook", external_id=self.minted["page_id"], handle=self.page,
                          credentials=Credentials(access_token=self.minted["page_access_token"]))

    def fan_comments(self, object_id: str, text: str) -> str:
        fan = self.sandbox.mint_token("facebook", "sandbox_fan")["access_token"]
        return graph_client(fan).put_object(object_id, "comments", message=text)["id"]

    def fan_writes(self, text: str) -> dict[str, Any]:
        return requests.post(f"{self.sandbox.base_url}/facebook/_sandbox/messages", timeout=10,
                             json={"page": self.page, "user": "sandbox_fan", "text": text}).json()

    def test_video_waits_for_processing_and_is_uploaded_once(self) -> None:
        tag = uuid.uuid4().hex[:8]
        request = PublishRequest(channel=self.channel(), text=f"Clip {tag}",
                                 media=(MediaItem(url=f"https://example.org/{tag}.mp4", mime_type="video/mp4"),))
        adapter = FacebookAdapter()
        with pytest.raises(NotReady) as waiting:
            adapter.publish(request)
        result = adapter.publish(PublishRequest(channel=request.channel, text=request.text, media=request.media,
                                                progress=waiting.value.progress))
        assert [c["text"] for c in self.sandbox.creates("facebook", self.page)] == [f"Clip {tag}"]
        video_id = waiting.value.progress["video_id"]
        assert result.permalink == f"https://www.facebook.com/{self.minted['page_id']}/videos/{video_id}/"
        posts = graph_client(self.minted["page_access_token"]).get_connections(self.minted["page_id"], "posts")
        assert [p["id"] for p in posts["data"]] == [result.external_id]

    def test_read_comments_and_messages_reply_to_both_and_hide(self) -> None:
        adapter, channel = FacebookAdapter(), self.channel()
        post = adapter.publish(PublishRequest(channel=channel, text=f"Root {uuid.uuid4().hex[:8]}"))
        comment_id = self.fan_comments(post.external_id, "<img src=x onerror=alert(1)> nice")
        wrote = self.fan_writes("Do you ship to Spain?")
        first = adapter.fetch_inbox(channel, "")
        assert [(e.external_id, e.kind, e.text) for e in first.items] == [
            (comment_id, "comment", "<img src=x onerror=alert(1)> nice"),
            (wrote["id"], "message", "Do you ship to Spain?")]
        comment, message = first.items
        assert comment.post_external_id == post.external_id and comment.author_name == "Sandbox Fan"
        assert message.conversation_id == message.author_id == wrote["sender_id"]

        answer = adapter.reply(channel, ReplyTarget(comment.kind, comment.external_id, comment.conversation_id,
                                                    comment.author_id), "Thank you!")
        sent = adapter.reply(channel, ReplyTarget("message", message.external_id, message.conversation_id,
                                                  message.author_id), "Yes, we do.")
        adapter.set_hidden(channel, comment.external_id, True)
        second = adapter.fetch_inbox(channel, first.cursor)
        assert [(e.external_id, e.kind, e.from_us, e.text) for e in second.items] == [
            (answer.external_id, "reply", True, "Thank you!"), (sent.external_id, "message", True, "Yes, we do.")]
        assert second.items[0].in_reply_to == comment_id
        assert [e.hidden for e in adapter.fetch_inbox(channel, "").items if e.external_id == comment_id] == [True]
        texts = [c["text"] for c in self.sandbox.creates("facebook", self.page)]
        assert texts[-2:] == ["Thank you!", "Yes, we do."]
        assert adapter.fetch_inbox(channel, second.cursor).items == ()
