"""The X inbox against `responses` fixtures: mentions, replies, DMs, answering, hiding, webhooks."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
import responses

from platforms.errors import ContentRejected, OutcomeUnknown, TransientError
from platforms.types import ReplyTarget
from platforms.x import XAdapter
from tests.platforms.fake_x import API, USER_ID, FakeX, fixture
from tests.platforms.test_x_adapter import channel

ROOT = "1929480000000000002"


@pytest.fixture
def fake(settings) -> FakeX:
    settings.PLATFORM_ORIGINS = {}
    settings.X_CONSUMER_KEY = settings.X_CONSUMER_SECRET = None
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield FakeX(mock)


def install_streams(fake: FakeX, *, dms: dict | None = None, dm_status: int = 200) -> None:
    fake.mock.add(responses.GET, f"{API}/2/users/{USER_ID}/mentions", json=fixture("mentions"))
    fake.mock.add(responses.GET, f"{API}/2/users/{USER_ID}/tweets", json=fixture("users_tweets"))
    fake.mock.add(responses.GET, f"{API}/2/tweets/search/recent", json=fixture("search_replies"))
    fake.mock.add(responses.GET, f"{API}/2/dm_events", json=dms if dms is not None else fixture("dm_events"),
                  status=dm_status)


def query_of(fake: FakeX, path: str) -> dict[str, list[str]]:
    [request] = [c.request for c in fake.mock.calls if urlsplit(c.request.url).path == path]
    return parse_qs(urlsplit(request.url).query)


def test_first_sync_reads_all_three_streams(fake: FakeX) -> None:
    install_streams(fake)
    page = XAdapter().fetch_inbox(channel(), "")
    assert [(e.external_id, e.kind) for e in page.items] == [
        ("1929490000000000005", "mention"),
        ("1929500000000000010", "reply"),
        ("1929500000000000020", "reply"),
        ("1929600000000000200", "message"),
        ("1929600000000000300", "message"),
    ]
    ann = page.items[1]
    assert (ann.post_external_id, ann.conversation_id, ann.in_reply_to) == (ROOT, ROOT, ROOT)
    assert ann.text == "@smo_demo Is the sale online too? <script>alert(1)</script>"  # stored as given
    assert ann.author_url == "https://x.com/ann" and ann.permalink == "https://x.com/ann/status/1929500000000000010"
    dan = page.items[2]
    assert dan.author_avatar_url == "https://pbs.twimg.com/profile_images/2/dan_normal.jpg"
    assert dan.post_external_id == ROOT and dan.in_reply_to == "1929500000000000010"
    cara, ours = page.items[3], page.items[4]
    assert (cara.author_id, cara.author_handle, cara.conversation_id) == ("1023", "cara", "1023-2244994945")
    assert cara.from_us is False and ours.from_us is True
    assert cara.permalink == "https://x.com/messages/1023-2244994945"
    assert json.loads(page.cursor) == {"mentions": "1929500000000000010", "replies": "1929500000000000020",
                                       "messages": "1929600000000000300"}
    search = query_of(fake, "/2/tweets/search/recent")
    assert search["query"] == [f"conversation_id:{ROOT} OR conversation_id:1929470000000000001"]
    assert "since_id" not in search
    roots = query_of(fake, f"/2/users/{USER_ID}/tweets")
    assert roots["exclude"] == ["replies,retweets"] and roots["max_results"] == ["10"]
    dm = query_of(fake, "/2/dm_events")
    assert dm["dm_event.fields"] == ["id,text,created_at,sender_id,dm_conversation_id"]
    assert dm["expansions"] == ["sender_id"] and dm["event_types"] == ["MessageCreate"]


def test_next_sync_uses_each_streams_cursor(fake: FakeX) -> None:
    install_streams(fake, dms=fixture("dm_events"))
    cursor = json.dumps({"mentions": "1929500000000000010", "replies": "1929500000000000015",
                         "messages": "1929600000000000200"})
    page = XAdapter().fetch_inbox(channel(), cursor)
    assert query_of(fake, f"/2/users/{USER_ID}/mentions")["since_id"] == ["1929500000000000010"]
    assert query_of(fake, "/2/tweets/search/recent")["since_id"] == ["1929500000000000015"]
    # dm_events has no since_id: the older event is dropped by id on our side
    assert [e.external_id for e in page.items if e.kind == "message"] == ["1929600000000000300"]


def test_an_old_mentions_only_cursor_still_works(fake: FakeX) -> None:
    install_streams(fake)
    XAdapter().fetch_inbox(channel(), "1929400000000000000")
    assert query_of(fake, f"/2/users/{USER_ID}/mentions")["since_id"] == ["1929400000000000000"]


def test_nothing_new_keeps_the_cursor(fake: FakeX) -> None:
    empty = {"meta": {"result_count": 0}}
    fake.mock.add(responses.GET, f"{API}/2/users/{USER_ID}/mentions", json=empty)
    fake.mock.add(responses.GET, f"{API}/2/users/{USER_ID}/tweets", json=fixture("users_tweets_empty"))
    fake.mock.add(responses.GET, f"{API}/2/dm_events", json=empty)
    cursor = json.dumps({"mentions": "1929500000000000010", "messages": "1929600000000000300"})
    page = XAdapter().fetch_inbox(channel(), cursor)
    assert page.items == () and json.loads(page.cursor) == json.loads(cursor)
    assert not [c for c in fake.mock.calls if "search" in c.request.url]  # no posts, no replies to look for


def test_missing_dm_scope_skips_messages_only(fake: FakeX, caplog: pytest.LogCaptureFixture) -> None:
    install_streams(fake, dms={"title": "Forbidden", "status": 403, "detail": "Forbidden", "type": "about:blank"},
                    dm_status=403)
    with caplog.at_level(logging.WARNING):
        page = XAdapter().fetch_inbox(channel(), "")
    assert {e.kind for e in page.items} == {"mention", "reply"}
    assert "messages" not in json.loads(page.cursor)
    assert "direct messages not readable" in caplog.text


def test_malformed_items_are_skipped(fake: FakeX) -> None:
    install_streams(fake, dms={"data": [{"id": "nope", "text": "x"}, "junk"], "meta": {}})
    page = XAdapter().fetch_inbox(channel(), "")
    assert all(e.kind != "message" for e in page.items)


# -- answering --------------------------------------------------------------------------------

def test_reply_to_a_message_thread_posts_to_the_conversation(fake: FakeX) -> None:
    fake.mock.add(responses.POST, f"{API}/2/dm_conversations/1023-2244994945/messages", status=201,
                  json=fixture("dm_create_201"))
    target = ReplyTarget(kind="message", external_id="1929600000000000200", conversation_id="1023-2244994945",
                         author_id="1023")
    result = XAdapter().reply(channel(), target, "It shipped today.")
    sent = fake.mock.calls[0].request
    assert json.loads(sent.body) == {"text": "It shipped today."}
    assert sent.headers["Authorization"].startswith("Bearer ")
    assert result.external_id == "1929600000000000400"
    assert result.permalink == "https://x.com/messages/1023-2244994945"


def test_reply_to_a_message_without_conversation_uses_the_participant(fake: FakeX) -> None:
    fake.mock.add(responses.POST, f"{API}/2/dm_conversations/with/1023/messages", status=201,
                  json=fixture("dm_create_201"))
    XAdapter().reply(channel(), ReplyTarget(kind="message", external_id="1", author_id="1023"), "Hi")
    assert urlsplit(fake.mock.calls[0].request.url).path == "/2/dm_conversations/with/1023/messages"
    with pytest.raises(ContentRejected, match="which X conversation"):
        XAdapter().reply(channel(), ReplyTarget(kind="message", external_id="1"), "Hi")


def test_message_timeout_after_send_is_outcome_unknown(fake: FakeX) -> None:
    fake.mock.add(responses.POST, f"{API}/2/dm_conversations/1023-2244994945/messages",
                  body=requests.ReadTimeout("timed out"))
    with pytest.raises(OutcomeUnknown):
        XAdapter().reply(channel(), ReplyTarget(kind="message", external_id="1", conversation_id="1023-2244994945"),
                         "Hi")


def test_set_hidden_puts_the_flag(fake: FakeX) -> None:
    url = f"{API}/2/tweets/1929500000000000020/hidden"
    fake.mock.add(responses.PUT, url, json={"data": {"hidden": True}})
    fake.mock.add(responses.PUT, url, json={"data": {"hidden": False}})
    XAdapter().set_hidden(channel(), "1929500000000000020", True)
    XAdapter().set_hidden(channel(), "1929500000000000020", False)
    assert [json.loads(c.request.body) for c in fake.mock.calls] == [{"hidden": True}, {"hidden": False}]
    assert all(c.request.method == "PUT" for c in fake.mock.calls)


def test_set_hidden_unconfirmed_is_transient(fake: FakeX) -> None:
    fake.mock.add(responses.PUT, f"{API}/2/tweets/1/hidden", json={"data": {"hidden": False}})
    with pytest.raises(TransientError):
        XAdapter().set_hidden(channel(), "1", True)


# -- webhooks ---------------------------------------------------------------------------------

def test_webhook_tweets_become_mentions_and_replies() -> None:
    items = XAdapter().webhook_items(fixture("webhook_tweet_create"))
    assert [(i.account_id, i.entry.external_id, i.entry.kind) for i in items] == [
        (USER_ID, "1929500000000000010", "reply"), (USER_ID, "1929500000000000011", "mention")]
    reply, mention = items[0].entry, items[1].entry
    assert reply.post_external_id == ROOT and reply.conversation_id == ROOT and reply.author_handle == "ann"
    assert reply.created_at == datetime(2025, 6, 2, 10, 0, tzinfo=UTC)
    assert reply.author_avatar_url.endswith("ann_normal.jpg") and reply.author_url == "https://x.com/ann"
    assert mention.text.endswith("truncated by the legacy format")


def test_webhook_direct_messages_skip_our_own() -> None:
    [item] = XAdapter().webhook_items(fixture("webhook_direct_message"))
    entry = item.entry
    assert (entry.kind, entry.external_id, entry.conversation_id) == ("message", "1929600000000000500",
                                                                      "1023-2244994945")
    assert (entry.author_id, entry.author_handle, entry.text) == ("1023", "cara", "Hello from DMs")
    assert entry.created_at == datetime(2025, 6, 2, 10, 0, tzinfo=UTC)


@pytest.mark.parametrize("payload", [
    {"for_user_id": USER_ID, "tweet_create_events": [{"id_str": "1"}]},
    {"for_user_id": USER_ID, "direct_message_events": "nope"},
    {"tweet_create_events": []},
])
def test_malformed_webhook_events_give_nothing_and_a_warning(payload: dict, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING):
        assert XAdapter().webhook_items(payload) == []
    assert "X webhook event" in caplog.text


def test_other_webhook_kinds_are_ignored_quietly() -> None:
    assert XAdapter().webhook_items({"for_user_id": USER_ID, "favorite_events": [{"id": "1"}]}) == []
