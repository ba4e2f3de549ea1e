"""The LinkedIn adapter: member and organization posts through the Posts API with plain requests.

A channel is one author: `external_id` is its URN (`urn:li:person:…` or `urn:li:organization:…`); every
channel publishes with the token of the member who connected it. `POST /rest/posts` answers 201 with an
empty body and the new post's URN in the `x-restli-id` header.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, ClassVar

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from platforms.errors import ContentRejected, NotSupported, OutcomeUnknown
from platforms.linkedin import inbox, media, oauth, text
from platforms.linkedin.client import Connection, connect
from platforms.options import OptionField
from platforms.types import (
    AccountInfo,
    AuthorizationStart,
    Capabilities,
    ChannelRef,
    InboxPage,
    PublishRequest,
    PublishResult,
    ReplyTarget,
    TokenGrant,
    WebhookItem,
)

FIND_COUNT = 50  # reconciliation reads the author's 50 newest posts: plenty for the minutes since an attempt
MAX_TITLE = 400


class LinkedInAdapter:
    platform: ClassVar[str] = "linkedin"
    display_name: ClassVar[str] = "LinkedIn"
    picks_pages: ClassVar[bool] = True  # after sign-in the admin picks the member and/or their organizations
    capabilities: ClassVar[Capabilities] = Capabilities(
        text_limit=text.MAX_COMMENTARY,
        length_rule="LinkedIn counts every character of the text once, links included (3,000 at most).",
        max_images=media.MAX_IMAGES,
        max_videos=1,
        inbox_kinds=("comment", "reply"),  # organization channels only; member channels have no inbox
    )
    option_fields: ClassVar[tuple[OptionField, ...]] = (
        OptionField(name="document_title", label=_("Document title"), max_length=MAX_TITLE,
                    help_text=_("Shown on a PDF document post; required when a PDF is attached.")),
        OptionField(name="article_title", label=_("Link title"), max_length=MAX_TITLE,
                    help_text=_("Shown on the link card of a post with a link and no media.")),
    )

    def __init__(self) -> None:
        self.last_rate_limits: dict[str, str] = {}

    # -- content ------------------------------------------------------------------------------

    @staticmethod
    def composed_text(request: PublishRequest) -> str:
        return text.composed_text(request)

    @staticmethod
    def text_length(value: str) -> int:
        return text.text_length(value)

    def validate(self, request: PublishRequest) -> list[str]:
        shown, problems = text.composed_text(request), []
        if not shown and not request.media and not request.link.strip():
            problems.append(gettext("LinkedIn needs text, a link or media for a post; this post is empty."))
        length = text.text_length(shown)
        if length > text.MAX_COMMENTARY:
            problems.append(gettext("LinkedIn allows %(limit)d characters of text; this post has %(length)d.")
                            % {"limit": text.MAX_COMMENTARY, "length": length})
        if request.thread or request.poll_options or request.quote_of:
            problems.append(gettext("SMO does not publish LinkedIn threads, polls or quotes; remove them for this "
                                    "channel."))
        for name in ("document_title", "article_title"):
            if len(str(request.options.get(name) or "")) > MAX_TITLE:
                problems.append(gettext("LinkedIn allows titles of at most %(limit)d characters.")
                                % {"limit": MAX_TITLE})
        return problems + media.problems(request)

    def fingerprint(self, request: PublishRequest) -> str:
        return text.fingerprint(request)

    # -- publishing ---------------------------------------------------------------------------

    def publish(self, request: PublishRequest) -> PublishResult:
        problems = self.validate(request)
        if problems:  # the engine validates first; this guards direct callers
            raise ContentRejected(" ".join(problems))
        conn = connect(request.channel.credentials.access_token)
        author = request.channel.external_id
        urns = media.prepare(conn, request, author) if request.media else []
        body: dict[str, Any] = {
            "author": author, "commentary": text.escape_little(text.composed_text(request)), "visibility": "PUBLIC",
            "distribution": {"feedDistribution": "MAIN_FEED", "targetEntities": [],
                             "thirdPartyDistributionChannels": []},
            "lifecycleState": "PUBLISHED", "isReshareDisabledByAuthor": False,
        }
        content = self._content(request, urns)
        if content:
            body["content"] = content
        response = conn.call("POST", "/rest/posts", json=body, create=True)
        urn = response.headers.get("x-restli-id", "").strip()
        if not urn:
            raise OutcomeUnknown("LinkedIn accepted the post but returned no id; SMO will check the account's recent "
                                 "posts.")
        return PublishResult(external_id=urn, permalink=inbox.post_permalink(urn), published_at=datetime.now(UTC))

    def _content(self, request: PublishRequest, urns: list[str]) -> dict[str, Any]:
        if text.is_article(request):
            link = request.link.strip()
            return {"article": {"source": link, "title": str(request.options.get("article_title") or link)}}
        if not urns:
            return {}
        alts = [item.alt_text for item in request.media]
        if len(urns) > 1:
            images = [{"id": urn, "altText": alt} for urn, alt in zip(urns, alts, strict=True)]
            return {"multiImage": {"images": images}}
        item: dict[str, Any] = {"id": urns[0]}
        if urns[0].startswith("urn:li:document:"):
            item["title"] = str(request.options.get("document_title") or "").strip()
        elif alts[0]:
            item["altText"] = alts[0]
        return {"media": item}

    def find_published(self, channel: ChannelRef, fingerprint: str, since: datetime) -> PublishResult | None:
        conn = connect(channel.credentials.access_token)
        matches = []
        for post in inbox.recent_posts(conn, channel.external_id, FIND_COUNT):
            created = inbox.from_ms(post.get("publishedAt") or post.get("createdAt"))
            article = str(((post.get("content") or {}).get("article") or {}).get("source") or "")
            shown = text.unescape_little(str(post.get("commentary") or ""))
            if created >= since and text.fingerprint_parts(shown, article) == fingerprint:
                matches.append((created, str(post["id"])))
        if not matches:
            return None
        created, urn = min(matches)  # the oldest match is the one the lost create made
        return PublishResult(external_id=urn, permalink=inbox.post_permalink(urn), published_at=created)

    # -- inbox --------------------------------------------------------------------------------

    def fetch_inbox(self, channel: ChannelRef, cursor: str) -> InboxPage:
        return inbox.fetch(self._conn(channel), channel, cursor)

    def reply(self, channel: ChannelRef, target: ReplyTarget, text: str) -> PublishResult:
        if not inbox.is_organization(channel):
            raise NotSupported("SMO answers LinkedIn comments on organization pages only.", platform_code="inbox")
        return inbox.reply(self._conn(channel), channel, target, text)

    def set_hidden(self, channel: ChannelRef, external_id: str, hidden: bool) -> None:
        raise NotSupported("LinkedIn's API cannot hide comments.", platform_code="hide")

    def webhook_items(self, payload: dict) -> list[WebhookItem]:
        return []  # LinkedIn's organization notifications need an approved use case; SMO polls

    def _conn(self, channel: ChannelRef) -> Connection:
        return connect(channel.credentials.access_token)

    # -- connect ------------------------------------------------------------------------------

    def authorization_url(self, redirect_uri: str) -> AuthorizationStart:
        return oauth.authorization_start(redirect_uri)

    def exchange_code(self, code: str, redirect_uri: str, code_verifier: str) -> TokenGrant:
        return oauth.exchange_code(code, redirect_uri)

    def list_pages(self, access_token: str) -> list[oauth.PageGrant]:
        return oauth.list_pages(access_token)

    def refresh(self, channel: ChannelRef) -> TokenGrant:
        return oauth.refresh(channel.credentials.refresh_token)

    def verify(self, channel: ChannelRef) -> AccountInfo:
        conn = self._conn(channel)
        if channel.external_id.startswith(oauth.ORGANIZATION):
            return oauth.organization(conn, channel.external_id)
        return oauth.member(conn)
