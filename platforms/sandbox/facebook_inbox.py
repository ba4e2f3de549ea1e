"""Comments and Messenger for Pages (reference §2.3), backed by ``Store.comments`` / ``Store.messages``.

- ``POST /{post-id}/comments`` (any caller) and ``POST /{comment-id}/comments`` (a reply; Facebook
  keeps one level, so a reply to a reply lands on the top-level comment); ids ``{post}_{comment}``.
- ``GET /{post-id}/comments`` (top level, or everything with ``filter=stream``; ``order``),
  ``GET /{comment-id}/comments`` (its replies), ``POST /{comment-id}`` ``is_hidden`` and
  ``DELETE /{comment-id}`` by the Page that owns the post.
- ``GET /{page-id}/conversations?platform=messenger`` and the Send API ``POST /{page-id}/messages``
  (``recipient``, ``message``, ``messaging_type``), both with that Page's token. RESPONSE/UPDATE
  messages are refused outside ``facebook_messaging_window_s`` (default 24 h) after the person's
  last message, as #10 subcode 2018278.
- ``POST /facebook/_sandbox/messages`` ``{"page","user","text"}``: a sandbox-only stand-in for a
  person writing to the Page in Messenger (Meta has no API for that side).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from aiohttp import web

from .dialect import json_response, sandbox_ui
from .facebook_common import fail, fb_time, invalid_param, params
from .facebook_render import comment_json, node_fields, paginate
from .state import Account, Comment, DirectMessage, Post, Token, iso_z

if TYPE_CHECKING:
    from .facebook_api import FacebookApi

MESSAGE_FIELDS = ("id", "message", "from", "to", "created_time")
CONVERSATION_FIELDS = {"id", "updated_time", "messages", "participants", "message_count", "snippet", "link"}
MAX_MESSENGER_TEXT = 2000
MESSAGE_LIMIT = 25
NEEDS_PAGE_TOKEN = "(#190) This method must be called with a Page Access Token"


@dataclass
class Thread:
    id: str
    person: str
    messages: list[DirectMessage]  # oldest first


class FacebookInbox:
    def __init__(self, api: FacebookApi) -> None:
        self.api = api
        self.fb = api.fb
        self.store = api.fb.store

    # -- comments ---------------------------------------------------------------------------

    def create_comment(self, request: web.Request, caller: Account, target: Post | Comment) -> web.Response:
        p = params(request)
        message = p.get("message", "")
        if not message and not p.get("attachment_url"):
            raise invalid_param("Missing message or attachment")
        if isinstance(target, Comment):
            post_id, parent_id = target.post_id, target.parent_id or target.id
        else:
            post_id, parent_id = target.id, None
        post = self.store.posts[self.fb.name][post_id]
        comment = self.store.add_comment(Comment(
            platform=self.fb.name, id=f"{post_id.rsplit('_', 1)[-1]}_{self.store.ids.next()}", post_id=post_id,
            account_id=post.account_id, author_id=caller.id, author_name=caller.name,
            author_handle=caller.username, text=message, parent_id=parent_id))
        self.record_create(request, caller, comment.id, message, f"comment:{parent_id or post_id}:{message}")
        return json_response({"id": comment.id})

    def list_comments(self, request: web.Request, caller: Account, target: Post | Comment) -> web.Response:
        p = params(request)
        fields = node_fields(p.get("fields", ""), "comment")
        post_id = target.post_id if isinstance(target, Comment) else target.id
        owner = caller.id == self.store.posts[self.fb.name][post_id].account_id
        comments = [c for c in self.store.comments_on(self.fb.name, post_id) if owner or not c.hidden]
        if isinstance(target, Comment):
            comments = [c for c in comments if c.parent_id == target.id]
        elif p.get("filter") != "stream":
            comments = [c for c in comments if c.parent_id is None]
        if p.get("order") == "reverse_chronological":
            comments.reverse()
        return paginate(self.fb, request, comments, lambda c: comment_json(self.fb, c, fields))

    def update_comment(self, request: web.Request, token: Token, comment: Comment) -> web.Response:
        self._owner_only(token, comment)
        value = params(request).get("is_hidden", "").lower()
        if value not in ("true", "false"):
            raise invalid_param("Param is_hidden must be a boolean")
        comment.hidden = value == "true"
        return json_response({"success": True})

    def delete_comment(self, token: Token, comment: Comment) -> web.Response:
        if token.account_id != comment.author_id:
            self._owner_only(token, comment)
        self.store.comments[self.fb.name].pop(comment.id, None)
        return json_response({"success": True})

    def _owner_only(self, token: Token, comment: Comment) -> None:
        if token.kind != "page" or token.account_id != comment.account_id:
            raise fail(200, "(#200) Permissions error")

    # -- Messenger --------------------------------------------------------------------------

    def threads(self, page: Account) -> list[Thread]:
        """The Page's conversations, most recently updated first."""
        by_id: dict[str, Thread] = {}
        for message in self.store.messages_for(self.fb.name, page.id):
            person = message.recipient_id if message.sender_id == page.id else message.sender_id
            by_id.setdefault(message.conversation_id, Thread(message.conversation_id, person, [])).messages.append(
                message)
        return sorted(by_id.values(), key=lambda t: t.messages[-1].created_at, reverse=True)

    def conversations(self, request: web.Request, token: Token, page: Account) -> web.Response:
        self._page_token(token, page)
        p = params(request)
        if p.get("platform", "messenger") == "instagram":
            hook = getattr(self.fb.instagram, "page_conversations", None)
            return hook(request, page) if hook else json_response({"data": []})
        top, sub = conversation_fields(p.get("fields", ""))
        return paginate(self.fb, request, self.threads(page), lambda t: self.thread_json(t, page, top, sub))

    def thread_json(self, thread: Thread, page: Account, top: list[str], sub: list[str]) -> dict[str, Any]:
        names = {m.sender_id: m.sender_name for m in thread.messages} | {page.id: page.name}
        newest = list(reversed(thread.messages))
        values: dict[str, Any] = {
            "id": thread.id, "updated_time": fb_time(newest[0].created_at), "message_count": len(newest),
            "snippet": newest[0].text[:100], "link": f"/{page.username}/inbox/{thread.id}",
            "participants": {"data": [_party(names, thread.person), _party(names, page.id)]},
            "messages": {"data": [_message_json(m, names, sub) for m in newest[:MESSAGE_LIMIT]]},
        }
        return {name: values[name] for name in top}

    def send(self, request: web.Request, token: Token, page: Account) -> web.Response:
        self._page_token(token, page)
        p = params(request)
        recipient, text = _json_field(p, "recipient", "id"), _json_field(p, "message", "text")
        kind = p.get("messaging_type", "")
        if kind not in ("RESPONSE", "UPDATE", "MESSAGE_TAG") or (kind == "MESSAGE_TAG" and not p.get("tag")):
            raise invalid_param("param messaging_type must be RESPONSE, UPDATE or MESSAGE_TAG (with a tag)")
        if len(text) > MAX_MESSENGER_TEXT:
            raise invalid_param(f"Length of param message[text] must be less than or equal to {MAX_MESSENGER_TEXT}")
        thread = next((t for t in self.threads(page) if t.person == recipient), None)
        if thread is None:
            raise fail(100, "(#100) No matching user found", subcode=2018001)
        self._check_window(thread, kind)
        message = self.store.add_message(DirectMessage(
            platform=self.fb.name, id=f"m_{self.store.ids.next()}", conversation_id=thread.id, account_id=page.id,
            sender_id=page.id, sender_name=page.name, sender_handle=page.username, recipient_id=recipient, text=text))
        self.record_create(request, page, message.id, text, f"message:{recipient}:{text}")
        return json_response({"recipient_id": recipient, "message_id": message.id})

    def _check_window(self, thread: Thread, kind: str) -> None:
        theirs = [m.created_at for m in thread.messages if m.sender_id == thread.person]
        try:
            window = float(self.fb.faults.switch("facebook_messaging_window_s"))
        except (TypeError, ValueError):
            window = 86400.0
        age = (datetime.now(UTC) - max(theirs)).total_seconds() if theirs else float("inf")
        if kind != "MESSAGE_TAG" and age > window:
            raise fail(10, "(#10) This message is sent outside of allowed window. Learn more about the new policy "
                           "here: https://developers.facebook.com/docs/messenger-platform/policy-overview",
                       subcode=2018278)

    def _page_token(self, token: Token, page: Account) -> None:
        if token.kind != "page" or token.account_id != page.id:
            raise fail(190, NEEDS_PAGE_TOKEN)

    @sandbox_ui
    async def person_writes(self, request: web.Request) -> web.Response:
        """The sandbox-only Messenger user side: ``{"page", "user", "text"}`` -> the stored message."""
        try:
            body = await request.json()
        except ValueError:
            body = None
        if not isinstance(body, dict) or not isinstance(body.get("text"), str):
            return json_response({"error": "send {\"page\", \"user\", \"text\"}"}, 400)
        page = self.store.find_account(self.fb.name, str(body.get("page", "")))
        if page is None or not self.fb.is_page(page):
            return json_response({"error": "unknown page"}, 404)
        user = self.store.get_or_create_account(self.fb.name, str(body.get("user") or "sandbox_fan"))
        thread = next((t for t in self.threads(page) if t.person == user.id), None)
        message = self.store.add_message(DirectMessage(
            platform=self.fb.name, id=f"m_{self.store.ids.next()}",
            conversation_id=thread.id if thread else f"t_{self.store.ids.next()}", account_id=page.id,
            sender_id=user.id, sender_name=user.name, sender_handle=user.username, recipient_id=page.id,
            text=body["text"]))
        return json_response({"id": message.id, "conversation_id": message.conversation_id, "sender_id": user.id})

    # -- the create record ------------------------------------------------------------------

    def record_create(self, request: web.Request, author: Account, item_id: str, text: str, fingerprint: str) -> None:
        """Comments and messages are creates too: a duplicate one is what a reader sees twice."""
        self.store.creates.append({
            "platform": self.fb.name, "account_id": author.id, "username": author.username, "id": item_id,
            "text": text, "created_at": iso_z(datetime.now(UTC)), "request_id": request["request_id"],
            "fingerprint": fingerprint,
        })


def conversation_fields(raw: str) -> tuple[list[str], list[str]]:
    """Top-level fields and the ``messages{...}`` sub-fields (modifiers such as ``.limit(25)`` ignored)."""
    match = re.search(r"messages(?:\.[a-z_]+\([^)]*\))*\{([^}]*)\}", raw)
    sub = [f.strip() for f in match.group(1).split(",") if f.strip()] if match else ["id", "created_time"]
    flat = re.sub(r"\{[^}]*\}", "", raw)
    top = [re.split(r"[.{]", f.strip(), maxsplit=1)[0] for f in flat.split(",") if f.strip()] or ["id", "updated_time"]
    for name in [*top, *sub]:
        if name not in CONVERSATION_FIELDS and name not in MESSAGE_FIELDS:
            raise invalid_param(f"Tried accessing nonexisting field ({name}) on node type (UnifiedThread)")
    return list(dict.fromkeys(top)), sub


def _party(names: dict[str, str], account_id: str) -> dict[str, str]:
    return {"name": names.get(account_id, "Facebook user"), "email": f"{account_id}@facebook.com", "id": account_id}


def _message_json(message: DirectMessage, names: dict[str, str], fields: list[str]) -> dict[str, Any]:
    values = {"id": message.id, "message": message.text, "created_time": fb_time(message.created_at),
              "from": _party(names, message.sender_id), "to": {"data": [_party(names, message.recipient_id)]}}
    return {name: values[name] for name in fields if name in values}


def _json_field(p: dict[str, str], name: str, key: str) -> str:
    try:
        value = json.loads(p.get(name) or "")
    except ValueError:
        value = None
    if not isinstance(value, dict) or not isinstance(value.get(key), str) or not value[key]:
        raise invalid_param(f"param {name} must be a JSON object with a non-empty {key}")
    return value[key]
