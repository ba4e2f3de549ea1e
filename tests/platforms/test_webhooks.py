"""Webhook receivers: handshakes, signatures on the raw body, replay safety, channel matching.

Expected signatures are computed here with hashlib/hmac directly, never with SMO's own helpers, so a
bug in the verifier cannot be mirrored by the test.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from typing import Any

import pytest
from django.test import Client

from platforms.models import WebhookEvent
from platforms.sandbox import webhooks as sender
from platforms.webhooks import MAX_BODY_BYTES
from tests.factories import ChannelFactory, WorkspaceFactory

pytestmark = pytest.mark.django_db

META_URL, X_URL = "/webhooks/meta/", "/webhooks/x/"
APP_SECRET, CONSUMER_SECRET, VERIFY_TOKEN = "meta-app-secret-1", "x-consumer-secret-1", "verify-me-7"
PAGE_ID, IG_ID, X_USER_ID = "102000000000001", "17841400000000001", "1700000000000000001"


@pytest.fixture(autouse=True)
def secrets_configured(settings: Any) -> None:
    settings.FACEBOOK_APP_SECRET, settings.X_CONSUMER_SECRET = APP_SECRET, CONSUMER_SECRET
    settings.META_WEBHOOK_VERIFY_TOKEN = VERIFY_TOKEN


def mac(secret: str, message: bytes) -> bytes:
    return hmac.new(secret.encode(), message, hashlib.sha256).digest()


def meta_sig(body: bytes, secret: str = APP_SECRET) -> str:
    return "sha256=" + mac(secret, body).hex()


def x_sig(body: bytes, secret: str = CONSUMER_SECRET) -> str:
    return "sha256=" + base64.b64encode(mac(secret, body)).decode()


def comment_entry(page_id: str = PAGE_ID, comment_id: str = "111_222", time: int = 1763900000,
                  message: str = "Love it") -> dict[str, Any]:
    value = {"item": "comment", "verb": "add", "comment_id": comment_id, "post_id": f"{page_id}_111",
             "message": message, "from": {"id": "9001", "name": "Fan"}}
    return {"id": page_id, "time": time, "changes": [{"field": "feed", "value": value}]}


def meta_body(*entries: dict[str, Any], kind: str = "page") -> bytes:
    return json.dumps({"object": kind, "entry": list(entries)}).encode()


def x_body(tweet_id: str = "1860000000000000001", for_user_id: str = X_USER_ID) -> bytes:
    tweet = {"id_str": tweet_id, "text": "@smo_demo hi", "user": {"id_str": "42", "screen_name": "fan"}}
    return json.dumps({"for_user_id": for_user_id, "tweet_create_events": [tweet]}).encode()


def post_meta(client: Client, body: bytes, signature: str | None = "", **headers: str) -> Any:
    if signature is not None:
        headers["X-Hub-Signature-256"] = signature or meta_sig(body)
    return client.post(META_URL, data=body, content_type="application/json", headers=headers)


def post_x(client: Client, body: bytes, signature: str | None = "") -> Any:
    headers = {} if signature is None else {"x-twitter-webhooks-signature": signature or x_sig(body)}
    return client.post(X_URL, data=body, content_type="application/json", headers=headers)


# -- Meta: subscription handshake -----------------------------------------------------------

def test_meta_handshake_echoes_the_challenge(client: Client) -> None:
    params = {"hub.mode": "subscribe", "hub.verify_token": VERIFY_TOKEN, "hub.challenge": "1158201444"}
    response = client.get(META_URL, params)
    assert response.status_code == 200
    assert response.content == b"1158201444"
    assert response["Content-Type"].startswith("text/plain")


@pytest.mark.parametrize("params", [
    {"hub.mode": "subscribe", "hub.verify_token": "wrong", "hub.challenge": "42"},
    {"hub.mode": "subscribe", "hub.challenge": "42"},
    {"hub.mode": "unsubscribe", "hub.verify_token": VERIFY_TOKEN, "hub.challenge": "42"},
    {"hub.mode": "subscribe", "hub.verify_token": "verify-me-7é", "hub.challenge": "42"},
])
def test_meta_handshake_refuses_a_wrong_token_or_mode(client: Client, params: dict[str, str]) -> None:
    response = client.get(META_URL, params)
    assert response.status_code == 403
    assert b"42" not in response.content


def test_meta_handshake_is_refused_while_the_verify_token_is_unset(client: Client, settings: Any) -> None:
    settings.META_WEBHOOK_VERIFY_TOKEN = None
    response = client.get(META_URL, {"hub.mode": "subscribe", "hub.verify_token": "", "hub.challenge": "42"})
    assert response.status_code == 403
    assert "META_WEBHOOK_VERIFY_TOKEN" in response.json()["error"]


# -- Meta: events ---------------------------------------------------------------------------

def test_a_valid_meta_event_is_stored_once_and_replays_are_ignored(client: Client) -> None:
    body = meta_body(comment_entry())
    answers = [post_meta(client, body) for _ in range(4)]
    assert [a.status_code for a in answers] == [200] * 4
    assert [a.json() for a in answers] == [{"received": 1, "stored": 1}] + [{"received": 1, "stored": 0}] * 3
    event = WebhookEvent.objects.get()
    assert (event.platform, event.account_id, event.processed_at) == ("facebook", PAGE_ID, None)
    assert bytes(event.raw_body) == body and event.received_at is not None
    assert event.payload == {"object": "page", "entry": [comment_entry()]}
    assert event.event_id.startswith("sha256:")


def test_nul_and_lone_surrogates_from_a_stranger_are_stored_not_refused(client: Client) -> None:
    """PostgreSQL's jsonb refuses both; a 500 would make Meta retry the event for ever."""
    body = meta_body(comment_entry(message="bad\u0000byte \ud800half \U0001F600"))
    assert b"\\u0000" in body and b"\\ud800" in body

    answers = [post_meta(client, body) for _ in range(2)]

    assert [a.json() for a in answers] == [{"received": 1, "stored": 1}, {"received": 1, "stored": 0}]
    event = WebhookEvent.objects.get()
    assert bytes(event.raw_body) == body
    stored = event.payload["entry"][0]["changes"][0]["value"]["message"]
    assert stored == "badbyte \ufffdhalf \U0001F600"


def test_a_replay_serialised_differently_is_still_the_same_event(client: Client) -> None:
    entry = comment_entry()
    post_meta(client, meta_body(entry))
    reordered = json.dumps({"entry": [dict(reversed(list(entry.items())))], "object": "page"}, indent=2).encode()
    assert post_meta(client, reordered).json() == {"received": 1, "stored": 0}
    assert WebhookEvent.objects.count() == 1


def test_each_entry_of_a_batch_is_its_own_event(client: Client) -> None:
    first, second = comment_entry(comment_id="1_1"), comment_entry(comment_id="1_2")
    assert post_meta(client, meta_body(first, second)).json() == {"received": 2, "stored": 2}
    third = comment_entry(comment_id="1_3")
    assert post_meta(client, meta_body(second, third)).json() == {"received": 2, "stored": 1}
    assert WebhookEvent.objects.count() == 3


def test_events_arriving_out_of_order_are_both_stored(client: Client) -> None:
    later = comment_entry(comment_id="1_2", time=1763900100, message="second")
    earlier = comment_entry(comment_id="1_1", time=1763900000, message="first")
    assert post_meta(client, meta_body(later)).status_code == 200
    assert post_meta(client, meta_body(earlier)).status_code == 200
    stored = {e.payload["entry"][0]["changes"][0]["value"]["message"] for e in WebhookEvent.objects.all()}
    assert stored == {"first", "second"}


def _sha1_header(body: bytes) -> str:
    return "sha1=" + hmac.new(APP_SECRET.encode(), body, hashlib.sha1).hexdigest()


@pytest.mark.parametrize("forge", [
    pytest.param(lambda body: {"signature": meta_sig(body, "not-the-app-secret")}, id="wrong-secret"),
    pytest.param(lambda body: {"signature": meta_sig(body.replace(b"Love", b"Hate"))}, id="body-changed"),
    pytest.param(lambda body: {"signature": None}, id="missing-header"),
    pytest.param(lambda body: {"signature": "sha256="}, id="empty-signature"),
    pytest.param(lambda body: {"signature": _sha1_header(body)}, id="sha1-prefix"),
    pytest.param(lambda body: {"signature": None, "X-Hub-Signature": _sha1_header(body)}, id="legacy-sha1-header"),
    pytest.param(lambda body: {"signature": "sha1=" + mac(APP_SECRET, body).hex()}, id="sha256-under-sha1"),
    pytest.param(lambda body: {"signature": meta_sig(body)[7:]}, id="no-prefix"),
    pytest.param(lambda body: {"signature": "sha256=é" + meta_sig(body)[8:]}, id="non-ascii"),
])
def test_a_forged_meta_event_is_refused_and_nothing_stored(client: Client, forge: Any) -> None:
    body = meta_body(comment_entry())
    response = post_meta(client, body, **forge(body))
    assert response.status_code == 403
    assert WebhookEvent.objects.count() == 0


def test_a_body_changed_after_signing_is_refused(client: Client) -> None:
    body = meta_body(comment_entry())
    response = post_meta(client, body.replace(b"Love", b"Hate"), meta_sig(body))
    assert response.status_code == 403
    assert WebhookEvent.objects.count() == 0


@pytest.mark.parametrize(("body", "message"), [
    (b'{"object": "page", "entry": [', "not valid UTF-8 JSON"),
    (b"\xff\xfe not utf-8", "not valid UTF-8 JSON"),
    (b'["a", "list"]', "must be a JSON object"),
    (b'{"object": "page"}', "`entry` list"),
    (b'{"object": "page", "entry": ["x"]}', "`entry` list"),
])
def test_valid_signature_on_malformed_json_is_a_400(client: Client, body: bytes, message: str) -> None:
    response = post_meta(client, body)
    assert response.status_code == 400
    assert message in response.json()["error"]
    assert WebhookEvent.objects.count() == 0


def test_an_oversized_body_is_refused_before_anything_else(client: Client) -> None:
    body = meta_body(comment_entry(message="x" * MAX_BODY_BYTES))
    response = post_meta(client, body)
    assert response.status_code == 413
    assert WebhookEvent.objects.count() == 0


def test_a_body_of_exactly_the_limit_is_read(client: Client) -> None:
    body = meta_body(comment_entry(message=""))
    body = body.replace(b'"message": ""', b'"message": "' + b"x" * (MAX_BODY_BYTES - len(body)) + b'"')
    assert len(body) == MAX_BODY_BYTES
    assert post_meta(client, body).status_code == 200


def test_unconfigured_app_secret_is_a_503_naming_the_setting(client: Client, settings: Any) -> None:
    settings.FACEBOOK_APP_SECRET = None
    body = meta_body(comment_entry())
    response = post_meta(client, body, "sha256=" + hmac.new(b"", body, hashlib.sha256).hexdigest())
    assert response.status_code == 503
    assert "FACEBOOK_APP_SECRET" in response.json()["error"]
    assert WebhookEvent.objects.count() == 0


def test_other_methods_are_not_allowed(client: Client) -> None:
    assert client.put(META_URL, data=b"{}").status_code == 405
    assert client.delete(X_URL).status_code == 405


def test_the_url_without_a_trailing_slash_works_too(client: Client) -> None:
    body = meta_body(comment_entry())
    response = client.post("/webhooks/meta", data=body, content_type="application/json",
                           headers={"X-Hub-Signature-256": meta_sig(body)})
    assert response.status_code == 200


# -- channel matching -----------------------------------------------------------------------

def test_an_event_is_matched_to_the_channel_of_its_page(client: Client) -> None:
    ours = ChannelFactory(workspace=WorkspaceFactory(slug="acme"), platform="facebook", external_id=PAGE_ID)
    ChannelFactory(workspace=WorkspaceFactory(slug="other"), platform="facebook", external_id="102000000000002")
    # The same id on another platform is another account.
    ChannelFactory(workspace=WorkspaceFactory(slug="third"), platform="x", external_id=PAGE_ID)
    post_meta(client, meta_body(comment_entry(), comment_entry(page_id="999")))
    matched = {e.account_id: e.channel for e in WebhookEvent.objects.all()}
    assert matched == {PAGE_ID: ours, "999": None}


def test_instagram_events_match_instagram_channels(client: Client) -> None:
    ig = ChannelFactory(platform="instagram", external_id=IG_ID)
    ChannelFactory(platform="facebook", external_id=IG_ID)
    entry = {"id": IG_ID, "time": 1763900000, "changes": [{"field": "comments", "value": {"id": "1", "text": "hi"}}]}
    post_meta(client, meta_body(entry, kind="instagram"))
    event = WebhookEvent.objects.get()
    assert (event.platform, event.channel) == ("instagram", ig)


def test_a_page_connected_in_two_workspaces_is_not_given_to_either(client: Client) -> None:
    for slug in ("acme", "other"):
        ChannelFactory(workspace=WorkspaceFactory(slug=slug), platform="facebook", external_id=PAGE_ID)
    post_meta(client, meta_body(comment_entry()))
    event = WebhookEvent.objects.get()
    assert (event.channel, event.account_id) == (None, PAGE_ID)  # the inbox routes by account id


def test_no_channel_or_workspace_leaks_into_responses(client: Client) -> None:
    secret_name = "Other Brand Private Page"
    channel = ChannelFactory(workspace=WorkspaceFactory(slug="other-brand"), platform="facebook",
                             external_id=PAGE_ID, display_name=secret_name, handle="otherbrand")
    body = meta_body(comment_entry())
    answers = [post_meta(client, body), post_meta(client, body), post_meta(client, body, meta_sig(body, "bad")),
               post_meta(client, b"{oops")]
    for answer in answers:
        text = answer.content.decode()
        for leak in (secret_name, "otherbrand", "other-brand", '"channel"', "workspace"):
            assert leak not in text
    assert answers[0].json() == {"received": 1, "stored": 1}
    assert WebhookEvent.objects.get().channel == channel


# -- X --------------------------------------------------------------------------------------

def test_x_crc_answer_is_exact(client: Client) -> None:
    crc_token = "w8cpQ2Z0Yk9JbUtnQ3FhZw"
    response = client.get(X_URL, {"crc_token": crc_token})
    digest = hmac.new(CONSUMER_SECRET.encode(), crc_token.encode(), hashlib.sha256).digest()
    assert response.status_code == 200
    assert response.json() == {"response_token": "sha256=" + base64.b64encode(digest).decode()}


def test_x_crc_without_a_token_is_a_400(client: Client) -> None:
    assert client.get(X_URL).status_code == 400


def test_a_valid_x_event_is_stored_once_and_matched_by_for_user_id(client: Client) -> None:
    channel = ChannelFactory(platform="x", external_id=X_USER_ID)
    ChannelFactory(platform="facebook", external_id=X_USER_ID)
    body = x_body()
    answers = [post_x(client, body).json() for _ in range(4)]
    assert answers == [{"received": 1, "stored": 1}] + [{"received": 1, "stored": 0}] * 3
    event = WebhookEvent.objects.get()
    assert (event.platform, event.account_id, event.channel) == ("x", X_USER_ID, channel)
    assert bytes(event.raw_body) == body and event.payload == json.loads(body)


def test_x_events_arriving_out_of_order_are_both_stored(client: Client) -> None:
    assert post_x(client, x_body("1860000000000000002")).json()["stored"] == 1
    assert post_x(client, x_body("1860000000000000001")).json()["stored"] == 1
    assert WebhookEvent.objects.filter(platform="x").count() == 2


@pytest.mark.parametrize("signature", [
    pytest.param(lambda body: x_sig(body, "not-the-consumer-secret"), id="wrong-secret"),
    pytest.param(lambda body: x_sig(body.replace(b"hi", b"yo")), id="body-changed"),
    pytest.param(lambda body: None, id="missing-header"),
    pytest.param(lambda body: "sha256=" + mac(CONSUMER_SECRET, body).hex(), id="hex-not-base64"),
    pytest.param(lambda body: "sha1=" + base64.b64encode(
        hmac.new(CONSUMER_SECRET.encode(), body, hashlib.sha1).digest()).decode(), id="sha1-prefix"),
    pytest.param(lambda body: x_sig(body)[7:], id="no-prefix"),
])
def test_a_forged_x_event_is_refused_and_nothing_stored(client: Client, signature: Any) -> None:
    response = post_x(client, x_body(), signature(x_body()))
    assert response.status_code == 403
    assert WebhookEvent.objects.count() == 0


def test_x_malformed_json_and_oversized_bodies(client: Client) -> None:
    assert post_x(client, b"not json").status_code == 400
    assert post_x(client, b"x" * (MAX_BODY_BYTES + 1)).status_code == 413
    assert WebhookEvent.objects.count() == 0


def test_unconfigured_consumer_secret_is_a_503_for_crc_and_events(client: Client, settings: Any) -> None:
    settings.X_CONSUMER_SECRET = None
    crc = client.get(X_URL, {"crc_token": "abc"})
    event = post_x(client, x_body(), x_sig(x_body(), ""))
    assert (crc.status_code, event.status_code) == (503, 503)
    assert "X_CONSUMER_SECRET" in crc.json()["error"] and "X_CONSUMER_SECRET" in event.json()["error"]
    assert WebhookEvent.objects.count() == 0


# -- over real HTTP, with the sandbox's sender ------------------------------------------------

@pytest.mark.django_db(transaction=True)
def test_the_sandbox_sender_round_trip_over_http(live_server: Any) -> None:
    channel = ChannelFactory(platform="facebook", external_id=PAGE_ID)
    meta, x = live_server.url + META_URL, live_server.url + X_URL
    assert sender.meta_handshake(meta, VERIFY_TOKEN).ok
    assert not sender.meta_handshake(meta, "guess").ok
    assert sender.x_crc(x, CONSUMER_SECRET).ok
    assert not sender.x_crc(x, "another-secret").ok
    payload = {"object": "page", "entry": [comment_entry(message="Grüße 👋")]}
    assert [sender.send_meta_event(meta, APP_SECRET, payload).status_code for _ in range(3)] == [200] * 3
    assert sender.send_meta_event(meta, "wrong-secret", payload).status_code == 403
    assert sender.send_x_event(x, CONSUMER_SECRET, json.loads(x_body())).status_code == 200
    assert sender.send_x_event(x, CONSUMER_SECRET, b"{broken").status_code == 400
    events = {e.platform: e for e in WebhookEvent.objects.all()}
    assert set(events) == {"facebook", "x"} and WebhookEvent.objects.count() == 2
    assert events["facebook"].channel == channel
    assert events["facebook"].payload["entry"][0]["changes"][0]["value"]["message"] == "Grüße 👋"



# -- the storage service ----------------------------------------------------------------------

def test_recording_an_event_already_stored_returns_the_existing_row() -> None:
    from platforms.services import webhook_event_record

    payload = json.loads(x_body())
    first, created = webhook_event_record("x", x_body(), payload)
    again, created_again = webhook_event_record("x", b"re-delivered", dict(reversed(list(payload.items()))))
    assert (created, created_again, again.pk) == (True, False, first.pk)
    assert bytes(again.raw_body) == x_body()  # the first delivery is kept as received


def test_the_same_event_on_two_platforms_is_two_rows() -> None:
    from platforms.services import webhook_event_record

    entry = {"object": "page", "entry": [comment_entry()]}
    assert webhook_event_record("facebook", b"{}", entry)[1] and webhook_event_record("instagram", b"{}", entry)[1]


def test_the_admin_shows_events_read_only(client: Client) -> None:
    from django.contrib.auth import get_user_model

    post_meta(client, meta_body(comment_entry(message="<script>alert(1)</script>")))
    event = WebhookEvent.objects.get()
    client.force_login(get_user_model().objects.create_superuser("root", "root@example.com", "pw"))
    listing = client.get("/admin/platforms/webhookevent/")
    detail = client.get(f"/admin/platforms/webhookevent/{event.pk}/change/")
    assert (listing.status_code, detail.status_code) == (200, 200)
    assert b"<script>alert(1)</script>" not in detail.content
    assert client.get("/admin/platforms/webhookevent/add/").status_code == 403


def test_losing_an_insert_race_returns_the_winners_row(monkeypatch: pytest.MonkeyPatch) -> None:
    from django.db.models.query import QuerySet

    from platforms.services import webhook_event_record

    payload = json.loads(x_body())
    winner, _ = webhook_event_record("x", x_body(), payload)
    real_get, missed = QuerySet.get, []

    def racing_get(self: QuerySet, *args: Any, **kwargs: Any) -> Any:
        if self.model is WebhookEvent and not missed:
            missed.append(True)  # the other worker's row was not visible yet when we looked
            raise WebhookEvent.DoesNotExist
        return real_get(self, *args, **kwargs)

    monkeypatch.setattr(QuerySet, "get", racing_get)
    loser, created = webhook_event_record("x", x_body(), payload)
    assert missed and (created, loser.pk) == (False, winner.pk)
    assert WebhookEvent.objects.count() == 1
