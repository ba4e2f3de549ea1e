"""The sandbox's own HTML pages: index and per-account feeds, everything escaped."""

from __future__ import annotations

import requests


def test_index_lists_platforms_and_accounts(sb):
    sb.mint_token("x", "fresh_account")
    page = requests.get(f"{sb.base_url}/", timeout=10)
    assert page.status_code == 200 and page.headers["Content-Type"].startswith("text/html")
    for username in ("smo_demo", "sandbox_fan", "curious_cat", "fresh_account"):
        assert f'href="/x/feed/{username}"' in page.text
    assert "<script" not in page.text and "http://" not in page.text and "https://" not in page.text


def test_feed_shows_posts_newest_first_escaped_with_reply_links(sb, demo, fan):
    root = demo.post("first <b>bold</b> & plain").json()["data"]["id"]
    demo.post("<script>alert('feed')</script>")
    reply = fan.post("replying", reply={"in_reply_to_tweet_id": root}).json()["data"]["id"]
    page = requests.get(f"{sb.base_url}/x/feed/smo_demo", timeout=10)
    assert page.status_code == 200
    html = page.text
    assert "<script>alert" not in html
    assert "&lt;script&gt;alert(&#x27;feed&#x27;)&lt;/script&gt;" in html
    assert "first &lt;b&gt;bold&lt;/b&gt; &amp; plain" in html
    assert html.index("alert(") < html.index("first &lt;b&gt;")  # newest first
    assert f'id="p{root}"' in html and '<meta http-equiv="refresh"' in html
    fan_page = requests.get(f"{sb.base_url}/x/feed/sandbox_fan", timeout=10).text
    assert f'href="/x/feed/smo_demo#p{root}"' in fan_page and reply in fan_page


def test_feed_pages_are_never_faulted_or_logged(sb):
    sb.set_faults({"platform": "x", "error_rates": {"500": 1.0}})
    assert requests.get(f"{sb.base_url}/x/feed/smo_demo", timeout=10).status_code == 200
    assert sb.requests_log(platform="x") == []


def test_unknown_feed_is_404_and_escaped(sb):
    page = requests.get(f"{sb.base_url}/x/feed/%3Cimg%20src%3Dx%3E", timeout=10)
    assert page.status_code == 404 and "<img" not in page.text and "&lt;img src=x&gt;" in page.text
