"""Instagram (Facebook Login variant) on the sandbox's Graph host, over real HTTP."""

from __future__ import annotations

from typing import Any

import pytest
import requests

GRAPH = "/facebook/v21.0"
IG = "smo_demo_ig"
IG_ID = "17841400000000001"
PAGE_ID = "102000000000001"


def graph(sb: Any, method: str, path: str, token: str, **data: Any) -> requests.Response:
    response = requests.request(method, f"{sb.base_url}{GRAPH}{path}", timeout=10,
                                params={"access_token": token} if method == "GET" else None,
                                data={**data, "access_token": token} if method == "POST" else None)
    assert response.headers["Content-Type"].startswith("application/json")
    return response


def get(sb: Any, path: str, token: str, **query: Any) -> requests.Response:
    return requests.get(f"{sb.base_url}{GRAPH}{path}", params={**query, "access_token": token}, timeout=10)


@pytest.fixture
def token(sb: Any) -> str:
    minted = sb.mint_token("instagram", IG)
    assert minted["ig_user_id"] == minted["account_id"] == IG_ID and minted["page_id"] == PAGE_ID
    return minted["access_token"]


def container(sb: Any, token: str, **data: Any) -> str:
    answer = graph(sb, "POST", f"/{IG_ID}/media", token, **data)
    assert answer.status_code == 200, answer.text
    return answer.json()["id"]


def publish(sb: Any, token: str, creation_id: str) -> requests.Response:
    return graph(sb, "POST", f"/{IG_ID}/media_publish", token, creation_id=creation_id)


def error(response: requests.Response) -> dict[str, Any]:
    assert response.status_code >= 400
    return response.json()["error"]


def test_page_links_its_business_account_and_page_token_works(sb: Any) -> None:
    page_token = sb.mint_token("facebook", "smo_demo_page")["page_access_token"]
    page = get(sb, f"/{PAGE_ID}", page_token, fields="id,name,instagram_business_account").json()
    assert page["instagram_business_account"] == {"id": IG_ID}
    created = container(sb, page_token, image_url="https://example.org/a.jpg", caption="via the Page")
    assert publish(sb, page_token, created).status_code == 200


def test_image_container_status_publish_permalink_and_feed(sb: Any, token: str) -> None:
    created = container(sb, token, image_url="https://example.org/a.jpg", caption="Hello #sandbox")
    assert get(sb, f"/{created}", token, fields="status_code").json()["status_code"] == "FINISHED"
    media_id = publish(sb, token, created).json()["id"]
    assert media_id != created
    permalink = get(sb, f"/{media_id}", token, fields="permalink").json()["permalink"]
    assert permalink.startswith("https://www.instagram.com/p/")
    [record] = sb.creates("instagram", IG)
    assert record["id"] == media_id and record["text"] == "Hello #sandbox"
    feed = requests.get(f"{sb.base_url}/facebook/instagram/feed/{IG}", timeout=10)
    assert feed.status_code == 200 and "Hello #sandbox" in feed.text
    code = permalink.rstrip("/").rsplit("/", 1)[-1]
    jump = requests.get(f"{sb.base_url}/facebook/instagram/p/{code}/", timeout=10, allow_redirects=False)
    assert jump.status_code == 302 and jump.headers["Location"].endswith(f"#p{media_id}")


def test_a_container_publishes_once(sb: Any, token: str) -> None:
    created = container(sb, token, image_url="https://example.org/a.jpg", caption="once")
    assert publish(sb, token, created).status_code == 200
    assert error(publish(sb, token, created))["code"] == 9007
    assert get(sb, f"/{created}", token, fields="status_code").json()["status_code"] == "PUBLISHED"
    assert len(sb.creates("instagram", IG)) == 1


def test_carousel_rules_and_order(sb: Any, token: str) -> None:
    children = [container(sb, token, image_url=f"https://example.org/{n}.jpg", is_carousel_item="true")
                for n in range(3)]
    one = graph(sb, "POST", f"/{IG_ID}/media", token, media_type="CAROUSEL", children=children[0])
    assert error(one)["code"] == 100
    parent = container(sb, token, media_type="CAROUSEL", children=",".join(children), caption="album")
    assert error(publish(sb, token, children[0]))["code"] == 100  # a child is never published alone
    media_id = publish(sb, token, parent).json()["id"]
    listed = get(sb, f"/{IG_ID}/media", token, fields="id,caption,media_type,timestamp").json()["data"]
    assert listed[0]["id"] == media_id and listed[0]["media_type"] == "CAROUSEL_ALBUM"


@pytest.mark.parametrize(("data", "code"), [
    ({"caption": "no image"}, 100),
    ({"image_url": "https://example.org/a.jpg", "caption": "x" * 2201}, 100),
    ({"image_url": "https://example.org/a.jpg", "caption": " ".join(f"#t{n}" for n in range(31))}, 100),
    ({"image_url": "ftp://example.org/a.jpg"}, 9004),
    ({"media_type": "REELS", "image_url": "https://example.org/a.jpg"}, 100),
    ({"media_type": "VIDEO", "video_url": "https://example.org/a.mp4"}, 100),  # VIDEO only as a carousel item
    ({"media_type": "REELS", "video_url": "ftp://example.org/a.mp4"}, 9004),
    ({"media_type": "STORIES", "image_url": "https://example.org/a.jpg"}, 100),
])
def test_container_validation(sb: Any, token: str, data: dict[str, str], code: int) -> None:
    assert error(graph(sb, "POST", f"/{IG_ID}/media", token, **data))["code"] == code


def test_scripted_processing_then_error(sb: Any, token: str) -> None:
    sb.set_faults({"instagram_in_progress_polls": 2, "instagram_container_final": "ERROR"})
    created = container(sb, token, image_url="https://example.org/a.jpg")
    assert error(publish(sb, token, created))["error_subcode"] == 2207027  # not ready yet
    statuses = [get(sb, f"/{created}", token, fields="status_code").json()["status_code"] for _ in range(3)]
    assert statuses == ["IN_PROGRESS", "IN_PROGRESS", "ERROR"]
    assert error(publish(sb, token, created))["code"] == 9007
    assert sb.creates("instagram") == []


def test_quota_and_publishing_limit(sb: Any, token: str) -> None:
    sb.set_faults({"instagram_quota_total": 1})
    limit = get(sb, f"/{IG_ID}/content_publishing_limit", token, fields="quota_usage,config").json()
    assert limit == {"data": [{"quota_usage": 0, "config": {"quota_total": 1, "quota_duration": 86400}}]}
    assert publish(sb, token, container(sb, token, image_url="https://example.org/a.jpg")).status_code == 200
    refused = error(publish(sb, token, container(sb, token, image_url="https://example.org/b.jpg")))
    assert refused["error_subcode"] == 2207042
    usage = get(sb, f"/{IG_ID}/content_publishing_limit", token, fields="quota_usage,config").json()
    assert usage["data"][0]["quota_usage"] == 1


def test_recent_media_since_and_first_comment(sb: Any, token: str) -> None:
    created = container(sb, token, image_url="https://example.org/a.jpg", caption="c1")
    media_id = publish(sb, token, created).json()["id"]
    comment = graph(sb, "POST", f"/{media_id}/comments", token, message="first!")
    assert comment.status_code == 200 and comment.json()["id"]
    later = get(sb, f"/{IG_ID}/media", token, since="4102444800", fields="id").json()
    assert later == {"data": []}
    recent = get(sb, f"/{IG_ID}/media", token, since="0", fields="id,caption,permalink").json()["data"]
    assert [m["caption"] for m in recent] == ["c1"] and recent[0]["permalink"]
    assert sb.stats()["by_platform"]["instagram"] == {"creates": 2, "duplicates": 0}


def test_tokens_errors_and_faults_are_graphs(sb: Any, token: str) -> None:
    other = sb.mint_token("instagram", "smo_second_ig")["access_token"]
    assert error(graph(sb, "POST", f"/{IG_ID}/media", other, image_url="https://example.org/a.jpg"))["code"] == 10
    sb.expire_tokens("instagram", token=token)
    assert error(get(sb, f"/{IG_ID}/content_publishing_limit", token))["error_subcode"] == 463
    fresh = sb.mint_token("instagram", IG)["access_token"]
    sb.set_faults({"platform": "facebook", "match": "POST /*/media_publish", "account": IG, "count": 1,
                   "rate_limited": {"reset_in_s": 60}})
    assert error(publish(sb, fresh, container(sb, fresh, image_url="https://example.org/a.jpg")))["code"] == 4
