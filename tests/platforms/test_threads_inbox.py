"""The Threads adapter's inbox against the live sandbox: what a sync returns, the cursor, answers, hiding."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from platforms.errors import NotSupported
from platforms.threads import ThreadsAdapter
from platforms.threads.client import connect
from platforms.types import ChannelRef, Credentials, PublishRequest, ReplyTarget

ACCOUNT = "inbox_threads"


@pytest.fixture
def channel(live_sandbox: Any, settings: Any) -> Iterator[ChannelRef]:
    settings.PLATFORM_ORIGINS = live_sandbox.origins()
    minted = live_sandbox.mint_token("threads", ACCOUNT)
    yield ChannelRef(platform="threads", external_id=minted["account_id"], handle=ACCOUNT,
                     credentials=Credentials(access_token=minted["access_token"]))
    live_sandbox.clear_faults()


def audience(sandbox: Any, **kinds: int) -> list[dict[str, Any]]:
    response = requests.post(f"{sandbox.base_url}/_sandbox/audience", timeout=10, json={
        "platform": "threads", "account": ACCOUNT, "webhook_url": "http://127.0.0.1:9/", **kinds})
    assert response.status_code == 201, response.text
    return response.json()["items"]


def test_sync_returns_each_item_once_oldest_first(live_sandbox: Any, channel: ChannelRef) -> None:
    adapter = ThreadsAdapter()
    root = adapter.publish(PublishRequest(channel=channel, text="Tell us what you think")).external_id
    first = adapter.fetch_inbox(channel, "")
    made = audience(live_sandbox, comments=1, replies=1, mentions=1)
    page = adapter.fetch_inbox(channel, first.cursor)
    ours = [e for e in page.items if e.external_id in {m["id"] for m in made}]
    assert [e.external_id for e in ours] == [m["id"] for m in made]
    comment, reply, mention = ours
    assert (comment.kind, comment.conversation_id, comment.in_reply_to, comment.post_external_id) == \
        ("comment", root, root, root)
    assert (reply.kind, reply.in_reply_to, reply.conversation_id) == ("reply", comment.external_id, root)
    assert (mention.kind, mention.conversation_id, mention.post_external_id) == ("mention", mention.external_id, "")
    assert mention.text.startswith(f"@{ACCOUNT} ") and not any(e.from_us for e in ours)
    assert set(json.loads(page.cursor)) == {"replies", "mentions"}
    assert adapter.fetch_inbox(channel, page.cursor).items == ()


def test_answer_comes_back_as_ours_and_hiding_toggles(live_sandbox: Any, channel: ChannelRef) -> None:
    adapter = ThreadsAdapter()
    root = adapter.publish(PublishRequest(channel=channel, text="Questions welcome")).external_id
    [made] = audience(live_sandbox, comments=1)
    answer = adapter.reply(channel, ReplyTarget("comment", made["id"], root), "Happy to help")
    page = adapter.fetch_inbox(channel, "")
    mine = next(e for e in page.items if e.external_id == answer.external_id)
    assert mine.from_us and mine.kind == "reply" and mine.in_reply_to == made["id"]
    conn = connect(channel)
    adapter.set_hidden(channel, made["id"], True)
    assert conn.get(f"/{made['id']}", fields="hide_status") == {"hide_status": "HIDDEN"}
    assert next(e for e in adapter.fetch_inbox(channel, "").items if e.external_id == made["id"]).hidden
    adapter.set_hidden(channel, made["id"], False)
    assert conn.get(f"/{made['id']}", fields="hide_status") == {"hide_status": "NOT_HUSHED"}


def test_direct_messages_do_not_exist_on_threads(channel: ChannelRef) -> None:
    with pytest.raises(NotSupported, match="Threads"):
        ThreadsAdapter().reply(channel, ReplyTarget("message", "m1", "t1", "someone"), "Hi")
