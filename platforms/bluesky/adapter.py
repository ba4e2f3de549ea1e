"""The Bluesky (AT Protocol) adapter: XRPC over plain requests through the HTTP seam.

No SDK: the calls needed are few and plain JSON, and the `atproto` SDK builds its own httpx client,
which would bypass the seam. Sessions come from an app password once, at connect (`create_session`),
and are then refreshed by the engine ahead of expiry (`refresh`), never created per post.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, ClassVar

import requests
from django import forms
from django.utils.translation import gettext

from platforms.bluesky import inbox, media, video
from platforms.bluesky.client import Connection, XrpcError, connect, pds_of, post_url
from platforms.bluesky.connect import BlueskyConnectForm, create_session, session_grant, start_connect
from platforms.bluesky.text import compose_parts, facets, fingerprint_text, grapheme_count, length_problems
from platforms.bluesky.translate import translate
from platforms.errors import AuthExpired, NotSupported, OutcomeUnknown, PlatformError
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

__all__ = ["BlueskyAdapter", "create_session", "session_grant"]

FIND_PAGES = 3  # reconciliation looks at most 300 recent feed items: enough for the minutes since an attempt
_TRANSLATED = (XrpcError, requests.RequestException)


def _iso_z(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def _parse_time(value: Any) -> datetime | None:
    try:
        return datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None


class BlueskyAdapter:
    platform: ClassVar[str] = "bluesky"
    display_name: ClassVar[str] = "Bluesky"
    connect_available: ClassVar[bool] = True
    connect_form: ClassVar[type[forms.Form]] = BlueskyConnectForm
    capabilities: ClassVar[Capabilities] = Capabilities(
        text_limit=300,
        length_rule="Bluesky counts characters as you see them: an emoji or accented letter counts once.",
        max_images=media.MAX_IMAGES,
        max_videos=1,
        supports_threads=True,
        inbox_kinds=("reply", "mention", "message"),
    )

    @staticmethod
    def composed_text(request: PublishRequest) -> str:
        """Exactly the first post's text Bluesky receives (the link appended): the composer counts this."""
        return compose_parts(request)[0]

    @staticmethod
    def text_length(text: str) -> int:
        return grapheme_count(text)

    # -- content ------------------------------------------------------------------------------

    def validate(self, request: PublishRequest) -> list[str]:
        parts = compose_parts(request)
        problems = []
        if not parts[0] and not request.media:
            problems.append(gettext("Bluesky needs text (or images) for a post; this post is empty."))
        empty = [str(n) for n, part in enumerate(parts[1:], start=2) if not part]
        if empty:
            problems.append(gettext("Bluesky cannot publish an empty thread part (part %(parts)s).")
                            % {"parts": ", ".join(empty)})
        if request.poll_options or request.quote_of:
            problems.append(gettext("Bluesky posts from SMO cannot carry polls or quotes."))
        return problems + length_problems(parts) + media.problems(request.media) + video.problems(request.media)

    def fingerprint(self, request: PublishRequest) -> str:
        return fingerprint_text(compose_parts(request)[0])

    # -- publishing ---------------------------------------------------------------------------

    def publish(self, request: PublishRequest) -> PublishResult:
        conn = connect(request.channel)
        try:
            # Uploads come first: no post exists until _create. An orphaned blob is collected by the PDS.
            embed = self._embed(conn, request)
            parts = compose_parts(request)
            root = self._create(conn, parts[0], embed=embed)
            follow_ids, warning = self._publish_thread(conn, root, parts)
        finally:
            conn.session.close()
        return PublishResult(external_id=root["uri"], permalink=post_url(request.channel.handle or conn.did,
                                                                         root["uri"]),
                             published_at=datetime.now(UTC), thread_ids=follow_ids, warning=warning)

    def _embed(self, conn: Connection, request: PublishRequest) -> dict[str, Any] | None:
        clip = next((item for item in request.media if item.kind == "video"), None)
        if clip is not None:
            return video.embed(clip, self._call(conn, video.blob_for, conn, clip, request.progress))
        blobs = [self._call(conn, media.upload, conn, item) for item in request.media]
        return media.images_embed(request.media, blobs) if blobs else None

    def _publish_thread(self, conn: Connection, root: dict[str, str], parts: list[str]) -> tuple[tuple[str, ...], str]:
        """Post parts[1:] as a reply chain. Never raises: the root exists, and raising would make the
        engine retry the whole delivery and post the root a second time."""
        refs = [root]
        for number, text in enumerate(parts[1:], start=2):
            try:
                refs.append(self._create(conn, text, reply={"root": root, "parent": refs[-1]}))
            except PlatformError as exc:
                ids = tuple(ref["uri"] for ref in refs[1:])
                return ids, (f"Bluesky published {len(refs)} of {len(parts)} thread parts; part {number} failed "
                             f"and the rest were not sent: {exc.message}")
        return tuple(ref["uri"] for ref in refs[1:]), ""

    def _create(self, conn: Connection, text: str, *, embed: dict[str, Any] | None = None,
                reply: dict[str, Any] | None = None) -> dict[str, str]:
        record: dict[str, Any] = {"$type": "app.bsky.feed.post", "text": text, "createdAt": _iso_z(datetime.now(UTC))}
        found = facets(text, lambda handle: self._resolve(conn, handle))
        if found:
            record["facets"] = found
        if embed:
            record["embed"] = embed
        if reply:
            record["reply"] = reply
        try:
            body = conn.call("POST", "com.atproto.repo.createRecord",
                             json={"repo": conn.did, "collection": "app.bsky.feed.post", "record": record})
        except _TRANSLATED as exc:
            raise translate(exc, create=True, secrets=conn.secrets) from exc
        if not body.get("uri") or not body.get("cid"):  # a 2xx without a reference: it may well exist
            raise OutcomeUnknown("Bluesky accepted the post but returned no reference; SMO will check the account.")
        return {"uri": str(body["uri"]), "cid": str(body["cid"])}

    @staticmethod
    def _resolve(conn: Connection, handle: str) -> str:
        """The DID of a mentioned handle, or "" (then the mention stays plain text, as in Bluesky's app)."""
        try:
            return str(conn.call("GET", "com.atproto.identity.resolveHandle", params={"handle": handle}).get("did")
                       or "")
        except _TRANSLATED:
            return ""

    def _call(self, conn: Connection, fn: Any, *args: Any, **kwargs: Any) -> Any:
        """A read-like call (uploads included: repeating one is harmless), errors translated."""
        try:
            return fn(*args, **kwargs)
        except _TRANSLATED as exc:
            raise translate(exc, create=False, secrets=conn.secrets) from exc

    def find_published(self, channel: ChannelRef, fingerprint: str, since: datetime) -> PublishResult | None:
        conn = connect(channel)
        matches: list[dict[str, Any]] = []
        cursor = ""
        try:
            for _ in range(FIND_PAGES):
                params = {"actor": conn.did, "limit": 100, "filter": "posts_with_replies", **({"cursor": cursor}
                                                                                               if cursor else {})}
                page = self._call(conn, conn.call, "GET", "app.bsky.feed.getAuthorFeed", params=params)
                posts = [item.get("post") or {} for item in page.get("feed") or [] if isinstance(item, dict)]
                for post in posts:
                    record = post.get("record") or {}
                    created = _parse_time(record.get("createdAt"))
                    if (post.get("author") or {}).get("did") != conn.did or (created and created < since):
                        continue  # a repost of someone else's post, or older than the attempt
                    if fingerprint_text(str(record.get("text") or "")) == fingerprint:
                        matches.append(post)
                oldest = _parse_time((posts[-1].get("record") or {}).get("createdAt")) if posts else None
                cursor = str(page.get("cursor") or "")
                if not cursor or (oldest and oldest < since):
                    break
        finally:
            conn.session.close()
        if not matches:
            return None
        post = matches[-1]  # newest first: the oldest match is the one the lost create made
        return PublishResult(external_id=str(post["uri"]), permalink=post_url(channel.handle or conn.did, post["uri"]),
                             published_at=_parse_time((post.get("record") or {}).get("createdAt")))

    # -- inbox --------------------------------------------------------------------------------

    def fetch_inbox(self, channel: ChannelRef, cursor: str) -> InboxPage:
        conn = connect(channel)
        try:
            return self._call(conn, inbox.fetch, conn, cursor)
        finally:
            conn.session.close()

    def reply(self, channel: ChannelRef, target: ReplyTarget, text: str) -> PublishResult:
        """A public answer is a post in the thread (strong refs to its root and parent); a chat answer a message."""
        conn = connect(channel)
        try:
            if target.kind == "message":
                try:
                    sent = inbox.send_message(conn, target.conversation_id, text)
                except _TRANSLATED as exc:
                    raise translate(exc, create=True, secrets=conn.secrets) from exc
                if not sent.get("id"):
                    raise OutcomeUnknown("Bluesky accepted the message but returned no id; check the conversation.")
                return PublishResult(external_id=str(sent["id"]), published_at=datetime.now(UTC))
            refs = self._call(conn, inbox.reply_refs, conn, target.external_id)
            made = self._create(conn, text, reply=refs)
        finally:
            conn.session.close()
        return PublishResult(external_id=made["uri"], permalink=post_url(channel.handle or conn.did, made["uri"]),
                             published_at=datetime.now(UTC))

    def set_hidden(self, channel: ChannelRef, external_id: str, hidden: bool) -> None:
        raise NotSupported("Bluesky has no way to hide a reply from the API.")

    def webhook_items(self, payload: dict) -> list[WebhookItem]:
        return []  # Bluesky has no webhooks (reference §10): the inbox is polled

    # -- connect ------------------------------------------------------------------------------

    def start_connect(self, data: dict[str, Any], redirect_uri: str) -> AuthorizationStart | TokenGrant:
        """The connect form's handle and app password -> a session (no sign-in page: nothing to redirect to)."""
        return start_connect(data)

    def authorization_url(self, redirect_uri: str) -> AuthorizationStart:
        # Bluesky connects with a handle and an app password (create_session), not a redirect.
        raise NotSupported("Bluesky is connected with a handle and an app password, not a sign-in page.")

    def exchange_code(self, code: str, redirect_uri: str, code_verifier: str) -> TokenGrant:
        raise NotSupported("Bluesky is connected with a handle and an app password, not a sign-in page.")

    def refresh(self, channel: ChannelRef) -> TokenGrant:
        """refreshSession with the refresh JWT; Bluesky rotates it, so the grant carries the new one."""
        conn = connect(channel)
        token = channel.credentials.refresh_token
        if not token:
            raise AuthExpired("This Bluesky channel has no session to renew: reconnect it.", platform_code="no-refresh")
        try:
            body = self._call(conn, conn.call, "POST", "com.atproto.server.refreshSession", token=token)
        finally:
            conn.session.close()
        return session_grant(body, pds_of(channel))

    def verify(self, channel: ChannelRef) -> AccountInfo:
        conn = connect(channel)
        try:
            session = self._call(conn, conn.call, "GET", "com.atproto.server.getSession")
            did, handle = str(session.get("did") or ""), str(session.get("handle") or "")
            if not did or not handle:
                raise NotSupported("Bluesky did not say which account this session belongs to; connect again.")
            profile = self._call(conn, conn.call, "GET", "app.bsky.actor.getProfile", params={"actor": did})
        finally:
            conn.session.close()
        return AccountInfo(external_id=did, display_name=str(profile.get("displayName") or handle), handle=handle,
                           avatar_url=str(profile.get("avatar") or ""))

