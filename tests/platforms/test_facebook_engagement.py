"""Facebook video publishing, inbox reading, replies, hiding and webhook parsing against `responses` fixtures."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
import responses

from platforms.errors import ContentRejected, NotReady, OutcomeUnknown, TransientError
from platforms.facebook import FacebookAdapter
from platforms.types import ChannelRef, Credentials, MediaItem, PublishRequest, ReplyTarget
from tests.platforms.fake_facebook import GRAPH, JSON, PAGE_ID, FakeFacebook, fixture, graph_error

TOKEN = "engagement-page-token-5d4c3b"
CHANNEL = ChannelRef(platform="facebook", external_id=PAGE_ID, handle="smodemopage",
                     credentials=Credentials(access_token=TOKEN))
VIDEO = MediaItem(url="https://smo.example/media/signed/clip.mp4?sig=abc", mime_type="video/mp4")


@pytest.fixture
def fake(settings) -> Iterator[FakeFacebook]:
    settings.PLATFORM_ORIGINS = {}
    settings.FACEBOOK_GRAPH_VERSION = "v21.0"
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield FakeFacebook(mock)


def query(url: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}


# -- video ------------------------------------------------------------------------------------------


def test_video_uploads_once_then_finishes_on_the_next_call(fake: FakeFacebook) -> None:
    fake.install_video(["processing", "ready"])
    adapter = FacebookAdapter()
    request = PublishRequest(channel=CHANNEL, text="Launch clip", link="https://example.org/l", media=(VIDEO,))
    with pytest.raises(NotReady) as waiting:
        adapter.publish(request)
    video_id = str(fake.next_id)
    assert waiting.value.progress == {"video_id": video_id} and waiting.value.check_after_s > 0
    assert fake.forms == [(f"/{PAGE_ID}/videos", {"file_url": VIDEO.url, "description":
                                                  "Launch clip\n\nhttps://example.org/l", "access_token": TOKEN})]
    result = adapter.publish(PublishRequest(channel=CHANNEL, text="Launch clip", link="https://example.org/l",
                                            media=(VIDEO,), progress=waiting.value.progress))
    assert len(fake.forms) == 1  # never uploaded twice
    assert [urlsplit(u).path for u in fake.reads] == [f"/v21.0/{video_id}"] * 2
    assert query(fake.reads[-1]) == {"fields": "status,post_id,permalink_url", "access_token": TOKEN}
    assert result.external_id == f"{PAGE_ID}_778899"
    assert result.permalink == f"https://www.facebook.com/{PAGE_ID}/videos/778899/"


def test_video_ready_at_once_gets_its_first_comment(fake: FakeFacebook) -> None:
    fake.install_video(["ready"])
    fake.install_ok()
    result = FacebookAdapter().publish(PublishRequest(channel=CHANNEL, text="", media=(VIDEO,), first_comment="Hi"))
    assert [path for path, _ in fake.forms] == [f"/{PAGE_ID}/videos", f"/{PAGE_ID}_778899/comments"]
    assert "description" not in fake.forms[0][1] and result.warning == ""


def test_video_processing_error_is_content_rejected(fake: FakeFacebook) -> None:
    fake.install_video(["error"])
    with pytest.raises(ContentRejected, match="could not process the video"):
        FacebookAdapter().publish(PublishRequest(channel=CHANNEL, text="x", media=(VIDEO,),
                                                 progress={"video_id": "778899"}))
    assert fake.forms == []


def test_status_read_failing_after_the_upload_keeps_the_video(fake: FakeFacebook) -> None:
    fake.mock.add_callback(responses.POST, re.compile(rf"{GRAPH}/\d+/videos"), callback=fake._video,
                           content_type=JSON)
    fake.mock.add(responses.GET, re.compile(rf"{GRAPH}/\d+\?.*"), json=fixture("error_2"), status=503,
                  content_type=JSON)
    with pytest.raises(NotReady) as waiting:
        FacebookAdapter().publish(PublishRequest(channel=CHANNEL, text="x", media=(VIDEO,)))
    assert waiting.value.progress == {"video_id": str(fake.next_id)}
    assert TOKEN not in waiting.value.message


def test_video_upload_errors_follow_the_graph_table(fake: FakeFacebook) -> None:
    request = PublishRequest(channel=CHANNEL, text="x", media=(VIDEO,))
    fake.raise_on(responses.POST, "videos", requests.ReadTimeout("Read timed out."))
    with pytest.raises(OutcomeUnknown):
        FacebookAdapter().publish(request)
    fake.fail(responses.POST, "videos", fixture("error_2"), status=503)
    with pytest.raises(TransientError):
        FacebookAdapter().publish(request)


def test_validation_keeps_only_facebook_media_rules() -> None:
    adapter = FacebookAdapter()
    image = MediaItem(url="https://x/1.jpg", mime_type="image/jpeg")
    assert adapter.validate(PublishRequest(channel=CHANNEL, text="x", media=(VIDEO,))) == []
    assert adapter.validate(PublishRequest(channel=CHANNEL, text="x", media=(VIDEO, image))) == [
        "Facebook cannot mix a video with photos in one post: publish them as separate posts."]
    assert adapter.validate(PublishRequest(channel=CHANNEL, text="x", media=(VIDEO, VIDEO))) == [
        "Facebook takes one video per post; this post has 2."]


# -- inbox ------------------------------------------------------------------------------------------


@pytest.fixture
def inbox(fake: FakeFacebook) -> list[str]:
    """The Page's posts, comments on its newest post and one conversation; returns the URLs read."""
    seen: list[str] = []

    def answer(name: str):
        def callback(request) -> tuple[int, dict[str, str], str]:
            seen.append(request.url)
            return 200, {}, json.dumps(fixture(name) if name else {"data": []})
        return callback

    routes = [(rf"{PAGE_ID}/published_posts", "published_posts"), (rf"{PAGE_ID}_500/comments", "post_comments"),
              (rf"{PAGE_ID}_400/comments", ""), (rf"{PAGE_ID}/conversations", "conversations")]
    for path, name in routes:
        fake.mock.add_callback(responses.GET, re.compile(rf"{GRAPH}/{path}\?.*"), callback=answer(name),
                               content_type=JSON)
    return seen


def test_fetch_inbox_sends_the_documented_reads(inbox: list[str]) -> None:
    FacebookAdapter().fetch_inbox(CHANNEL, "")
    assert [urlsplit(u).path for u in inbox] == [f"/v21.0/{PAGE_ID}/published_posts", f"/v21.0/{PAGE_ID}_500/comments",
                                                 f"/v21.0/{PAGE_ID}_400/comments", f"/v21.0/{PAGE_ID}/conversations"]
    assert query(inbox[0]) == {"fields": "id,created_time", "limit": "10", "access_token": TOKEN}
    assert query(inbox[1]) == {"fields": "id,message,from,created_time,parent{id},permalink_url,is_hidden",
                               "filter": "stream", "order": "reverse_chronological", "limit": "100",
                               "access_token": TOKEN}
    assert query(inbox[3]) == {"platform": "messenger", "limit": "25", "access_token": TOKEN,
                               "fields": "id,updated_time,messages{id,message,from,to,created_time}"}


def test_fetch_inbox_maps_comments_replies_and_messages(inbox: list[str], caplog) -> None:
    with caplog.at_level(logging.WARNING):
        page = FacebookAdapter().fetch_inbox(CHANNEL, "")
    assert "without an id or time skipped" in caplog.text
    assert [(e.external_id, e.kind, e.from_us) for e in page.items] == [
        ("500_1", "comment", False), ("500_2", "comment", False), ("500_3", "reply", True),
        ("m_1", "message", False), ("m_2", "message", True)]
    love, hostile, thanks, question, answer = page.items
    assert (love.author_id, love.author_name, love.author_handle) == ("100000000000002", "Ana Fan", "")
    assert love.author_url == "https://www.facebook.com/100000000000002"
    assert love.conversation_id == love.post_external_id == love.in_reply_to == f"{PAGE_ID}_500"
    assert love.created_at == datetime(2025, 6, 2, 12, tzinfo=UTC)
    assert love.permalink == "https://www.facebook.com/102000000000001/posts/500?comment_id=1"
    assert hostile.text == "<script>alert(1)</script>" and hostile.permalink == "" and hostile.hidden
    assert (hostile.author_name, hostile.author_id, hostile.author_url) == ("Facebook user", "", "")
    assert thanks.in_reply_to == "500_1"
    assert (question.conversation_id, question.author_id, question.text) == ("6001", "6001", "Do you ship to Spain?")
    assert (answer.conversation_id, answer.author_id) == ("6001", PAGE_ID)


def test_fetch_inbox_cursor_returns_only_new_items(inbox: list[str]) -> None:
    adapter = FacebookAdapter()
    first = adapter.fetch_inbox(CHANNEL, "")
    cursor = json.loads(first.cursor)
    assert cursor["comments"] == {"t": "2025-06-02T12:05:00+00:00", "ids": ["500_3"]}
    assert cursor["messages"] == {"t": "2025-06-02T12:10:00+00:00", "ids": ["m_2"]}
    assert adapter.fetch_inbox(CHANNEL, first.cursor).items == ()
    older = json.dumps({"comments": {"t": "2025-06-02T12:01:00+00:00", "ids": ["500_2"]}})
    assert [e.external_id for e in adapter.fetch_inbox(CHANNEL, older).items] == ["500_3", "m_1", "m_2"]
    assert len(adapter.fetch_inbox(CHANNEL, "{not json").items) == 5  # a broken cursor starts over


def test_fetch_inbox_unexpected_answer_is_transient(fake: FakeFacebook) -> None:
    fake.mock.add(responses.GET, re.compile(rf"{GRAPH}/{PAGE_ID}/published_posts"), json={"data": "nope"},
                  content_type=JSON)
    with pytest.raises(TransientError, match="unexpected answer"):
        FacebookAdapter().fetch_inbox(CHANNEL, "")


# -- replies and hiding -----------------------------------------------------------------------------


def test_reply_to_a_comment_posts_on_the_comment(fake: FakeFacebook) -> None:
    fake.mock.add(responses.POST, f"{GRAPH}/500_1/comments", json={"id": "500_9"}, content_type=JSON)
    result = FacebookAdapter().reply(CHANNEL, ReplyTarget("comment", "500_1", f"{PAGE_ID}_500"), " Thank you! ")
    call = fake.mock.calls[0].request
    assert parse_qs(call.body) == {"message": ["Thank you!"], "access_token": [TOKEN]}
    assert result.external_id == "500_9"
    assert result.permalink == f"https://www.facebook.com/{PAGE_ID}/posts/500?comment_id=9"


def test_reply_to_a_message_uses_the_send_api(fake: FakeFacebook) -> None:
    fake.mock.add(responses.POST, f"{GRAPH}/{PAGE_ID}/messages", json={"recipient_id": "6001", "message_id": "m_77"},
                  content_type=JSON)
    adapter = FacebookAdapter()
    result = adapter.reply(CHANNEL, ReplyTarget("message", "m_1", "6001", "6001"), "Yes, we do")
    # Answering our own last message still goes to the person the thread is with.
    adapter.reply(CHANNEL, ReplyTarget("message", "m_2", "6001", PAGE_ID), "Anything else?")
    first, second = (parse_qs(c.request.body) for c in fake.mock.calls)
    assert first == {"messaging_type": ["RESPONSE"], "recipient": ['{"id": "6001"}'],
                     "message": ['{"text": "Yes, we do"}'], "access_token": [TOKEN]}
    assert second["recipient"] == ['{"id": "6001"}'] and result.external_id == "m_77"


def test_reply_errors(fake: FakeFacebook) -> None:
    fake.mock.add(responses.POST, f"{GRAPH}/{PAGE_ID}/messages", json=fixture("error_10_2018278"), status=400,
                  content_type=JSON)
    adapter = FacebookAdapter()
    with pytest.raises(ContentRejected, match="within 24 hours"):
        adapter.reply(CHANNEL, ReplyTarget("message", "m_1", "6001", "6001"), "late")
    with pytest.raises(ContentRejected, match="2,000 characters"):
        adapter.reply(CHANNEL, ReplyTarget("message", "m_1", "6001", "6001"), "x" * 2001)
    with pytest.raises(ContentRejected):
        adapter.reply(CHANNEL, ReplyTarget("comment", "500_1", f"{PAGE_ID}_500"), "   ")
    fake.mock.add(responses.POST, f"{GRAPH}/500_1/comments", body=requests.ReadTimeout("slow"))
    with pytest.raises(OutcomeUnknown):
        adapter.reply(CHANNEL, ReplyTarget("reply", "500_1", f"{PAGE_ID}_500"), "hello")
    assert len(fake.mock.calls) == 2  # the over-long and empty replies never left SMO


def test_set_hidden_posts_is_hidden_on_the_comment(fake: FakeFacebook) -> None:
    fake.mock.add(responses.POST, f"{GRAPH}/500_2", json={"success": True}, content_type=JSON)
    adapter = FacebookAdapter()
    adapter.set_hidden(CHANNEL, "500_2", True)
    adapter.set_hidden(CHANNEL, "500_2", False)
    assert [parse_qs(c.request.body)["is_hidden"] for c in fake.mock.calls] == [["true"], ["false"]]
    fake.mock.replace(responses.POST, f"{GRAPH}/500_2", json=graph_error(200), content_type=JSON)
    with pytest.raises(Exception, match="permission"):
        adapter.set_hidden(CHANNEL, "500_2", True)


# -- webhooks ---------------------------------------------------------------------------------------


def test_webhook_items_from_a_page_event() -> None:
    items = FacebookAdapter().webhook_items(fixture("webhook_page_event"))
    assert {item.account_id for item in items} == {PAGE_ID}
    assert [(i.entry.external_id, i.entry.kind, i.entry.in_reply_to, i.entry.from_us) for i in items] == [
        ("500_7", "comment", f"{PAGE_ID}_500", False), ("500_8", "reply", "500_7", False),
        ("m_9", "message", "", False), ("m_10", "message", "", True)]
    comment, _, message, echo = (i.entry for i in items)
    assert (comment.author_name, comment.text, comment.post_external_id) == ("Ana Fan", "Nice!", f"{PAGE_ID}_500")
    assert comment.created_at == datetime.fromtimestamp(1748865600, UTC)
    assert comment.permalink == f"https://www.facebook.com/{PAGE_ID}/posts/500?comment_id=7"
    assert (message.conversation_id, message.author_id, message.text) == ("6001", "6001", "Hello?")
    assert echo.conversation_id == "6001" and echo.created_at == datetime.fromtimestamp(1748865604, UTC)


@pytest.mark.parametrize("payload", [
    {}, {"object": "instagram", "entry": []}, {"object": "page", "entry": "x"}, {"object": "page", "entry": [1]},
    {"object": "page", "entry": [{"id": "not-a-page"}]},
    {"object": "page", "entry": [{"id": PAGE_ID, "changes": "x", "messaging": [{"message": "x"}]}]},
    {"object": "page", "entry": [{"id": PAGE_ID, "changes": [{"field": "feed", "value": {
        "item": "comment", "verb": "add", "comment_id": "1_2", "post_id": "1_1", "created_time": "yesterday"}}]}]},
])
def test_malformed_webhook_events_give_nothing(payload: dict, caplog) -> None:
    with caplog.at_level(logging.WARNING):
        assert FacebookAdapter().webhook_items(payload) == []
