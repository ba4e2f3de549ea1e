"""Instagram comments, replies, hiding and direct messages over the Graph API (reference §3.3).

Backed by ``Store.comments`` and ``Store.messages`` (the audience simulator writes them; comment ids
are ``178`` + 14 digits, see ``InstagramDialect.next_comment_id``):
- ``GET /{media}/comments``, ``GET|POST /{comment}/replies`` (replies only under top-level comments),
  ``POST /{comment}`` with ``hide=true|false`` (the media owner only); media lists expand
  ``comments{...,replies{...}}``;
- ``GET /{owner}/conversations?platform=instagram`` and ``POST /{owner}/messages`` with
  ``recipient={"id"}`` and ``message={"text"}`` (JSON or JSON-encoded form fields). The owner is the
  IG account, ``me``, or on the Graph host the linked Page (Messenger requests for a Page are
  handed to the Facebook dialect). A conversation only exists once the person wrote first.
"""

from __future__ import annotations

import json
import re
import secrets
from typing import TYPE_CHECKING, Any

from aiohttp import web

from .dialect import Handler, json_response
from .facebook_api import MISSING, graph_endpoint
from .facebook_common import VERSION, fail, fb_time, invalid_param, params
from .state import Account, Comment, DirectMessage, Post, utcnow

if TYPE_CHECKING:
    from .instagram import InstagramDialect

IG_COMMENT = r"/{node:17[89]\d{14}}"
_NESTING = re.compile(r"\{[^{}]*\}")


def top_level_fields(raw: str) -> tuple[str, ...]:
    """``id,comments.limit(5){id,replies{id}}`` -> ``("id", "comments")``."""
    flat = raw
    while _NESTING.search(flat):
        flat = _NESTING.sub("", flat)
    return tuple(name.split(".", 1)[0].strip() for name in flat.split(",") if name.strip())


class InstagramInbox:
    def __init__(self, dialect: InstagramDialect) -> None:
        self.ig = dialect
        self.store = dialect.store

    def routes(self) -> list[tuple[str, str, Handler]]:
        return [
            ("GET", VERSION + IG_COMMENT + "/comments", self.list_comments),
            ("GET", VERSION + IG_COMMENT + "/replies", self.list_replies),
            ("POST", VERSION + IG_COMMENT + "/replies", self.create_reply),
            ("POST", VERSION + IG_COMMENT, self.hide),
            ("GET", VERSION + "/{node}/{edge:conversations}", self.conversations),
            ("POST", VERSION + "/{node}/{edge:messages}", self.send_message),
        ]

    # -- comments ---------------------------------------------------------------------------

    def comment_json(self, comment: Comment, *, with_replies: bool = True) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": comment.id, "text": comment.text, "username": comment.author_handle,
            "timestamp": fb_time(comment.created_at), "hidden": comment.hidden, "media": {"id": comment.post_id},
            "from": {"id": comment.author_id, "username": comment.author_handle},
        }
        if comment.parent_id:
            data["parent_id"] = comment.parent_id
        elif with_replies:
            data["replies"] = {"data": [self.comment_json(r) for r in self._replies(comment)]}
        return data

    def comments_json(self, media_id: str) -> list[dict[str, Any]]:
        """Top-level comments, newest first as Meta lists them, each with its replies."""
        top = [c for c in self.store.comments_on(self.ig.name, media_id) if not c.parent_id]
        return [self.comment_json(c) for c in reversed(top)]

    def _replies(self, comment: Comment) -> list[Comment]:
        return [c for c in self.store.comments_on(self.ig.name, comment.post_id) if c.parent_id == comment.id]

    def add_own_comment(self, comment_id: str, media: Post, author: Account, text: str) -> None:
        self.store.add_comment(Comment(platform=self.ig.name, id=comment_id, post_id=media.id,
                                       account_id=media.account_id, author_id=author.id, author_name=author.name,
                                       author_handle=author.username, text=text))

    def _comment(self, request: web.Request, *, owner_only: bool) -> tuple[Comment, Account]:
        assert self.ig.fb is not None
        _, token = self.ig.fb.api.caller(request)
        comment = self.store.get_comment(self.ig.name, request.match_info["node"])
        if comment is None:
            raise fail(100, MISSING.format(request.match_info["node"]), subcode=33)
        owner = self.store.accounts[self.ig.name][comment.account_id]
        if owner_only and token.account_id != owner.id and token.account_id not in self.ig.linked_pages(owner.id):
            raise fail(10, "(#10) Application does not have permission for this action")
        return comment, owner

    @graph_endpoint
    async def list_comments(self, request: web.Request) -> web.Response:
        assert self.ig.fb is not None
        self.ig.fb.api.caller(request)
        if self.store.get_post(self.ig.name, request.match_info["node"]) is None:
            raise fail(100, MISSING.format(request.match_info["node"]), subcode=33)
        return json_response({"data": self.comments_json(request.match_info["node"])})

    @graph_endpoint
    async def list_replies(self, request: web.Request) -> web.Response:
        comment, _ = self._comment(request, owner_only=False)
        return json_response({"data": [self.comment_json(r) for r in self._replies(comment)]})

    @graph_endpoint
    async def create_reply(self, request: web.Request) -> web.Response:
        comment, owner = self._comment(request, owner_only=True)
        message = params(request).get("message", "")
        if not message:
            raise invalid_param("The parameter message is required")
        if comment.parent_id:
            raise invalid_param("Replies can only be made to top-level comments")
        reply = Comment(platform=self.ig.name, id=self.ig.next_comment_id(), post_id=comment.post_id,
                        account_id=owner.id, author_id=owner.id, author_name=owner.name,
                        author_handle=owner.username, text=message, parent_id=comment.id)
        self.store.add_comment(reply)
        self._record(request, owner, reply.id, message, f"reply:{comment.id}:{message}")
        return json_response({"id": reply.id})

    @graph_endpoint
    async def hide(self, request: web.Request) -> web.Response:
        comment, _ = self._comment(request, owner_only=True)
        value = params(request).get("hide", "").lower()
        if value not in ("true", "false"):
            raise invalid_param("The parameter hide is required (true or false)")
        comment.hidden = value == "true"
        return json_response({"success": True})

    def _record(self, request: web.Request, owner: Account, item_id: str, text: str, fingerprint: str) -> None:
        # Answers are creates too: tests count them to prove a reply was sent exactly once.
        self.store.creates.append({"platform": self.ig.name, "account_id": owner.id, "username": owner.username,
                                   "id": item_id, "text": text, "created_at": fb_time(utcnow()),
                                   "request_id": request["request_id"], "fingerprint": fingerprint})

    # -- direct messages --------------------------------------------------------------------

    def _owner(self, request: web.Request) -> Account | None:
        """The IG account whose messages ``{node}`` names; None: a Messenger request for a Page."""
        assert self.ig.fb is not None
        _, token = self.ig.fb.api.caller(request)
        node = request.match_info["node"]
        on_login_host = request.path.startswith("/instagram/")
        if on_login_host and token.platform != self.ig.name:
            raise fail(190, "Invalid OAuth access token - Cannot parse access token")
        if node == "me":
            node = token.account_id
        ig_id = node if node in self.store.accounts[self.ig.name] else self.ig.business_account(node)
        if ig_id is None:
            if on_login_host:
                raise fail(100, MISSING.format(request.match_info["node"]), subcode=33)
            return None
        if token.account_id != ig_id and token.account_id not in self.ig.linked_pages(ig_id):
            raise fail(10, "(#10) Application does not have permission for this action")
        return self.store.accounts[self.ig.name][ig_id]

    @graph_endpoint
    async def conversations(self, request: web.Request) -> web.Response:
        instagram = params(request).get("platform", "messenger") == "instagram"
        owner = self._owner(request) if instagram or request.path.startswith("/instagram/") else None
        if owner is None:
            assert self.ig.fb is not None
            return await self.ig.fb.api.get_edge(request)
        threads: dict[str, list[DirectMessage]] = {}
        for message in self.store.messages_for(self.ig.name, owner.id):
            threads.setdefault(message.conversation_id, []).append(message)
        ordered = sorted(threads.items(), key=lambda item: item[1][-1].created_at, reverse=True)
        return json_response({"data": [{"id": thread, "updated_time": fb_time(messages[-1].created_at),
                                        "messages": {"data": [self._message_json(m) for m in reversed(messages)]}}
                                       for thread, messages in ordered]})

    def _message_json(self, message: DirectMessage) -> dict[str, Any]:
        recipient = self.store.accounts[self.ig.name].get(message.recipient_id)
        return {"id": message.id, "message": message.text, "created_time": fb_time(message.created_at),
                "from": {"id": message.sender_id, "username": message.sender_handle},
                "to": {"data": [{"id": message.recipient_id, "username": recipient.username if recipient else ""}]}}

    @graph_endpoint
    async def send_message(self, request: web.Request) -> web.Response:
        owner = self._owner(request)
        if owner is None:
            assert self.ig.fb is not None
            return await self.ig.fb.api.post_edge(request)
        recipient, text = _json_field(request, "recipient").get("id"), _json_field(request, "message").get("text")
        if not isinstance(recipient, str) or not isinstance(text, str) or not text:
            raise invalid_param("recipient.id and message.text are required")
        thread = next((m.conversation_id for m in self.store.messages_for(self.ig.name, owner.id)
                       if recipient in (m.sender_id, m.recipient_id)), None)
        if thread is None and not request.path.startswith("/instagram/"):
            assert self.ig.fb is not None
            return await self.ig.fb.api.post_edge(request)  # a Messenger recipient of the Page
        if thread is None:  # Instagram conversations start only from the user
            raise fail(100, "(#100) No matching user found", subcode=2534014)
        message = self.store.add_message(DirectMessage(
            platform=self.ig.name, id="aWdfZAG" + secrets.token_urlsafe(18), conversation_id=thread,
            account_id=owner.id, sender_id=owner.id, sender_name=owner.name, sender_handle=owner.username,
            recipient_id=recipient, text=text))
        self._record(request, owner, message.id, text, f"message:{message.id}")
        return json_response({"recipient_id": recipient, "message_id": message.id})


def _json_field(request: web.Request, name: str) -> dict[str, Any]:
    try:
        value = json.loads(params(request).get(name, "") or "{}")
    except ValueError:
        raise invalid_param(f"The parameter {name} must be a JSON object") from None
    return value if isinstance(value, dict) else {}
