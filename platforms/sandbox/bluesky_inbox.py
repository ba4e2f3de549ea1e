"""The Bluesky dialect's inbox: notifications, getPostThread, chat, and the audience plug-in.

Notifications are derived from the posts in the store, as Bluesky's AppView derives them from the
network: a post by someone else replying to one of the account's posts is a ``reply``, one whose
facets mention the account a ``mention``, one embedding the account's post a ``quote``. Every
audience reply also leaves a ``like`` (which SMO must ignore). Newest first, ``indexedAt`` in ms,
paged by an offset ``cursor``.

Chat (``chat.bsky.convo.*``) answers only requests carrying ``atproto-proxy:
did:web:api.bsky.chat#bsky_chat``: without it the PDS has no such method (501
``MethodNotImplemented``, as a PDS answers an unknown NSID). Conversations are the Store's
direct messages; their ids are stable per pair of members.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Any

from aiohttp import web

from .audience import audience_item
from .dialect import json_response
from .state import Account, DirectMessage, Post, iso_z

CHAT_PROXY = "did:web:api.bsky.chat#bsky_chat"


def _bsky_handle(handle: str) -> str:
    return handle.replace("_", "-").replace(".", "-").lower() + ".bsky.social"


def convo_id(first_did: str, second_did: str) -> str:
    low, high = sorted((first_did, second_did))
    return "3l" + hashlib.sha256(f"{low}|{high}".encode()).hexdigest()[:11]


class BlueskyInbox:
    """Mixed into BlueskyDialect: relies on its store, caller, did/by_did, cids and record helpers."""

    audience_kinds = ("replies", "mentions", "messages")
    store: Any
    name: str
    cids: dict[str, str]
    likes: list[tuple[str, dict[str, Any]]]

    def inbox_routes(self) -> list[tuple[str, str, Any]]:
        return [
            ("GET", "app.bsky.notification.listNotifications", self.list_notifications),
            ("GET", "app.bsky.feed.getPostThread", self.post_thread),
            ("GET", "chat.bsky.convo.listConvos", self.list_convos),
            ("GET", "chat.bsky.convo.getMessages", self.get_messages),
            ("POST", "chat.bsky.convo.sendMessage", self.send_message),
        ]

    # -- notifications ---------------------------------------------------------------------

    def _post_view(self, post: Post) -> dict[str, Any]:
        author = self.store.accounts[self.name][post.account_id]
        return {"uri": post.id, "cid": self.cids.get(post.id, ""), "author": self._author(author),  # type: ignore[attr-defined]
                "record": getattr(post, "record", {"text": post.text}), "indexedAt": iso_z(post.created_at)}

    def _reason(self, post: Post, account: Account) -> str:
        ours = {p.id for p in self.store.timeline(self.name, account.id)}
        record = getattr(post, "record", {})
        reply = record.get("reply") or {}
        if {str((reply.get("parent") or {}).get("uri")), str((reply.get("root") or {}).get("uri"))} & ours:
            return "reply"
        did = self.did(account)  # type: ignore[attr-defined]
        if any(feature.get("did") == did for facet in record.get("facets") or [] for feature in facet["features"]):
            return "mention"
        embedded = (record.get("embed") or {}).get("record") or {}
        return "quote" if embedded.get("uri") in ours else ""

    def notifications_for(self, account: Account) -> list[tuple[datetime, dict[str, Any]]]:
        found = [(when, note) for owner, note in self.likes if owner == account.id
                 for when in [datetime.fromisoformat(note["indexedAt"].replace("Z", "+00:00"))]]
        for post in self.store.all_posts(self.name):
            if post.account_id == account.id or post.deleted:
                continue
            reason = self._reason(post, account)
            if reason:
                view = self._post_view(post)
                found.append((post.created_at, {**view, "reason": reason, "isRead": False, "labels": []}))
        return sorted(found, key=lambda pair: pair[0], reverse=True)

    async def list_notifications(self, request: web.Request) -> web.Response:
        account, _token = self.caller(request)  # type: ignore[attr-defined]
        limit, offset = self._paging(request)
        notes = [note for _when, note in self.notifications_for(account)]
        cursor = str(offset + limit) if offset + limit < len(notes) else None
        return json_response({"notifications": notes[offset:offset + limit], **({"cursor": cursor} if cursor else {}),
                              "seenAt": iso_z(datetime.now().astimezone())})

    async def post_thread(self, request: web.Request) -> web.Response:
        self.caller(request)  # type: ignore[attr-defined]
        post = self.store.get_post(self.name, request.query.get("uri", ""))
        if post is None or post.deleted:
            return self.xrpc_error(400, "NotFound", f"Post not found: {request.query.get('uri', '')}")
        return json_response({"thread": {"$type": "app.bsky.feed.defs#threadViewPost", "post": self._post_view(post),
                                         "replies": []}})

    @staticmethod
    def _paging(request: web.Request) -> tuple[int, int]:
        try:
            return max(1, min(100, int(request.query.get("limit", "50")))), int(request.query.get("cursor") or 0)
        except ValueError:
            return 50, 0

    @staticmethod
    def xrpc_error(status: int, error: str, message: str) -> web.Response:
        return json_response({"error": error, "message": message}, status)

    # -- chat ------------------------------------------------------------------------------

    def _chat_caller(self, request: web.Request) -> Account:
        account, _token = self.caller(request)  # type: ignore[attr-defined]
        if request.headers.get("atproto-proxy") != CHAT_PROXY:
            raise self.reply_with(self.xrpc_error(501, "MethodNotImplemented", "Method Not Implemented"))  # type: ignore[attr-defined]
        return account

    def _message_view(self, message: DirectMessage) -> dict[str, Any]:
        return {"$type": "chat.bsky.convo.defs#messageView", "id": message.id, "rev": message.id,
                "text": message.text, "sender": {"did": message.sender_id}, "sentAt": iso_z(message.created_at)}

    def _member(self, did: str) -> dict[str, Any]:
        account = self.by_did(did)  # type: ignore[attr-defined]
        return self._author(account) if account else {"did": did, "handle": "handle.invalid"}  # type: ignore[attr-defined]

    def _convos(self, account: Account) -> dict[str, list[DirectMessage]]:
        convos: dict[str, list[DirectMessage]] = {}
        for message in self.store.messages_for(self.name, account.id):
            convos.setdefault(message.conversation_id, []).append(message)
        return convos

    async def list_convos(self, request: web.Request) -> web.Response:
        account = self._chat_caller(request)
        ours = self.did(account)  # type: ignore[attr-defined]
        views = []
        for cid, messages in self._convos(account).items():
            other = next((m.sender_id for m in messages if m.sender_id != ours), messages[0].recipient_id)
            views.append({"id": cid, "rev": messages[-1].id, "members": [self._member(ours), self._member(other)],
                          "lastMessage": self._message_view(messages[-1]), "muted": False, "unreadCount": 0})
        views.sort(key=lambda view: view["lastMessage"]["sentAt"], reverse=True)
        return json_response({"convos": views})

    async def get_messages(self, request: web.Request) -> web.Response:
        account = self._chat_caller(request)
        messages = self._convos(account).get(request.query.get("convoId", ""))
        if messages is None:
            return self.xrpc_error(400, "InvalidConvo", "Convo not found")
        limit, offset = self._paging(request)
        newest_first = list(reversed(messages))
        cursor = str(offset + limit) if offset + limit < len(newest_first) else None
        return json_response({"messages": [self._message_view(m) for m in newest_first[offset:offset + limit]],
                              **({"cursor": cursor} if cursor else {})})

    async def send_message(self, request: web.Request) -> web.Response:
        account = self._chat_caller(request)
        body = await self._json(request)  # type: ignore[attr-defined]
        messages = self._convos(account).get(str(body.get("convoId") or ""))
        text = (body.get("message") or {}).get("text") if isinstance(body.get("message"), dict) else None
        if messages is None:
            return self.xrpc_error(400, "InvalidConvo", "Convo not found")
        if not isinstance(text, str) or not text or len(text) > 10_000:
            return self.xrpc_error(400, "InvalidRequest", "message/text must be 1 to 10000 characters")
        ours = self.did(account)  # type: ignore[attr-defined]
        other = next((m.sender_id for m in messages if m.sender_id != ours), messages[0].recipient_id)
        message = self.store.add_message(DirectMessage(
            platform=self.name, id=self.tid(), conversation_id=messages[0].conversation_id, account_id=account.id,  # type: ignore[attr-defined]
            sender_id=ours, sender_name=account.name, sender_handle=account.username, recipient_id=other, text=text))
        return json_response(self._message_view(message))

    # -- the audience ----------------------------------------------------------------------

    def _like(self, account: Account, liker: Account, post: Post) -> None:
        """A like beside every audience reply: a notification SMO must leave out of the inbox."""
        now = iso_z(datetime.now().astimezone())
        subject = {"uri": post.id, "cid": self.cids.get(post.id, "")}
        self.likes.append((account.id, {
            "uri": f"at://{self.did(liker)}/app.bsky.feed.like/{self.tid()}", "cid": "",  # type: ignore[attr-defined]
            "author": self._author(liker), "reason": "like", "reasonSubject": post.id, "isRead": False,  # type: ignore[attr-defined]
            "record": {"$type": "app.bsky.feed.like", "subject": subject, "createdAt": now}, "indexedAt": now}))

    def make_audience_item(self, kind: str, account: Account, post: Post | None, stranger: tuple[str, str, str],
                           text: str) -> dict[str, Any]:
        _id, name, handle = stranger
        author = self.store.get_or_create_account(self.name, _bsky_handle(handle))
        author.name = name
        author_did, ours = self.did(author), self.did(account)  # type: ignore[attr-defined]
        if kind == "messages":
            convo = convo_id(ours, author_did)
            message = self.store.add_message(DirectMessage(
                platform=self.name, id=self.tid(), conversation_id=convo, account_id=account.id,  # type: ignore[attr-defined]
                sender_id=author_did, sender_name=name, sender_handle=author.username, recipient_id=ours, text=text))
            return audience_item(kind, message.id, author_did, name, author.username, text, "", convo, "",
                                 message.created_at.isoformat())
        record: dict[str, Any] = {"$type": "app.bsky.feed.post", "text": text, "createdAt": ""}
        if kind == "replies" and post is not None:
            parent = {"uri": post.id, "cid": self.cids.get(post.id, "")}
            root = (getattr(post, "record", {}).get("reply") or {}).get("root") or parent
            record["reply"] = {"root": root, "parent": parent}
        else:
            mention = f"@{account.username}"
            record["text"] = f"{mention} {text}"
            record["facets"] = [{"index": {"byteStart": 0, "byteEnd": len(mention.encode())},
                                 "features": [{"$type": "app.bsky.richtext.facet#mention", "did": ours}]}]
        made = self.store_post(author, record, "")  # type: ignore[attr-defined]
        if kind == "replies" and post is not None:
            self._like(account, author, post)
        root_uri = str(record.get("reply", {}).get("root", {}).get("uri", ""))
        return audience_item(kind, made.id, author_did, name, author.username, record["text"],
                             root_uri, root_uri or made.id, post.id if kind == "replies" and post else "",
                             made.created_at.isoformat())
