"""Facebook adapter specifics: multi-photo publishing, the first comment, validation, the error table."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
import requests
import responses

from platforms import registry
from platforms.errors import (
    AuthExpired,
    ContentRejected,
    OutcomeUnknown,
    PlatformError,
    RateLimited,
    TransientError,
)
from platforms.facebook import FacebookAdapter
from platforms.facebook.translate import translate
from platforms.graph import facebook
from platforms.types import ChannelRef, Credentials, MediaItem, PublishRequest
from tests.platforms.fake_facebook import PAGE_ID, FakeFacebook, fixture, graph_error

TOKEN = "adapter-page-token-9a8b7c"
CHANNEL = ChannelRef(platform="facebook", external_id=PAGE_ID, handle="smodemopage",
                     credentials=Credentials(access_token=TOKEN))


def photo(n: int, mime: str = "image/jpeg") -> MediaItem:
    return MediaItem(url=f"https://cdn.example.org/{n}.jpg", mime_type=mime)


@pytest.fixture
def fake(settings) -> Iterator[FakeFacebook]:
    settings.PLATFORM_ORIGINS = {}
    settings.FACEBOOK_GRAPH_VERSION = "v21.0"
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield FakeFacebook(mock)


def test_registered_under_facebook() -> None:
    assert registry.adapter_class("facebook") is FacebookAdapter


def test_multi_photo_uploads_unpublished_then_attaches(fake: FakeFacebook) -> None:
    fake.install_ok()
    request = PublishRequest(channel=CHANNEL, text="Album", link="https://example.org/l",
                             media=(photo(1), photo(2)))
    result = FacebookAdapter().publish(request)
    paths = [path for path, _ in fake.forms]
    assert paths == [f"/{PAGE_ID}/photos", f"/{PAGE_ID}/photos", f"/{PAGE_ID}/feed"]
    assert all(form["published"] == "false" for _, form in fake.forms[:2])
    feed = fake.forms[2][1]
    assert [item["media_fbid"] for item in json.loads(feed["attached_media"])] == \
        [str(fake.next_id - 2), str(fake.next_id - 1)]
    assert feed["message"] == "Album\n\nhttps://example.org/l" and "link" not in feed
    assert result.external_id == f"{PAGE_ID}_{fake.next_id}"
    assert result.permalink == f"https://www.facebook.com/{PAGE_ID}/posts/{fake.next_id}"


def test_single_photo_is_one_published_photo(fake: FakeFacebook) -> None:
    fake.install_ok()
    result = FacebookAdapter().publish(PublishRequest(channel=CHANNEL, text="Pic", media=(photo(1),)))
    [(path, form)] = fake.forms
    assert path == f"/{PAGE_ID}/photos" and form["url"] == photo(1).url and "published" not in form
    assert result.external_id.startswith(PAGE_ID + "_")


def test_first_comment_is_posted_on_the_new_post(fake: FakeFacebook) -> None:
    fake.install_ok()
    result = FacebookAdapter().publish(PublishRequest(channel=CHANNEL, text="Post", first_comment="Link below"))
    assert fake.forms[-1] == (f"/{result.external_id}/comments", {"message": "Link below", "access_token": TOKEN})
    assert result.warning == ""


def test_failed_first_comment_is_a_warning_not_an_error(fake: FakeFacebook) -> None:
    fake.fail(responses.POST, "comments", fixture("error_368"))
    fake.install_ok()
    result = FacebookAdapter().publish(PublishRequest(channel=CHANNEL, text="Post", first_comment="Spammy"))
    assert result.external_id and "first comment failed" in result.warning and "368" in result.warning
    assert TOKEN not in result.warning


def test_validation_names_facebook() -> None:
    adapter = FacebookAdapter()
    many = PublishRequest(channel=CHANNEL, text="", media=tuple(photo(n) for n in range(11)),
                          first_comment="c" * 8001)
    problems = adapter.validate(many)
    assert len(problems) == 2 and all("Facebook" in p for p in problems)
    assert adapter.validate(PublishRequest(channel=CHANNEL, text="")) == [
        "Facebook needs text, a link or a photo for a post; this post is empty."]
    mixed = PublishRequest(channel=CHANNEL, text="x", media=(photo(1), photo(2, "video/mp4")))
    with pytest.raises(ContentRejected, match="cannot mix a video with photos"):
        adapter.publish(mixed)


def test_fingerprint_ignores_spacing_and_entities_and_uses_link_when_no_text() -> None:
    adapter = FacebookAdapter()
    assert adapter.fingerprint(PublishRequest(channel=CHANNEL, text="a  &amp; b")) == \
        adapter.fingerprint(PublishRequest(channel=CHANNEL, text="a & b"))
    one = adapter.fingerprint(PublishRequest(channel=CHANNEL, text="", link="https://a.example"))
    assert one != adapter.fingerprint(PublishRequest(channel=CHANNEL, text="", link="https://b.example"))


def test_find_published_matches_the_oldest_copy(fake: FakeFacebook) -> None:
    fake.install_ok()
    adapter = FacebookAdapter()
    request = PublishRequest(channel=CHANNEL, text="Twice")
    first, _ = adapter.publish(request), adapter.publish(request)
    found = adapter.find_published(CHANNEL, adapter.fingerprint(request), datetime.now(UTC) - timedelta(hours=1))
    assert found is not None and found.external_id == first.external_id
    assert found.published_at == datetime(2025, 6, 2, 12, tzinfo=UTC)


def test_verify_reads_the_page(fake: FakeFacebook) -> None:
    fake.install_ok()
    info = FacebookAdapter().verify(CHANNEL)
    assert (info.external_id, info.display_name, info.handle) == (PAGE_ID, "SMO Demo Page", "smodemopage")


def test_capabilities_describe_video_inbox_and_webhooks() -> None:
    caps = FacebookAdapter.capabilities
    assert (caps.max_videos, caps.inbox_kinds, caps.webhooks) == (1, ("comment", "reply", "message"), True)


@pytest.mark.parametrize(("code", "subcode", "create", "expected"), [
    (190, 463, True, AuthExpired), (190, 460, False, AuthExpired), (102, None, True, AuthExpired),
    (200, None, True, AuthExpired), (4, None, True, RateLimited), (17, None, True, RateLimited),
    (32, None, True, RateLimited), (613, None, True, RateLimited), (80001, None, True, RateLimited),
    (368, 1390008, True, RateLimited), (506, None, True, ContentRejected), (368, None, True, ContentRejected),
    (100, None, True, ContentRejected), (1, None, True, TransientError), (2, None, True, TransientError),
    (10, 2018278, True, ContentRejected), (551, None, True, ContentRejected),
])
def test_graph_error_code_table(code: int, subcode: int | None, create: bool, expected: type) -> None:
    error = translate(facebook.GraphAPIError(graph_error(code, subcode, f"(#{code}) {TOKEN}")), create=create,
                      secrets=[TOKEN])
    assert type(error) is expected and TOKEN not in error.message and error.message


def test_rate_limit_waits_for_the_business_use_case_estimate() -> None:
    buc = {PAGE_ID: [{"type": "pages", "estimated_time_to_regain_access": 7}]}
    usage = {"x-business-use-case-usage": json.dumps(buc)}
    error = translate(facebook.GraphAPIError(graph_error(32)), create=True, usage=usage)
    assert isinstance(error, RateLimited) and error.retry_at is not None
    assert timedelta(minutes=6) < error.retry_at - datetime.now(UTC) <= timedelta(minutes=7)
    fallback = translate(facebook.GraphAPIError(graph_error(4)), create=True, usage={"x-app-usage": "{}"})
    assert isinstance(fallback, RateLimited) and fallback.retry_at > datetime.now(UTC) + timedelta(minutes=59)


def test_network_and_unparsed_answers() -> None:
    assert isinstance(translate(requests.ReadTimeout("slow"), create=True), OutcomeUnknown)
    assert isinstance(translate(requests.ReadTimeout("slow"), create=False), TransientError)
    unparsed = facebook.GraphAPIError("Maintype was not text, image, or querystring")
    assert isinstance(translate(unparsed, create=True), OutcomeUnknown)
    assert isinstance(translate(unparsed, create=False), TransientError)
    with pytest.raises(KeyError):
        translate(KeyError("bug"), create=True)
    assert isinstance(translate(ContentRejected("x"), create=True), PlatformError)


def test_rate_limited_publish_keeps_usage_headers(fake: FakeFacebook) -> None:
    usage = json.dumps({PAGE_ID: [{"type": "pages", "estimated_time_to_regain_access": 3}]})
    fake.fail(responses.POST, "feed", fixture("error_32"), headers={"X-Business-Use-Case-Usage": usage})
    adapter = FacebookAdapter()
    with pytest.raises(RateLimited) as raised:
        adapter.publish(PublishRequest(channel=CHANNEL, text="Busy"))
    assert raised.value.retry_at < datetime.now(UTC) + timedelta(minutes=4)
    assert adapter.last_rate_limits["x-business-use-case-usage"] == usage
