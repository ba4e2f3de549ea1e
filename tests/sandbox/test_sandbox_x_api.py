"""The X API v2 dialect: posts, users, timelines and errors in X's own shapes."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import requests

DUPLICATE = {"detail": "You are not allowed to create a Tweet with duplicate content.",
             "type": "about:blank", "title": "Forbidden", "status": 403}
SMO_DEMO_ID = "1700000000000000001"  # seeded with a fixed id so fixtures stay stable
UNAUTHORIZED = {"title": "Unauthorized", "type": "about:blank", "status": 401, "detail": "Unauthorized"}


def test_create_tweet_201_shape_and_headers(sb, demo):
    response = demo.post("hello from the sandbox")
    assert response.status_code == 201
    data = response.json()["data"]
    assert set(data) == {"id", "text", "edit_history_tweet_ids"}
    assert data["id"].isdigit() and len(data["id"]) >= 18
    assert data["text"] == "hello from the sandbox" and data["edit_history_tweet_ids"] == [data["id"]]
    headers = response.headers
    assert headers["x-rate-limit-limit"] == "200" and headers["x-rate-limit-remaining"] == "199"
    assert int(headers["x-rate-limit-reset"]) > time.time()
    assert int(headers["x-app-limit-24hour-remaining"]) >= 0
    [create] = sb.creates("x")
    assert create["id"] == data["id"] and create["username"] == "smo_demo" and create["account_id"] == SMO_DEMO_ID
    assert set(create) == {"platform", "account_id", "username", "id", "text", "created_at", "request_id"}


def test_ids_increase_like_snowflakes(demo):
    ids = [int(demo.post(f"post {n}").json()["data"]["id"]) for n in range(5)]
    assert ids == sorted(ids) and len(set(ids)) == 5


def test_duplicate_content_is_403_with_exact_body(sb, demo, fan):
    assert demo.post("same words").status_code == 201
    again = demo.post("same words")
    assert again.status_code == 403
    assert again.json() == DUPLICATE
    assert again.headers["Content-Type"].startswith("application/problem+json")
    assert fan.post("same words").status_code == 201  # another account may say the same thing
    assert sb.stats() == {"creates": 2, "duplicates": 0, "by_platform": {"x": {"creates": 2, "duplicates": 0}}}


def test_deleted_post_no_longer_blocks_the_same_text(demo):
    post_id = demo.post("say it twice").json()["data"]["id"]
    assert demo.delete(f"/2/tweets/{post_id}").json() == {"data": {"deleted": True}}
    assert demo.post("say it twice").status_code == 201


def test_duplicate_check_can_be_switched_off_and_duplicates_are_counted(sb, demo):
    sb.set_faults({"x_duplicate_check": False})
    assert demo.post("double post").status_code == 201
    assert demo.post("double post").status_code == 201
    assert sb.stats() == {"creates": 2, "duplicates": 1, "by_platform": {"x": {"creates": 2, "duplicates": 1}}}


def test_reply_to_missing_tweet_is_400(sb, demo):
    response = demo.post("a reply", reply={"in_reply_to_tweet_id": "1234567890123456789"})
    assert response.status_code == 400
    body = response.json()
    assert body["title"] == "Invalid Request" and body["type"].endswith("/invalid-request")
    assert body["errors"][0]["parameters"] == {"in_reply_to_tweet_id": ["1234567890123456789"]}
    assert sb.creates("x") == []


def test_reply_thread_and_quote(demo, fan):
    root = demo.post("thread 1/2").json()["data"]["id"]
    reply = demo.post("thread 2/2", reply={"in_reply_to_tweet_id": root}).json()["data"]["id"]
    quote = fan.post("look at this", quote_tweet_id=root).json()["data"]["id"]
    fields = "conversation_id,in_reply_to_user_id,referenced_tweets,author_id"
    got = demo.get(f"/2/tweets/{reply}", **{"tweet.fields": fields}).json()["data"]
    assert got["conversation_id"] == root and got["in_reply_to_user_id"] == SMO_DEMO_ID
    assert got["referenced_tweets"] == [{"type": "replied_to", "id": root}]
    quoted = demo.get(f"/2/tweets/{quote}", **{"tweet.fields": fields}).json()["data"]
    assert quoted["referenced_tweets"] == [{"type": "quoted", "id": root}]


def test_text_validation(demo):
    assert demo.post().status_code == 400  # neither text nor media
    assert demo.post(None, media={"media_ids": ["1455952740635586573"]}).status_code == 400  # never uploaded
    assert demo.post("x" * 280).status_code == 201
    assert demo.post("y" * 281).status_code == 400
    assert demo.post("日本語" * 47).status_code == 400  # 141 CJK characters weigh 282
    assert demo.post("see https://example.com/" + "a" * 300 + " " + "z" * 250).status_code == 201  # URL = 23
    bad_json = demo.session.post(f"{demo.base}/2/tweets", data="{nope", timeout=10,
                                 headers={"Content-Type": "application/json"})
    assert bad_json.status_code == 400


def test_unauthorized_bodies(sb, make_x):
    anonymous = requests.post(f"{sb.base_url}/x/2/tweets", json={"text": "hi"}, timeout=10)
    assert anonymous.status_code == 401 and anonymous.json() == UNAUTHORIZED
    wrong = make_x("not-a-token").post("hi")
    assert wrong.status_code == 401 and wrong.json() == UNAUTHORIZED


def test_expired_token_is_401_and_refresh_token_still_works(sb, make_x):
    grant = sb.mint_token("x", "smo_demo")
    client = make_x(grant["access_token"])
    assert client.get("/2/users/me").status_code == 200
    assert sb.expire_tokens("x", "smo_demo") >= 1
    expired = client.get("/2/users/me")
    assert expired.status_code == 401 and expired.json() == UNAUTHORIZED
    assert sb.creates("x") == [] and client.post("not applied").status_code == 401
    refreshed = requests.post(f"{sb.base_url}/x/2/oauth2/token", timeout=10, data={
        "grant_type": "refresh_token", "refresh_token": grant["refresh_token"], "client_id": "sandbox-client"})
    assert refreshed.status_code == 200, refreshed.text
    assert make_x(refreshed.json()["access_token"]).get("/2/users/me").status_code == 200


def test_minted_token_can_be_born_expired_and_scopes_are_enforced(make_x):
    assert make_x(expires_in=-1).get("/2/users/me").status_code == 401
    read_only = make_x(scopes=["tweet.read", "users.read"])
    assert read_only.get("/2/users/me").status_code == 200
    forbidden = read_only.post("needs tweet.write")
    assert forbidden.status_code == 403 and forbidden.json()["title"] == "Forbidden"


def test_oauth1_header_with_minted_token(sb):
    grant = sb.mint_token("x", "curious_cat")
    header = (f'OAuth oauth_consumer_key="ck", oauth_token="{grant["oauth_token"]}", '
              'oauth_signature_method="HMAC-SHA1", oauth_signature="unchecked"')
    response = requests.get(f"{sb.base_url}/x/2/users/me", headers={"Authorization": header}, timeout=10)
    assert response.json()["data"]["username"] == "curious_cat"
    assert grant["oauth_token"].startswith(grant["account_id"] + "-")


def test_users_lookup(sb, demo):
    me = demo.get("/2/users/me", **{"user.fields": "profile_image_url"}).json()["data"]
    assert me == {"id": SMO_DEMO_ID, "name": "SMO Demo", "username": "smo_demo",
                  "profile_image_url": me["profile_image_url"]}
    assert demo.get(f"/2/users/{SMO_DEMO_ID}").json() == {
        "data": {"id": SMO_DEMO_ID, "name": "SMO Demo", "username": "smo_demo"}}
    assert demo.get("/2/users/by/username/SMO_DEMO").json()["data"]["id"] == SMO_DEMO_ID
    missing = demo.get("/2/users/by/username/nobody_here")
    assert missing.status_code == 200 and missing.json()["errors"][0]["title"] == "Not Found Error"
    assert demo.get("/2/users/me", **{"user.fields": "bogus"}).status_code == 400
    assert demo.get("/2/users/me", colour="blue").status_code == 400  # unknown parameter


def test_get_and_delete_tweet(demo, fan):
    post_id = demo.post("to be deleted").json()["data"]["id"]
    assert demo.get(f"/2/tweets/{post_id}").json()["data"]["text"] == "to be deleted"
    assert fan.delete(f"/2/tweets/{post_id}").status_code == 403  # not theirs
    assert demo.delete(f"/2/tweets/{post_id}").json() == {"data": {"deleted": True}}
    gone = demo.get(f"/2/tweets/{post_id}")
    assert gone.status_code == 200 and "data" not in gone.json()
    assert gone.json()["errors"][0]["resource_type"] == "tweet"
    assert demo.delete(f"/2/tweets/{post_id}").status_code == 404


def test_timeline_pagination(demo):
    ids = [demo.post(f"timeline {n}").json()["data"]["id"] for n in range(12)]
    newest_first = list(reversed(ids))
    seen, token, pages = [], None, 0
    while True:
        params = {"max_results": 5, "tweet.fields": "created_at,conversation_id"}
        if token:
            params["pagination_token"] = token
        body = demo.get(f"/2/users/{SMO_DEMO_ID}/tweets", **params).json()
        pages += 1
        page_ids = [t["id"] for t in body["data"]]
        assert body["meta"]["result_count"] == len(page_ids)
        assert body["meta"]["newest_id"] == page_ids[0] and body["meta"]["oldest_id"] == page_ids[-1]
        assert all(t["created_at"].endswith("Z") and t["conversation_id"] == t["id"] for t in body["data"])
        seen += page_ids
        token = body["meta"].get("next_token")
        if not token:
            break
    assert pages == 3 and seen == newest_first
    default = demo.get(f"/2/users/{SMO_DEMO_ID}/tweets").json()
    assert default["meta"]["result_count"] == 10
    since = demo.get(f"/2/users/{SMO_DEMO_ID}/tweets", since_id=ids[9]).json()
    assert [t["id"] for t in since["data"]] == [ids[11], ids[10]]
    assert demo.get(f"/2/users/{SMO_DEMO_ID}/tweets", max_results=1000).status_code == 400
    assert demo.get(f"/2/users/{SMO_DEMO_ID}/tweets", max_results=4).status_code == 400


def test_timeline_start_time_filter_and_empty_result(demo):
    early = demo.post("before the line").json()["data"]["id"]
    boundary = int(time.time()) + 1
    time.sleep(max(0.0, boundary - time.time()) + 0.05)
    late = demo.post("after the line").json()["data"]["id"]
    start = datetime.fromtimestamp(boundary, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    body = demo.get(f"/2/users/{SMO_DEMO_ID}/tweets", start_time=start).json()
    assert [t["id"] for t in body["data"]] == [late]
    all_posts = demo.get(f"/2/users/{SMO_DEMO_ID}/tweets", start_time="2020-01-01T00:00:00Z").json()
    assert [t["id"] for t in all_posts["data"]] == [late, early]
    future = demo.get(f"/2/users/{SMO_DEMO_ID}/tweets", start_time="2999-01-01T00:00:00Z").json()
    assert future == {"meta": {"result_count": 0}}
    assert demo.get(f"/2/users/{SMO_DEMO_ID}/tweets", start_time="yesterday").status_code == 400


def test_mentions_and_search(demo, fan):
    demo.post("talking to myself @smo_demo")
    mention = fan.post("hey @smo_demo, nice post").json()["data"]["id"]
    fan.post("hey @smo_demonstration is someone else")
    body = demo.get(f"/2/users/{SMO_DEMO_ID}/mentions", expansions="author_id",
                    **{"tweet.fields": "author_id,created_at"}).json()
    assert [t["id"] for t in body["data"]] == [mention]
    assert body["includes"]["users"][0]["username"] == "sandbox_fan"
    assert body["meta"]["result_count"] == 1
    root = demo.post("root post").json()["data"]["id"]
    reply = fan.post("a reply", reply={"in_reply_to_tweet_id": root}).json()["data"]["id"]
    found = demo.get("/2/tweets/search/recent", query=f"conversation_id:{root}").json()
    assert {t["id"] for t in found["data"]} == {root, reply}


def test_rate_limit_window_is_enforced(sb, demo):
    sb.set_faults({"x_rate_limits": {"POST /2/tweets": 3}})
    remaining = [demo.post(f"limited {n}").headers["x-rate-limit-remaining"] for n in range(3)]
    assert remaining == ["2", "1", "0"]
    refused = demo.post("one too many")
    assert refused.status_code == 429
    assert refused.json() == {"errors": [{"code": 88, "message": "Rate limit exceeded"}]}
    assert refused.headers["x-rate-limit-remaining"] == "0"
    assert int(refused.headers["x-rate-limit-reset"]) > time.time()
    assert len(sb.creates("x")) == 3
