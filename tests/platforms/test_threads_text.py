"""Threads' text rules, validation and option checks, the composer hooks, and webhook parsing."""

from __future__ import annotations

from platforms.threads import ThreadsAdapter
from platforms.threads.inbox import webhook_entries
from platforms.threads.text import fingerprint_text, links, text_length
from platforms.types import ChannelRef, Credentials, MediaItem, PublishRequest

CHANNEL = ChannelRef(platform="threads", external_id="25025320230489197", handle="smodemo",
                     credentials=Credentials(access_token="t"))
IMAGE = MediaItem(url="https://smo.example/m/a.jpg", mime_type="image/jpeg")


def request(text: str = "Hello", **values: object) -> PublishRequest:
    return PublishRequest(channel=CHANNEL, text=text, **values)  # type: ignore[arg-type]


def test_emojis_count_as_their_utf8_bytes() -> None:
    assert text_length("hello") == 5
    assert text_length("hi 👋") == 7
    assert text_length("✨") == 3
    assert text_length("👍🏽") == 8  # the thumb and its skin tone, 4 bytes each
    assert text_length("Grüße, 東京") == 9  # letters outside ASCII are still one each


def test_the_limit_is_500_as_threads_counts_it() -> None:
    adapter = ThreadsAdapter()
    assert adapter.validate(request("a" * 496 + "👋")) == []
    problems = adapter.validate(request("a" * 497 + "👋"))
    assert len(problems) == 1 and "500" in problems[0] and "501" in problems[0] and "Threads" in problems[0]


def test_the_link_is_appended_and_counted() -> None:
    assert ThreadsAdapter.composed_text(request("Read this", link="https://example.com/a")) == \
        "Read this\n\nhttps://example.com/a"
    assert ThreadsAdapter.composed_text(request("Read https://example.com/a", link="https://example.com/a")) == \
        "Read https://example.com/a"
    assert ThreadsAdapter.text_length("hi 👋") == 7


def test_more_than_five_distinct_links_are_refused() -> None:
    five = " ".join(f"https://example.com/{n}" for n in range(5)) + " https://example.com/0."
    assert len(links(five)) == 5 and ThreadsAdapter().validate(request(five)) == []
    problems = ThreadsAdapter().validate(request(five + " www.example.org"))
    assert problems == ["Threads allows at most 5 links in the post; it has 6."]


def test_thread_parts_follow_the_same_rules() -> None:
    problems = ThreadsAdapter().validate(request("Root", thread=("fine", "", "b" * 501)))
    assert any("empty reply" in p and "part 3" in p for p in problems)
    assert any("part 4 of the thread" in p for p in problems)


def test_media_rules() -> None:
    adapter = ThreadsAdapter()
    assert adapter.validate(request("", media=(IMAGE,))) == []  # media without text is fine
    assert "empty" in adapter.validate(request(""))[0]
    gif = MediaItem(url="https://smo.example/m/a.gif", mime_type="image/gif")
    assert "GIF" in adapter.validate(request(media=(gif,)))[0]
    assert "20" in adapter.validate(request(media=(IMAGE,) * 21))[0]
    assert adapter.validate(request(media=(IMAGE,) * 20)) == []
    long_video = MediaItem(url="https://smo.example/m/v.mp4", mime_type="video/mp4", duration_s=301)
    assert "5 minutes" in adapter.validate(request(media=(long_video,)))[0]


def test_reply_control_must_be_a_threads_value() -> None:
    assert ThreadsAdapter().validate(request(options={"reply_control": "followers_only"})) == []
    assert "reply setting" in ThreadsAdapter().validate(request(options={"reply_control": "friends"}))[0]


def test_fingerprint_matches_what_threads_returns() -> None:
    adapter = ThreadsAdapter()
    sent = request("Hello  &amp; welcome", link="https://example.com")
    assert adapter.fingerprint(sent) == fingerprint_text("Hello & welcome\nhttps://example.com")
    assert adapter.fingerprint(sent) != adapter.fingerprint(request("Hello"))


def test_webhook_replies_and_mentions_become_entries() -> None:
    reply = {"app_id": "1", "topic": "moderate", "target_id": "25025320230489197", "time": 1717000000,
             "values": {"field": "replies", "value": {
                 "id": "1801", "username": "maria_lopez", "text": "<b>Nice</b>",
                 "timestamp": "2024-05-29T10:00:00+0000",
                 "replied_to": {"id": "1800"}, "root_post": {"id": "1800", "owner_id": "25025320230489197"}}}}
    [item] = webhook_entries(reply)
    assert item.account_id == "25025320230489197"
    entry = item.entry
    assert (entry.kind, entry.conversation_id, entry.in_reply_to) == ("comment", "1800", "1800")
    assert entry.text == "<b>Nice</b>"  # stored as text; escaping happens where it is shown
    assert entry.author_url == "https://www.threads.net/@maria_lopez"
    mention = {**reply, "values": [{"field": "mentions", "value": {
        "id": "1900", "username": "zoe_runs", "text": "@smodemo hi", "timestamp": "2024-05-29T10:00:00+0000"}}]}
    assert [i.entry.kind for i in webhook_entries(mention)] == ["mention"]
    assert ThreadsAdapter().webhook_items({"unexpected": True}) == []


def test_the_preview_card_escapes_text_and_shows_carousel_and_thread() -> None:
    from django.template.loader import render_to_string

    alt = MediaItem(url="https://files.example/a.jpg", mime_type="image/jpeg", alt_text="<b>alt</b>")
    sent = request("<script>x</script>", media=(alt, IMAGE), thread=("two <i>", "three"))
    html = render_to_string("scheduler/composer_preview_threads.html", {
        "channel": {"display_name": "Brand", "handle": "brand"}, "request": sent,
        "shown": ThreadsAdapter.composed_text(sent), "first": alt})
    assert "&lt;script&gt;" in html and "<script>" not in html and "&lt;b&gt;alt" in html
    assert "2 items in a carousel" in html and "two &lt;i&gt;" in html and "Threads" in html
