"""The X dialect's media upload, DMs, hidden replies and OR search, over real HTTP."""

from __future__ import annotations

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
SMO_DEMO_ID, FAN_ID = "1700000000000000001", "1700000000000000002"


def upload_video(client, size: int = 3000, media_type: str = "video/mp4") -> str:
    init = client.session.post(f"{client.base}/2/media/upload/initialize", timeout=10,
                               json={"media_type": media_type, "total_bytes": size, "media_category": "tweet_video"})
    assert init.status_code == 200, init.text
    media_id = init.json()["data"]["id"]
    for index, start in enumerate(range(0, size, 1000)):
        chunk = b"v" * min(1000, size - start)
        appended = client.session.post(f"{client.base}/2/media/upload/{media_id}/append", timeout=10,
                                       data={"segment_index": str(index)}, files={"media": ("c", chunk)})
        assert appended.status_code == 200, appended.text
    return media_id


def test_image_one_shot_and_alt_text(demo):
    upload = demo.session.post(f"{demo.base}/2/media/upload", files={"media": ("a.png", PNG)},
                               data={"media_category": "tweet_image"}, timeout=10)
    assert upload.status_code == 200
    media_id = upload.json()["data"]["id"]
    assert "processing_info" not in upload.json()["data"]
    meta = demo.session.post(f"{demo.base}/2/media/metadata", timeout=10,
                             json={"id": media_id, "metadata": {"alt_text": {"text": "A cat"}}})
    assert meta.json() == {"data": {"id": media_id, "associated_metadata": {"alt_text": {"text": "A cat"}}}}
    assert demo.post("pic", media={"media_ids": [media_id]}).status_code == 201
    not_an_image = demo.session.post(f"{demo.base}/2/media/upload", files={"media": ("a.txt", b"hello")},
                                     timeout=10)
    assert not_an_image.status_code == 400


def test_video_processes_for_n_status_calls(sb, demo, fan):
    sb.set_faults({"x_media_status_polls": 2})
    media_id = upload_video(demo)
    finalized = demo.session.post(f"{demo.base}/2/media/upload/{media_id}/finalize", timeout=10).json()["data"]
    assert finalized["processing_info"]["state"] == "pending"
    assert demo.post("too early", media={"media_ids": [media_id]}).status_code == 400
    states = [demo.get("/2/media/upload", command="STATUS", media_id=media_id).json()["data"]["processing_info"]
              ["state"] for _ in range(3)]
    assert states == ["in_progress", "in_progress", "succeeded"]
    assert fan.get("/2/media/upload", command="STATUS", media_id=media_id).status_code == 404  # not theirs
    assert fan.post("stolen", media={"media_ids": [media_id]}).status_code == 400
    assert demo.post("video", media={"media_ids": [media_id]}).status_code == 201


def test_command_form_and_size_checks(sb, demo):
    sb.set_faults({"x_media_status_polls": 0, "x_media_fail": "Video too long"})
    init = demo.session.post(f"{demo.base}/2/media/upload", timeout=10, data={
        "command": "INIT", "media_type": "video/mp4", "total_bytes": "10", "media_category": "tweet_video"})
    media_id = init.json()["data"]["id"]
    demo.session.post(f"{demo.base}/2/media/upload", timeout=10, data={
        "command": "APPEND", "media_id": media_id, "segment_index": "0"}, files={"media": ("c", b"x" * 9)})
    short = demo.session.post(f"{demo.base}/2/media/upload", data={"command": "FINALIZE", "media_id": media_id},
                              timeout=10)
    assert short.status_code == 400 and "File size mismatch" in short.text
    demo.session.post(f"{demo.base}/2/media/upload", timeout=10, data={
        "command": "APPEND", "media_id": media_id, "segment_index": "1"}, files={"media": ("c", b"x")})
    assert demo.session.post(f"{demo.base}/2/media/upload", data={"command": "FINALIZE", "media_id": media_id},
                             timeout=10).status_code == 200
    status = demo.get("/2/media/upload", command="STATUS", media_id=media_id).json()["data"]["processing_info"]
    assert status["state"] == "failed" and status["error"]["message"] == "Video too long"
    too_big = demo.session.post(f"{demo.base}/2/media/upload/initialize", timeout=10, json={
        "media_type": "image/gif", "total_bytes": 16 * 1024 * 1024, "media_category": "tweet_gif"})
    assert too_big.status_code == 400
    wrong_type = demo.session.post(f"{demo.base}/2/media/upload/initialize", timeout=10, json={
        "media_type": "video/x-msvideo", "total_bytes": 100, "media_category": "tweet_video"})
    assert wrong_type.status_code == 400


def test_media_scope_and_faults_apply(sb, make_x):
    no_media = make_x(account="smo_demo", scopes=["tweet.read", "tweet.write", "users.read"])
    assert no_media.session.post(f"{no_media.base}/2/media/upload/initialize", json={}, timeout=10).status_code == 403
    demo = make_x(account="smo_demo")
    sb.set_faults({"platform": "x", "match": "POST /2/media/upload/*/append", "count": 1, "error_rates": {"503": 1}})
    init = demo.session.post(f"{demo.base}/2/media/upload/initialize", timeout=10,
                             json={"media_type": "video/mp4", "total_bytes": 5, "media_category": "tweet_video"})
    appended = demo.session.post(f"{demo.base}/2/media/upload/{init.json()['data']['id']}/append", timeout=10,
                                 data={"segment_index": "0"}, files={"media": ("c", b"12345")})
    assert appended.status_code == 503


def test_poll_quote_rules(demo, fan):
    root = demo.post("quote me").json()["data"]["id"]
    poll = {"options": ["a", "b"], "duration_minutes": 60}
    assert fan.post("poll", poll=poll).status_code == 201
    assert fan.post("both", poll=poll, quote_tweet_id=root).status_code == 400


def test_direct_messages_both_ways(demo, fan):
    sent = fan.session.post(f"{fan.base}/2/dm_conversations/with/{SMO_DEMO_ID}/messages", json={"text": "hi <b>"},
                            timeout=10)
    assert sent.status_code == 201
    conversation = sent.json()["data"]["dm_conversation_id"]
    assert conversation == f"{SMO_DEMO_ID}-{FAN_ID}"
    answer = demo.session.post(f"{demo.base}/2/dm_conversations/{conversation}/messages", json={"text": "hello"},
                               timeout=10)
    assert answer.status_code == 201
    events = demo.get("/2/dm_events", **{"dm_event.fields": "id,text,created_at,sender_id,dm_conversation_id",
                                         "expansions": "sender_id", "user.fields": "username,profile_image_url",
                                         "event_types": "MessageCreate"}).json()
    assert [(e["text"], e["sender_id"]) for e in events["data"]] == [("hello", SMO_DEMO_ID), ("hi <b>", FAN_ID)]
    assert {u["username"] for u in events["includes"]["users"]} == {"smo_demo", "sandbox_fan"}
    assert events["data"][0]["dm_conversation_id"] == conversation
    page = demo.get("/2/dm_events", max_results="1").json()
    older = demo.get("/2/dm_events", max_results="1", pagination_token=page["meta"]["next_token"]).json()
    assert older["data"][0]["text"] == "hi <b>" and "next_token" not in older["meta"]
    stranger = demo.session.post(f"{demo.base}/2/dm_conversations/1-2/messages", json={"text": "x"}, timeout=10)
    assert stranger.status_code == 403


def test_hide_replies_and_conversation_search(demo, fan):
    root = demo.post("our post").json()["data"]["id"]
    other = demo.post("another post").json()["data"]["id"]
    reply = fan.post("nice", reply={"in_reply_to_tweet_id": root}).json()["data"]["id"]
    reply2 = fan.post("also nice", reply={"in_reply_to_tweet_id": other}).json()["data"]["id"]
    found = demo.get("/2/tweets/search/recent", query=f"conversation_id:{root} OR conversation_id:{other}").json()
    assert {p["id"] for p in found["data"]} == {root, other, reply, reply2}
    hidden = demo.session.put(f"{demo.base}/2/tweets/{reply}/hidden", json={"hidden": True}, timeout=10)
    assert hidden.json() == {"data": {"hidden": True}}
    assert fan.session.put(f"{fan.base}/2/tweets/{reply}/hidden", json={"hidden": True}, timeout=10).status_code == 403
    assert demo.session.put(f"{demo.base}/2/tweets/{root}/hidden", json={"hidden": True}, timeout=10).status_code == 403
