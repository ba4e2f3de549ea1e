"""The X adapter end to end against the sandbox process: media, quotes, polls, the inbox, answers, hiding."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from platforms.errors import NotReady
from platforms.types import ChannelRef, Credentials, MediaItem, PublishRequest, ReplyTarget
from platforms.x import XAdapter
from tests.fileserver import serve_files

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 2048
FILES = {"/a.png": PNG, "/b.png": PNG + b"b", "/v.mp4": b"\x00\x00\x00\x18ftypmp42" + b"v" * (1024 * 1024 + 500),
         "/g.gif": b"GIF89a" + b"\x00" * 300}


@pytest.fixture(scope="module")
def media_url() -> Iterator[str]:
    with serve_files(FILES) as base:
        yield base


@pytest.fixture
def sandbox(live_sandbox: Any, settings: Any) -> Iterator[Any]:
    settings.PLATFORM_ORIGINS = live_sandbox.origins()
    settings.X_CONSUMER_KEY = settings.X_CONSUMER_SECRET = None
    yield live_sandbox
    live_sandbox.clear_faults()


def account(sandbox: Any, name: str) -> ChannelRef:
    minted = sandbox.mint_token("x", name)
    return ChannelRef(platform="x", external_id=minted["account_id"], handle=name,
                      credentials=Credentials(access_token=minted["access_token"]))


def api(sandbox: Any, channel: ChannelRef, method: str, path: str, **kwargs: Any) -> requests.Response:
    headers = {"Authorization": f"Bearer {channel.credentials.access_token}"}
    return requests.request(method, f"{sandbox.base_url}/x{path}", headers=headers, timeout=10, **kwargs)


def calls(sandbox: Any, needle: str, account_name: str) -> list[dict[str, Any]]:
    return [r for r in sandbox.requests_log(limit=500, platform="x") if needle in r["path"]
            and r["account"] == account_name]


def test_two_images_with_alt_text(sandbox: Any, media_url: str) -> None:
    name = f"xl_{uuid.uuid4().hex[:8]}"
    channel = account(sandbox, name)
    media = (MediaItem(f"{media_url}/a.png", "image/png", alt_text="First"),
             MediaItem(f"{media_url}/b.png", "image/png", alt_text="Second"))
    result = XAdapter().publish(PublishRequest(channel=channel, text="Two images", media=media))
    post = api(sandbox, channel, "GET", f"/2/tweets/{result.external_id}", params={"tweet.fields": "attachments"})
    assert len(post.json()["data"]["attachments"]["media_keys"]) == 2
    assert [r["status"] for r in calls(sandbox, "/2/media/metadata", name)] == [200, 200]


def test_video_not_ready_then_published_without_reupload(sandbox: Any, media_url: str) -> None:
    sandbox.set_faults({"x_media_status_polls": 0})
    name = f"xl_{uuid.uuid4().hex[:8]}"
    channel = account(sandbox, name)
    request = PublishRequest(channel=channel, text="A video", media=(MediaItem(f"{media_url}/v.mp4", "video/mp4"),))
    with pytest.raises(NotReady) as caught:
        XAdapter().publish(request)
    assert caught.value.progress["media"][0]["state"] == "pending"
    assert len(calls(sandbox, "/append", name)) == 2  # 1 MiB chunks
    assert sandbox.creates("x", name) == []
    resumed = PublishRequest(channel=channel, text="A video", media=request.media, progress=caught.value.progress)
    result = XAdapter().publish(resumed)
    assert [c["id"] for c in sandbox.creates("x", name)] == [result.external_id]
    assert len(calls(sandbox, "/initialize", name)) == 1 and len(calls(sandbox, "/append", name)) == 2


def test_gif_quote_and_poll(sandbox: Any, media_url: str) -> None:
    sandbox.set_faults({"x_media_status_polls": 0})
    name = f"xl_{uuid.uuid4().hex[:8]}"
    channel = account(sandbox, name)
    gif = PublishRequest(channel=channel, text="A gif", media=(MediaItem(f"{media_url}/g.gif", "image/gif"),))
    with pytest.raises(NotReady) as caught:
        XAdapter().publish(gif)
    root = XAdapter().publish(PublishRequest(channel=channel, text="A gif", media=gif.media,
                                             progress=caught.value.progress))
    quote = XAdapter().publish(PublishRequest(channel=channel, text="Quoting", quote_of=root.external_id))
    got = api(sandbox, channel, "GET", f"/2/tweets/{quote.external_id}", params={"tweet.fields": "referenced_tweets"})
    assert got.json()["data"]["referenced_tweets"] == [{"type": "quoted", "id": root.external_id}]
    poll = XAdapter().publish(PublishRequest(channel=channel, text="Vote", poll_options=("Yes", "No"),
                                             poll_minutes=60))
    assert poll.external_id


def test_inbox_streams_answers_and_hiding(sandbox: Any) -> None:
    tag = uuid.uuid4().hex[:8]
    name, fan_name = f"xl_{tag}", f"xf_{tag}"
    ours, fan = account(sandbox, name), account(sandbox, fan_name)
    adapter = XAdapter()
    root = adapter.publish(PublishRequest(channel=ours, text=f"Our post {tag}"))
    mention = adapter.publish(PublishRequest(channel=fan, text=f"Hey @{name} {tag}"))
    reply = adapter.reply(fan, ReplyTarget(kind="reply", external_id=root.external_id), f"Nice post {tag}")
    sent = api(sandbox, fan, "POST", f"/2/dm_conversations/with/{ours.external_id}/messages", json={"text": "Psst"})
    assert sent.status_code == 201
    page = adapter.fetch_inbox(ours, "")
    kinds = {item.external_id: item for item in page.items}
    assert kinds[mention.external_id].kind == "mention"
    assert kinds[reply.external_id].kind == "reply" and kinds[reply.external_id].post_external_id == root.external_id
    [message] = [item for item in page.items if item.kind == "message"]
    assert (message.text, message.author_handle, message.from_us) == ("Psst", fan_name, False)
    assert adapter.fetch_inbox(ours, page.cursor).items == ()

    adapter.reply(ours, ReplyTarget(kind="mention", external_id=mention.external_id), f"Thanks {tag}")
    adapter.reply(ours, ReplyTarget(kind="message", external_id=message.external_id,
                                    conversation_id=message.conversation_id), "Hello back")
    adapter.set_hidden(ours, reply.external_id, True)
    texts = [c["text"] for c in sandbox.creates("x", name)]
    assert f"Thanks {tag}" in texts
    dms = api(sandbox, fan, "GET", "/2/dm_events", params={"dm_event.fields": "sender_id"}).json()["data"]
    assert dms[0]["text"] == "Hello back" and dms[0]["sender_id"] == ours.external_id
    later = adapter.fetch_inbox(ours, page.cursor)
    assert [item.text for item in later.items] == ["Hello back"] and later.items[0].from_us
