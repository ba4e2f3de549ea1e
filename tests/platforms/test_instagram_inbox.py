"""Instagram inbox against `responses` fixtures: exact requests, parsing, replies, hiding, webhooks."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
import responses

from platforms.errors import AuthExpired, ContentRejected, NotSupported
from platforms.instagram import InstagramAdapter
from platforms.types import ChannelRef, Credentials, ReplyTarget
from tests.platforms.fake_instagram import IG_ID, FakeInstagram, fixture

TOKEN = "ig-inbox-token-77c1"
CHANNEL = ChannelRef(platform="instagram", external_id=IG_ID, handle="smodemo",
                     credentials=Credentials(access_token=TOKEN))
MEDIA_FIELDS = ("id,permalink,timestamp,comments.limit(50){id,text,username,timestamp,from,hidden,parent_id,"
                "replies{id,text,username,timestamp,from,hidden,parent_id}}")


@pytest.fixture
def fake(settings) -> Iterator[FakeInstagram]:
    settings.PLATFORM_ORIGINS = {}
    settings.FACEBOOK_GRAPH_VERSION = "v21.0"
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        fake = FakeInstagram(mock)
        fake.answer(responses.GET, rf"{IG_ID}/media", fixture("inbox_media"))
        fake.answer(responses.GET, r"me/conversations", fixture("conversations"))
        yield fake


def test_first_sync_reads_media_comments_and_conversations(fake: FakeInstagram) -> None:
    page = InstagramAdapter().fetch_inbox(CHANNEL, "")
    (m1, path1, media_params), (m2, path2, conv_params) = fake.calls
    assert (m1, path1, m2, path2) == ("GET", f"/{IG_ID}/media", "GET", "/me/conversations")
    assert media_params == {"fields": MEDIA_FIELDS, "limit": "25", "access_token": TOKEN}
    assert conv_params == {"platform": "instagram", "limit": "25", "access_token": TOKEN,
                           "fields": "id,updated_time,messages.limit(25){id,message,from,to,created_time}"}
    kinds = [(e.kind, e.external_id) for e in page.items]
    assert kinds == [("comment", "17858893269000010"), ("reply", "17858893269000011"),
                     ("comment", "17858893269000012"), ("message", "aWdfZAG1fZAGl0ZAW0yMQ"),
                     ("message", "aWdfZAG1fZAGl0ZAW0yMg")]  # oldest first; the malformed comments are skipped
    comment, reply, hidden, question, answer = page.items
    assert comment.text == "<b>Love it</b> & more" and comment.author_handle == "fan.one"  # stored as plain text
    assert comment.conversation_id == comment.post_external_id == comment.in_reply_to == "17895695668004550"
    assert comment.author_url == "https://www.instagram.com/fan.one/" and comment.permalink.endswith("CdEf/")
    assert reply.in_reply_to == comment.external_id and reply.from_us and not comment.from_us
    assert hidden.hidden and not comment.hidden
    assert question.conversation_id == answer.conversation_id == question.author_id == "6543210987654321"
    assert answer.from_us and not question.from_us and question.text == "Do you ship to Lyon?"
    assert json.loads(page.cursor) == {
        "comments": {"since": "2025-06-02T12:07:00+0000", "seen": ["17858893269000012"]},
        "messages": {"since": "2025-06-02T12:10:00+0000", "seen": ["aWdfZAG1fZAGl0ZAW0yMg"]}}


def test_next_sync_returns_only_new_items(fake: FakeInstagram) -> None:
    adapter = InstagramAdapter()
    first = adapter.fetch_inbox(CHANNEL, "")
    again = adapter.fetch_inbox(CHANNEL, first.cursor)
    assert again.items == () and json.loads(again.cursor) == json.loads(first.cursor)
    assert adapter.fetch_inbox(CHANNEL, "not json").items == first.items  # a foreign cursor starts over


def test_reply_to_a_comment_posts_to_its_replies_edge(fake: FakeInstagram) -> None:
    fake.answer(responses.POST, r"17858893269000010/replies", {"id": "17858893269000030"})
    result = InstagramAdapter().reply(CHANNEL, ReplyTarget("comment", "17858893269000010", "17895695668004550"),
                                      "Thank you!")
    assert result.external_id == "17858893269000030"
    assert fake.calls[-1] == ("POST", "/17858893269000010/replies", {"message": "Thank you!", "access_token": TOKEN})


def test_reply_to_a_message_sends_recipient_and_text(fake: FakeInstagram) -> None:
    fake.answer(responses.POST, r"me/messages", fixture("message_send_200"))
    target = ReplyTarget("message", "aWdfZAG1fZAGl0ZAW0yMQ", "6543210987654321", author_id="6543210987654321")
    result = InstagramAdapter().reply(CHANNEL, target, "Yes, we do")
    assert result.external_id == "aWdfZAG1fZAGl0ZAW0yNA"
    method, path, sent = fake.calls[-1]
    assert (method, path) == ("POST", "/me/messages")
    assert json.loads(sent["recipient"]) == {"id": "6543210987654321"}
    assert json.loads(sent["message"]) == {"text": "Yes, we do"}


def test_reply_errors(fake: FakeInstagram) -> None:
    adapter = InstagramAdapter()
    with pytest.raises(ContentRejected, match="no sender id"):
        adapter.reply(CHANNEL, ReplyTarget("message", "m1"), "hi")
    with pytest.raises(NotSupported):
        adapter.reply(CHANNEL, ReplyTarget("like", "1"), "hi")
    fake.fail(responses.POST, r"17858893269000010/replies", fixture("error_190_463"))
    with pytest.raises(AuthExpired) as caught:
        adapter.reply(CHANNEL, ReplyTarget("comment", "17858893269000010"), "hi")
    assert TOKEN not in caught.value.message


@pytest.mark.parametrize("hidden", [True, False])
def test_set_hidden_posts_hide_on_the_comment(fake: FakeInstagram, hidden: bool) -> None:
    fake.answer(responses.POST, r"17858893269000010", {"success": True})
    InstagramAdapter().set_hidden(CHANNEL, "17858893269000010", hidden)
    assert fake.calls[-1] == ("POST", "/17858893269000010", {"hide": str(hidden).lower(), "access_token": TOKEN})


def test_webhook_comment_and_message_become_items() -> None:
    adapter = InstagramAdapter()
    [reply] = adapter.webhook_items(fixture("webhook_comment"))  # the id-only mention waits for the next sync
    assert reply.account_id == IG_ID and reply.entry.kind == "reply" and reply.entry.text == "me too <3"
    assert reply.entry.in_reply_to == "17858893269000010" and reply.entry.post_external_id == "17895695668004550"
    assert reply.entry.created_at == datetime.fromtimestamp(1748865600, UTC)
    [message] = adapter.webhook_items(fixture("webhook_message"))  # the read receipt is no item
    assert message.entry.kind == "message" and message.entry.conversation_id == "6543210987654321"
    assert message.entry.author_id == "6543210987654321" and message.entry.created_at.year == 2025


@pytest.mark.parametrize("payload", [{}, {"object": "page", "entry": []}, {"object": "instagram", "entry": "x"},
                                     {"object": "instagram", "entry": [{"messaging": [{"message": {"mid": "m"}}]}]}])
def test_malformed_webhooks_give_nothing(payload: dict, caplog: pytest.LogCaptureFixture) -> None:
    assert InstagramAdapter().webhook_items(payload) == []
    assert "malformed Instagram webhook" in caplog.text
