"""graph.threads.net/v1.0 (reference §8): profile, containers, threads_publish, lists, replies, hiding.

- ``GET /me`` (or the profile's id): ``id,username,name,threads_profile_picture_url,threads_biography``;
- ``POST /{user}/threads``: a container (``media_type`` TEXT|IMAGE|VIDEO|CAROUSEL, ``text`` of at most
  500 with emojis counted as their UTF-8 bytes and at most 5 links, ``image_url``/``video_url``,
  ``is_carousel_item``, ``children`` 2-20, ``reply_to_id``, ``reply_control``) -> ``{"id"}``;
- ``GET /{container}?fields=status,error_message``: the scripted IN_PROGRESS -> FINISHED|ERROR|EXPIRED;
- ``POST /{user}/threads_publish?creation_id=`` -> ``{"id"}`` (250 posts / 1000 replies per 24 h);
- ``GET /{user}/threads_publishing_limit``, ``GET /{user}/threads`` (``since``, ``limit``, ``after``),
  ``GET /{user}/mentions``, ``GET /{media}``, ``GET /{media}/replies|conversation`` (``reverse``),
  ``POST /{reply}/manage_reply`` with ``hide`` -> ``{"success":true}``.
"""

from __future__ import annotations

import re
import time
import unicodedata
from collections import deque
from typing import TYPE_CHECKING, Any

from aiohttp import web

from .dialect import Handler, json_response
from .facebook_api import graph_endpoint
from .facebook_common import VERSION, fail, fb_time, invalid_param, params, parse_since
from .state import Account, Post

if TYPE_CHECKING:
    from .threads import Container, ThreadsDialect

MAX_TEXT, MAX_LINKS, CAROUSEL_RANGE = 500, 5, (2, 20)
REPLY_CONTROLS = {"everyone", "accounts_you_follow", "mentioned_only", "parent_post_author_only", "followers_only"}
URL = re.compile(r"(?:https?://|www\.)[^\s<>\"]+", re.IGNORECASE)
MISSING = "Unsupported get request. Object with ID '{}' does not exist, cannot be loaded due to missing permissions"
POLL_SWITCHES = {"TEXT": "threads_text_in_progress_polls", "IMAGE": "threads_image_in_progress_polls",
                 "VIDEO": "threads_video_in_progress_polls", "CAROUSEL": "threads_image_in_progress_polls"}
STATUS_WORDING = {"ERROR": "FAILED_PROCESSING_VIDEO", "EXPIRED": "The container was not published within 24 hours"}


def threads_length(text: str) -> int:
    """Threads' count: one per character, UTF-8 bytes for emoji code points (and their joiners)."""
    def emoji(char: str) -> bool:
        point = ord(char)
        return (point in (0x200D, 0xFE0F, 0x20E3) or 0x1F3FB <= point <= 0x1F3FF or 0x1F1E6 <= point <= 0x1F1FF
                or (point >= 0x2100 and unicodedata.category(char) == "So"))
    return sum(len(char.encode()) if emoji(char) else 1 for char in text)


class ThreadsApi:
    def __init__(self, dialect: ThreadsDialect) -> None:
        self.th = dialect
        self.store = dialect.store

    def routes(self) -> list[tuple[str, str, Handler]]:
        return [("GET", VERSION + "/{node}", self.get_node), ("GET", VERSION + "/{node}/{edge}", self.get_edge),
                ("POST", VERSION + "/{node}/{edge}", self.post_edge)]

    # -- callers ----------------------------------------------------------------------------

    def caller(self, request: web.Request) -> Account:
        value = self.th.token_value(request)
        if not value:
            raise fail(104)
        token = self.store.find_token(value, "access")
        if token is None or token.platform != self.th.name:
            raise fail(190, "Invalid OAuth access token - Cannot parse access token")
        if token.revoked or not token.is_active(time.time()):
            raise fail(190, "Error validating access token: Session has expired.", subcode=463)
        return self.store.accounts[self.th.name][token.account_id]

    def own_user(self, request: web.Request) -> Account:
        caller, node = self.caller(request), request.match_info["node"]
        if node not in ("me", caller.id):
            raise fail(100, MISSING.format(node), subcode=33)
        return caller

    def media_id(self, code: str) -> str:
        return str(int(code[3:], 16)) if code.startswith("SBX") and code[3:].isalnum() else ""

    # -- routing by node and edge -----------------------------------------------------------

    @graph_endpoint
    async def get_node(self, request: web.Request) -> web.Response:
        caller, node = self.caller(request), request.match_info["node"]
        if node in ("me", caller.id):
            return json_response(self._profile(caller, params(request).get("fields", "id,username")))
        container = self.th.containers.get(node)
        if container is not None and container.user_id == caller.id:
            return json_response(self._status(container))
        post = self.store.get_post(self.th.name, node)
        if post is None:
            raise fail(100, MISSING.format(node), subcode=33)
        return json_response(self.media_json(post, caller, params(request).get("fields", "id")))

    @graph_endpoint
    async def get_edge(self, request: web.Request) -> web.Response:
        edges = {"threads": self.list_threads, "threads_publishing_limit": self.publishing_limit,
                 "mentions": self.mentions, "replies": self.replies, "conversation": self.replies}
        handler = edges.get(request.match_info["edge"])
        if handler is None:
            raise fail(100, f"(#100) Tried accessing nonexisting field ({request.match_info['edge']})")
        return handler(request)

    @graph_endpoint
    async def post_edge(self, request: web.Request) -> web.Response:
        edges = {"threads": self.create_container, "threads_publish": self.publish, "manage_reply": self.manage_reply}
        handler = edges.get(request.match_info["edge"])
        if handler is None:
            raise fail(100, "(#100) Unsupported post request")
        return handler(request)

    # -- profile ----------------------------------------------------------------------------

    def _profile(self, account: Account, fields: str) -> dict[str, Any]:
        values = {"id": account.id, "username": account.username, "name": account.name,
                  "threads_profile_picture_url": f"https://scontent.sandbox.invalid/threads/{account.username}.jpg",
                  "threads_biography": "A sandbox Threads profile"}
        wanted = [f.strip() for f in fields.split(",") if f.strip()] or ["id"]
        return {name: values[name] for name in wanted if name in values}

    # -- containers and publishing ----------------------------------------------------------

    def create_container(self, request: web.Request) -> web.Response:
        from .threads import Container  # at call time: threads.py imports this module

        user, p = self.own_user(request), params(request)
        media_type = p.get("media_type", "").upper()
        item = p.get("is_carousel_item", "false").lower() == "true"
        text = p.get("text", "")
        self._check_text(text)
        url = self._media_url(media_type, p, item)
        children = self._children(user, p) if media_type == "CAROUSEL" else ()
        if media_type == "TEXT" and not text.strip():
            raise invalid_param("The parameter text is required for media_type TEXT")
        reply_to = p.get("reply_to_id", "")
        if reply_to and self.store.get_post(self.th.name, reply_to) is None:
            raise fail(100, MISSING.format(reply_to), subcode=33)
        if p.get("reply_control") and p["reply_control"] not in REPLY_CONTROLS:
            raise invalid_param("The parameter reply_control is invalid")
        switch = self.th.faults.switch
        polls = switch(POLL_SWITCHES[media_type])
        final = str(switch("threads_container_final") or "FINISHED").upper()
        container = Container(id=self.th.next_object_id(), user_id=user.id, media_type=media_type, text=text,
                              media_url=url, children=children, carousel_item=item, reply_to_id=reply_to,
                              polls_left=int(polls) if str(polls).isdigit() else 0,
                              final=final if final in ("FINISHED", "ERROR", "EXPIRED") else "FINISHED")
        self.th.containers[container.id] = container
        return json_response({"id": container.id})

    def _check_text(self, text: str) -> None:
        if threads_length(text) > MAX_TEXT:
            raise invalid_param(f"The parameter text must be at most {MAX_TEXT} characters long")
        if len({m.group(0).rstrip(".,;:!?)]}'\"").lower() for m in URL.finditer(text)}) > MAX_LINKS:
            raise fail(100, "THREADS_API__LINK_LIMIT_EXCEEDED: a post may contain at most 5 links")

    def _media_url(self, media_type: str, p: dict[str, str], item: bool) -> str:
        wanted = {"IMAGE": "image_url", "VIDEO": "video_url"}.get(media_type)
        if media_type not in ("TEXT", "IMAGE", "VIDEO", "CAROUSEL"):
            raise invalid_param("The parameter media_type is invalid")
        if item and wanted is None:
            raise invalid_param("Only IMAGE and VIDEO containers can be carousel items")
        if wanted is None:
            return ""
        url = p.get(wanted, "")
        if not url.lower().startswith(("http://", "https://")):
            raise invalid_param(f"The parameter {wanted} is required and must be a public URL")
        return url

    def _children(self, user: Account, p: dict[str, str]) -> tuple[str, ...]:
        children = tuple(c.strip() for c in p.get("children", "").split(",") if c.strip())
        low, high = CAROUSEL_RANGE
        if not low <= len(children) <= high:
            raise invalid_param(f"A carousel needs between {low} and {high} children")
        for child_id in children:
            child = self.th.containers.get(child_id)
            if child is None or not child.carousel_item or child.user_id != user.id:
                raise invalid_param(f"The child {child_id} is not a carousel item of this profile")
            if child.status() != "FINISHED":
                raise fail(24, f"The carousel item {child_id} is not ready (status {child.status()})",
                           subcode=4279009)
        return children

    def _status(self, container: Container) -> dict[str, Any]:
        status = container.status()
        if status == "IN_PROGRESS":
            container.polls_left -= 1  # each status read moves the scripted progression on
        answer = {"id": container.id, "status": status}
        if status in STATUS_WORDING:
            answer["error_message"] = STATUS_WORDING[status]
        return answer

    def publish(self, request: web.Request) -> web.Response:
        user = self.own_user(request)
        container = self.th.containers.get(params(request).get("creation_id", ""))
        if container is None or container.user_id != user.id or container.carousel_item:
            raise invalid_param("The parameter creation_id is invalid")
        if container.media_id:
            raise invalid_param("This container has already been published")
        if container.status() != "FINISHED":
            raise fail(24, "The media is not ready to be published. Please wait a moment.", subcode=4279009)
        kind = "replies" if container.reply_to_id else "posts"
        if self.th.used(user.id, kind) >= self.th.quota(kind):
            raise fail(4, f"The profile reached its publishing limit of {self.th.quota(kind)} {kind} per 24 hours")
        return json_response({"id": self._record(request, user, container, kind)})

    def _record(self, request: web.Request, user: Account, container: Container, kind: str) -> str:
        parent = self.store.get_post(self.th.name, container.reply_to_id) if container.reply_to_id else None
        parts = [self.th.containers[c] for c in container.children] or [container]
        post = Post(platform=self.th.name, id=self.th.next_object_id(), account_id=user.id, text=container.text,
                    request_id=request["request_id"], in_reply_to_id=parent.id if parent else None,
                    in_reply_to_account_id=parent.account_id if parent else None,
                    media_ids=tuple(p.media_url for p in parts if p.media_url))
        post.conversation_id = (parent.conversation_id or parent.id) if parent else post.id
        self.store.add_post(post)
        if parent is not None:  # an answer, not a second copy of a post
            self.store.creates[-1]["fingerprint"] = f"reply:{parent.id}:{container.text}"
        container.media_id = post.id
        self.th.published.setdefault((user.id, kind), deque()).append(time.time())
        return post.id

    def publishing_limit(self, request: web.Request) -> web.Response:
        user = self.own_user(request)
        return json_response({"data": [{
            "quota_usage": self.th.used(user.id, "posts"), "reply_quota_usage": self.th.used(user.id, "replies"),
            "config": {"quota_total": self.th.quota("posts"), "quota_duration": 86400},
            "reply_config": {"quota_total": self.th.quota("replies"), "quota_duration": 86400}}]})

    # -- reads ------------------------------------------------------------------------------

    def media_json(self, post: Post, caller: Account, fields: str) -> dict[str, Any]:
        author = self.store.accounts[self.th.name].get(post.account_id)
        handle = author.username if author else ""
        code = "SBX" + format(int(post.id), "x")
        videos = [u for u in post.media_ids if u.lower().endswith((".mp4", ".mov"))]
        kind = "CAROUSEL_ALBUM" if len(post.media_ids) > 1 else "VIDEO" if videos else \
            "IMAGE" if post.media_ids else "TEXT_POST"
        root = self.store.posts[self.th.name].get(post.conversation_id)
        values: dict[str, Any] = {
            "id": post.id, "media_product_type": "THREADS", "media_type": kind, "text": post.text or None,
            "permalink": f"https://www.threads.net/@{handle}/post/{code}", "shortcode": code,
            "timestamp": fb_time(post.created_at), "username": handle, "owner": {"id": post.account_id},
            "is_quote_post": False, "is_reply": bool(post.in_reply_to_id),
            "media_url": post.media_ids[0] if post.media_ids else None,
            "has_replies": any(p.in_reply_to_id == post.id for p in self.store.all_posts(self.th.name)),
        }
        if post.in_reply_to_id:
            values.update(replied_to={"id": post.in_reply_to_id}, root_post={"id": post.conversation_id},
                          is_reply_owned_by_me=post.account_id == caller.id,
                          hide_status="HIDDEN" if post.id in self.th.hidden else "NOT_HUSHED")
            if root is not None and root.account_id != caller.id:
                values.pop("hide_status")  # only the root's owner sees how replies are moderated
        wanted = [f.strip() for f in fields.split(",") if f.strip()] or ["id"]
        return {name: values[name] for name in wanted if values.get(name) is not None}

    def _page(self, request: web.Request, posts: list[Post], caller: Account) -> web.Response:
        p = params(request)
        limit = min(int(p["limit"]) if p.get("limit", "").isdigit() else 25, 100)
        if p.get("after"):
            posts = [post for post in posts if int(post.id) < int(p["after"])]
        page, fields = posts[:limit], p.get("fields", "id")
        body: dict[str, Any] = {"data": [self.media_json(post, caller, fields) for post in page]}
        if page:
            body["paging"] = {"cursors": {"before": page[0].id, "after": page[-1].id}}
        return json_response(body)

    def list_threads(self, request: web.Request) -> web.Response:
        user, p = self.own_user(request), params(request)
        since, until = parse_since(p.get("since"), "since"), parse_since(p.get("until"), "until")
        posts = [post for post in self.store.timeline(self.th.name, user.id) if not post.in_reply_to_id
                 and (since is None or post.created_at >= since) and (until is None or post.created_at <= until)]
        return self._page(request, posts, user)

    def mentions(self, request: web.Request) -> web.Response:
        user = self.own_user(request)
        named = re.compile(rf"(?<![\w.])@{re.escape(user.username)}(?![\w.])", re.IGNORECASE)
        posts = [post for post in self.store.all_posts(self.th.name)
                 if post.account_id != user.id and named.search(post.text)]
        return self._page(request, sorted(posts, key=lambda post: int(post.id), reverse=True), user)

    def replies(self, request: web.Request) -> web.Response:
        caller, node = self.caller(request), request.match_info["node"]
        if self.store.get_post(self.th.name, node) is None:
            raise fail(100, MISSING.format(node), subcode=33)
        everything = self.store.all_posts(self.th.name)
        if request.match_info["edge"] == "replies":
            found = [p for p in everything if p.in_reply_to_id == node]
        else:  # the whole tree below the node, at every depth
            below, found = {node}, []
            for post in sorted(everything, key=lambda p: int(p.id)):
                if post.in_reply_to_id in below:
                    below.add(post.id)
                    found.append(post)
        newest_first = params(request).get("reverse", "true").lower() != "false"
        found.sort(key=lambda p: int(p.id), reverse=newest_first)
        return self._page(request, found, caller)

    def manage_reply(self, request: web.Request) -> web.Response:
        caller, node = self.caller(request), request.match_info["node"]
        reply = self.store.get_post(self.th.name, node)
        if reply is None or not reply.in_reply_to_id:
            raise fail(100, MISSING.format(node), subcode=33)
        root = self.store.posts[self.th.name].get(reply.conversation_id)
        if root is None or root.account_id != caller.id:
            raise fail(10, "(#10) Only the author of the root post can hide its replies")
        hide = params(request).get("hide", "").lower()
        if hide not in ("true", "false"):
            raise invalid_param("The parameter hide must be true or false")
        (self.th.hidden.add if hide == "true" else self.th.hidden.discard)(node)
        return json_response({"success": True})
