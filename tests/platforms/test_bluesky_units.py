"""Bluesky adapter pieces against `responses` fixtures shaped like XRPC (reference §10): inbox mapping and
cursor, chat without DM access, video job reuse, the connect form, the composer's counter."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
import responses
from django.template.loader import render_to_string

from platforms.bluesky import BlueskyAdapter
from platforms.bluesky.connect import BlueskyConnectForm, session_grant
from platforms.errors import NotReady
from platforms.types import ChannelRef, Credentials, MediaItem, PublishRequest
from scheduler.counter import text_length

PDS = "https://bsky.social/xrpc"
VIDEO = "https://video.bsky.app/xrpc"
DID = "did:plc:smodemo0000000000000001"
FAN = {"did": "did:plc:fan0000000000000000000002", "handle": "fan.bsky.social", "displayName": "Fan"}
CHANNEL = ChannelRef("bluesky", DID, "smodemo.bsky.social",
                     Credentials("access-jwt", "refresh-jwt", extra={"pds": "https://bsky.social", "did": DID}))
ROOT = {"uri": f"at://{DID}/app.bsky.feed.post/3root", "cid": "bafyroot"}


def note(reason: str, rkey: str, at: str, **record: Any) -> dict[str, Any]:
    return {"uri": f"at://{FAN['did']}/app.bsky.feed.post/{rkey}", "cid": f"bafy{rkey}", "author": FAN,
            "reason": reason, "isRead": False, "indexedAt": at,
            "record": {"$type": "app.bsky.feed.post", "text": f"{reason} text", "createdAt": at, **record}}


NOTES = [
    note("quote", "q1", "2026-03-01T10:00:04.000Z"),
    {**note("like", "l1", "2026-03-01T10:00:03.000Z"), "record": {"$type": "app.bsky.feed.like", "subject": ROOT}},
    {**note("follow", "f1", "2026-03-01T10:00:02.500Z"), "record": {"$type": "app.bsky.graph.follow"}},
    note("mention", "m1", "2026-03-01T10:00:02.000Z"),
    note("reply", "r1", "2026-03-01T10:00:01.000Z", reply={"root": ROOT, "parent": ROOT}),
]


@pytest.fixture
def mock(settings: Any) -> Iterator[responses.RequestsMock]:
    settings.PLATFORM_ORIGINS = {}
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        yield rsps


def test_notifications_become_replies_and_mentions_and_chat_without_dm_access_is_skipped(
        mock: responses.RequestsMock) -> None:
    mock.add(responses.GET, f"{PDS}/app.bsky.notification.listNotifications", json={"notifications": NOTES})
    mock.add(responses.GET, f"{PDS}/chat.bsky.convo.listConvos", status=400,
             json={"error": "InvalidToken", "message": "Bad token scope"})
    page = BlueskyAdapter().fetch_inbox(CHANNEL, "")
    assert [(i.kind, i.external_id.rsplit("/", 1)[1]) for i in page.items] == [
        ("reply", "r1"), ("mention", "m1"), ("mention", "q1")]
    reply = page.items[0]
    assert reply.conversation_id == ROOT["uri"] == reply.post_external_id and reply.in_reply_to == ROOT["uri"]
    assert reply.author_name == "Fan" and reply.permalink == "https://bsky.app/profile/fan.bsky.social/post/r1"
    assert json.loads(page.cursor) == {"notifications": "2026-03-01T10:00:04.000Z"}
    assert mock.calls[1].request.headers["atproto-proxy"] == "did:web:api.bsky.chat#bsky_chat"


def test_the_cursor_leaves_out_what_was_seen_and_stops_paging_there(mock: responses.RequestsMock) -> None:
    mock.add(responses.GET, f"{PDS}/app.bsky.notification.listNotifications",
             json={"notifications": NOTES, "cursor": "next-page"})
    mock.add(responses.GET, f"{PDS}/chat.bsky.convo.listConvos", json={"convos": [{
        "id": "convo1", "members": [FAN], "lastMessage": {"id": "old", "sentAt": "2026-03-01T09:00:00.000Z"}}]})
    cursor = json.dumps({"notifications": "2026-03-01T10:00:02.000Z", "messages": "2026-03-01T09:00:00.000Z"})
    page = BlueskyAdapter().fetch_inbox(CHANNEL, cursor)
    assert [i.external_id.rsplit("/", 1)[1] for i in page.items] == ["q1"]
    assert len([c for c in mock.calls if "listNotifications" in c.request.url]) == 1  # older items seen: no page 2
    assert not [c for c in mock.calls if "getMessages" in c.request.url]  # no newer message in the conversation
    assert json.loads(page.cursor)["messages"] == "2026-03-01T09:00:00.000Z"


def test_a_repeated_video_upload_carries_on_with_the_first_job(mock: responses.RequestsMock) -> None:
    mock.add(responses.GET, "https://files.example/clip.mp4", body=b"video-bytes")
    mock.add(responses.GET, f"{PDS}/com.atproto.server.getServiceAuth", json={"token": "service-jwt"})
    mock.add(responses.POST, f"{VIDEO}/app.bsky.video.uploadVideo", status=409,
             json={"error": "already_exists", "message": "Video already processed", "jobId": "job-1"})
    mock.add(responses.GET, f"{VIDEO}/app.bsky.video.getJobStatus",
             json={"jobStatus": {"jobId": "job-1", "did": DID, "state": "JOB_STATE_ENCODING", "progress": 40}})
    clip = MediaItem(url="https://files.example/clip.mp4", mime_type="video/mp4")
    with pytest.raises(NotReady) as waiting:
        BlueskyAdapter().publish(PublishRequest(channel=CHANNEL, text="clip", media=(clip,)))
    assert waiting.value.progress == {"video_job": "job-1"}
    auth = next(c for c in mock.calls if "getServiceAuth" in c.request.url).request.url
    assert "aud=did%3Aweb%3Absky.social" in auth and "lxm=com.atproto.repo.uploadBlob" in auth
    upload = next(c for c in mock.calls if "uploadVideo" in c.request.url).request
    assert upload.headers["Authorization"] == "Bearer service-jwt" and f"did={DID.replace(':', '%3A')}" in upload.url


def test_connect_form_normalises_the_handle_and_the_did_doc_names_the_pds() -> None:
    form = BlueskyConnectForm(data={"handle": " @Brand.Example.COM ", "app_password": "ABCD-1234-efgh-5678"})
    assert form.is_valid() and form.cleaned_data == {"handle": "brand.example.com",
                                                      "app_password": "abcd-1234-efgh-5678"}
    body = {"did": DID, "handle": "brand.example.com", "accessJwt": "a.b.c", "refreshJwt": "r",
            "didDoc": {"service": [{"id": "#atproto_pds", "type": "AtprotoPersonalDataServer",
                                    "serviceEndpoint": "https://morel.us-east.host.bsky.network"}]}}
    assert session_grant(body, "https://bsky.social").extra["pds"] == "https://morel.us-east.host.bsky.network"
    assert session_grant({**body, "didDoc": {}}, "https://bsky.social").extra["pds"] == "https://bsky.social"


def test_the_composer_counts_graphemes_of_the_text_bluesky_receives() -> None:
    request = PublishRequest(channel=CHANNEL, text="Neu 🇩🇪", link="https://example.com")
    assert BlueskyAdapter.composed_text(request) == "Neu 🇩🇪\n\nhttps://example.com"
    assert BlueskyAdapter.text_length("👨‍👩‍👧🇩🇪e\u0301") == 3
    assert text_length("bluesky", "👨‍👩‍👧🇩🇪") == 2


def test_the_preview_card_escapes_text_and_names_video_and_thread() -> None:
    clip = MediaItem(url="https://files.example/clip.mp4", mime_type="video/mp4", alt_text="<b>alt</b>")
    request = PublishRequest(channel=CHANNEL, text="<script>x</script>", media=(clip,), thread=("two", "three"))
    html = render_to_string("scheduler/composer_preview_bluesky.html", {
        "channel": {"display_name": "Brand", "handle": "brand.bsky.social"}, "request": request,
        "shown": BlueskyAdapter.composed_text(request), "first": clip})
    assert "&lt;script&gt;" in html and "<script>" not in html and "&lt;b&gt;alt" in html
    assert "Video" in html and "+ 2 replies in the thread" in html and "Bluesky" in html
