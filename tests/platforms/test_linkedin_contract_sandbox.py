"""The adapter contract for LinkedIn against the real sandbox process over HTTP, plus the media and
connect flows that only a live emulator can answer (uploads, processing, organization ACLs)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from platforms.errors import ContentRejected, NotReady, NotSupported
from platforms.linkedin import LinkedInAdapter, media
from platforms.types import ChannelRef, Credentials, MediaItem, PublishRequest
from tests.platforms.contract import AdapterContract, closed_port_url

ORG_ACCOUNT = "smo_demo_company"


class TestLinkedInContractAgainstSandbox(AdapterContract):
    @pytest.fixture(autouse=True)
    def _sandbox(self, live_sandbox: Any, settings: Any) -> Iterator[None]:
        self.sandbox, self.settings = live_sandbox, settings
        settings.PLATFORM_ORIGINS = live_sandbox.origins()
        self.minted = live_sandbox.mint_token("linkedin", ORG_ACCOUNT)
        yield
        live_sandbox.clear_faults()

    def make_adapter(self) -> LinkedInAdapter:
        return LinkedInAdapter()

    def channel(self) -> ChannelRef:
        return ChannelRef(platform="linkedin", external_id=self.minted["account_id"], handle=ORG_ACCOUNT,
                          credentials=Credentials(access_token=self.minted["access_token"]))

    @contextmanager
    def scenario(self, name: str, request: PublishRequest) -> Iterator[None]:
        sandbox = self.sandbox
        rule = {"platform": "linkedin", "match": "POST /rest/posts", "count": 1}
        if name == "duplicate":
            self.make_adapter().publish(request)  # LinkedIn refuses the same content again
        elif name == "auth_expired":
            sandbox.expire_tokens("linkedin", token=self.minted["access_token"])
        elif name == "rate_limited":
            sandbox.set_faults({**rule, "rate_limited": {"reset_in_s": 120}})
        elif name == "connect_error":
            self.settings.PLATFORM_ORIGINS = {origin: closed_port_url() for origin in sandbox.origins()}
        elif name == "timeout_after_send":
            self.settings.PLATFORM_READ_TIMEOUT = 0.5
            sandbox.set_faults({**rule, "apply_then_hang": {"hang_s": 3}})
        elif name != "ok":
            raise ValueError(name)
        yield

    def test_reserved_characters_arrive_whole(self) -> None:
        text = f"50% off (today) #launch @team [beta] <b> *bold* _x_ ~y~ {{z}} a|b \\ {uuid.uuid4().hex[:6]}"
        result = self.make_adapter().publish(self.request(text))
        record = next(r for r in self.sandbox.creates("linkedin") if r["id"] == result.external_id)
        assert record["text"] == text  # the sandbox cuts at an unescaped reserved character

    def test_an_old_api_version_is_not_supported(self) -> None:
        self.settings.LINKEDIN_API_VERSION = "202001"
        error = self.expect_error(NotSupported, lambda: self.make_adapter().publish(self.request()))
        assert "LINKEDIN_API_VERSION" in error.message

    def test_verify_names_the_organization(self) -> None:
        account = self.make_adapter().verify(self.channel())
        assert account.external_id == "urn:li:organization:100000001"
        assert account.display_name == "SMO Demo Company"

    def test_link_post_is_an_article_found_again_by_fingerprint(self) -> None:
        from datetime import UTC, datetime, timedelta
        adapter = self.make_adapter()
        request = PublishRequest(channel=self.channel(), text=f"Read this {uuid.uuid4().hex[:6]}",
                                 link="https://example.com/a", options={"article_title": "A story"})
        since = datetime.now(UTC) - timedelta(minutes=1)
        published = adapter.publish(request)
        found = adapter.find_published(self.channel(), adapter.fingerprint(request), since)
        assert found is not None and found.external_id == published.external_id
        other = PublishRequest(channel=self.channel(), text=request.text, link="https://example.com/b")
        assert adapter.find_published(self.channel(), adapter.fingerprint(other), since) is None


@pytest.fixture
def org_channel(live_sandbox: Any, settings: Any, monkeypatch: pytest.MonkeyPatch) -> ChannelRef:
    live_sandbox.reset()
    settings.PLATFORM_ORIGINS = live_sandbox.origins()
    monkeypatch.setattr(media, "fetch", lambda item, kind: b"\x00" * (5 * 1024 * 1024 if kind == "video" else 64))
    minted = live_sandbox.mint_token("linkedin", ORG_ACCOUNT)
    yield ChannelRef(platform="linkedin", external_id=minted["account_id"], handle=ORG_ACCOUNT,
                     credentials=Credentials(access_token=minted["access_token"]))
    live_sandbox.clear_faults()


def publish_until_ready(adapter: LinkedInAdapter, request: PublishRequest, tries: int = 4) -> Any:
    progress: dict[str, Any] = dict(request.progress)
    for _ in range(tries):
        try:
            return adapter.publish(PublishRequest(**{**request.__dict__, "progress": progress}))
        except NotReady as waiting:
            progress = waiting.progress
    raise AssertionError("media never became ready")


def uploads(live_sandbox: Any) -> list[dict[str, Any]]:
    return [r for r in live_sandbox.requests_log(limit=500, platform="linkedin") if "/dms-uploads/" in r["url_path"]]


def test_video_uploads_in_parts_once_and_waits_for_processing(live_sandbox: Any, org_channel: ChannelRef) -> None:
    clip = MediaItem(url="https://smo.example/m/clip.mp4", mime_type="video/mp4")
    request = PublishRequest(channel=org_channel, text="Our video", media=(clip,))
    adapter = LinkedInAdapter()
    with pytest.raises(NotReady) as waiting:
        adapter.publish(request)
    assert len(uploads(live_sandbox)) == 2  # 5 MB in LinkedIn's 4 MB parts
    result = publish_until_ready(adapter, PublishRequest(**{**request.__dict__, "progress": waiting.value.progress}))
    assert result.external_id.startswith("urn:li:share:")
    assert len(uploads(live_sandbox)) == 2  # nothing uploaded twice


def test_document_needs_a_title_and_publishes_with_it(live_sandbox: Any, org_channel: ChannelRef) -> None:
    pdf = MediaItem(url="https://smo.example/m/deck.pdf", mime_type="application/pdf")
    adapter = LinkedInAdapter()
    untitled = PublishRequest(channel=org_channel, text="Deck", media=(pdf,))
    assert any("title" in problem for problem in adapter.validate(untitled))
    with pytest.raises(ContentRejected):
        adapter.publish(untitled)
    titled = PublishRequest(channel=org_channel, text="Deck", media=(pdf,), options={"document_title": "Q3 deck"})
    result = publish_until_ready(adapter, titled)
    posts = [r for r in live_sandbox.requests_log(limit=500, platform="linkedin")
             if r["path"] == "/rest/posts" and r["method"] == "POST"]
    assert result.external_id and len(posts) == 1


def test_single_and_multi_image_posts(live_sandbox: Any, org_channel: ChannelRef) -> None:
    adapter = LinkedInAdapter()
    images = tuple(MediaItem(url=f"https://smo.example/m/{n}.png", mime_type="image/png", alt_text=f"alt {n}")
                   for n in range(3))
    one = adapter.publish(PublishRequest(channel=org_channel, text="One image", media=images[:1]))
    many = adapter.publish(PublishRequest(channel=org_channel, text="Three images", media=images))
    assert one.external_id != many.external_id
    assert len(uploads(live_sandbox)) == 4


def test_list_pages_offers_the_member_and_their_organizations(live_sandbox: Any, settings: Any) -> None:
    live_sandbox.reset()
    settings.PLATFORM_ORIGINS = live_sandbox.origins()
    token = live_sandbox.mint_token("linkedin", "smo_demo")["access_token"]
    pages = LinkedInAdapter().list_pages(token)
    assert [(p.account.external_id, p.account.display_name) for p in pages] == [
        ("urn:li:person:smoDemo0001", "SMO Demo"), ("urn:li:organization:100000001", "SMO Demo Company"),
        ("urn:li:organization:100000002", "SMO Second Company")]
    assert {p.access_token for p in pages} == {token}
    assert token not in repr(pages)
