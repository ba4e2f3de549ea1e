"""Graph API nodes and edges for Pages: feed, photos, posts, me/accounts (reference §2.2-2.3); videos
in ``facebook_video``, comments and Messenger in ``facebook_inbox``.

Ids are shaped like Meta's: a Page post is ``{page id}_{post id}``, a comment
``{post id}_{comment id}``, photos plain numbers. Reads page with ``limit``/``after`` cursors and
a ``paging.next`` URL that carries ``access_token`` (facebook-sdk's get_all_connections needs it).
"""

from __future__ import annotations

import json
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from functools import wraps
from typing import TYPE_CHECKING, Any

from aiohttp import web

from .dialect import Handler, json_response
from .facebook_common import VERSION, GraphReply, fail, fb_time, invalid_param, params, parse_since
from .facebook_inbox import FacebookInbox
from .facebook_render import comment_json, node_fields, paginate, post_json
from .facebook_video import FacebookVideos
from .state import Account, Post, Token

if TYPE_CHECKING:
    from .facebook import FacebookDialect

DUPLICATE_WINDOW = timedelta(hours=24)
MAX_MESSAGE = 63206
MISSING = ("Unsupported get request. Object with ID '{}' does not exist, cannot be loaded due to missing "
           "permissions, or does not support this operation. Please read the Graph API documentation "
           "at https://developers.facebook.com/docs/graph-api")


def graph_endpoint(fn: Callable[[Any, web.Request], Awaitable[web.Response]]
                   ) -> Callable[[Any, web.Request], Awaitable[web.Response]]:
    """Turn ``GraphReply`` into its response."""

    @wraps(fn)
    async def wrapper(self: Any, request: web.Request) -> web.Response:
        try:
            return await fn(self, request)
        except GraphReply as reply:
            return reply.response

    return wrapper


class FacebookApi:
    def __init__(self, dialect: FacebookDialect) -> None:
        self.fb = dialect
        self.store = dialect.store
        self.inbox = FacebookInbox(self)
        self.videos = FacebookVideos(self)

    def routes(self) -> list[tuple[str, str, Handler]]:
        return [
            ("GET", VERSION + "/{node}/{edge}", self.get_edge),
            ("POST", VERSION + "/{node}/{edge}", self.post_edge),
            ("GET", VERSION + "/{node}", self.get_node),
            ("POST", VERSION + "/{node}", self.post_node),
            ("DELETE", VERSION + "/{node}", self.delete_node),
        ]

    # -- callers and nodes ------------------------------------------------------------------

    def caller(self, request: web.Request) -> tuple[Account, Token]:
        value = self.fb.token_value(request)
        if not value:
            raise fail(104)
        token = self.fb.token(request)
        if token is None:
            raise fail(190, "Invalid OAuth access token - Cannot parse access token")
        if token.revoked:
            raise fail(190, "Error validating access token: The session has been invalidated because "
                            "the user changed their password or Facebook has changed the session for "
                            "security reasons.", subcode=460)
        if not token.is_active(time.time()):
            now = datetime.now(UTC).strftime("%A, %d-%b-%y %H:%M:%S UTC")
            raise fail(190, f"Error validating access token: Session has expired. The current time is {now}.",
                       subcode=463)
        return self.store.accounts[token.platform][token.account_id], token

    def node(self, request: web.Request, caller: Account) -> tuple[str, Any]:
        """(kind, object) for the ``{node}`` segment: "account", "post", "comment", "photo" or "video"."""
        ref = request.match_info["node"]
        if ref == "me":
            return "account", caller
        account = self.store.accounts[self.fb.name].get(ref)
        if account is not None:
            return "account", account
        post = self.store.get_post(self.fb.name, ref)
        if post is not None:
            return "post", post
        comment = self.store.get_comment(self.fb.name, ref)
        if comment is not None:
            return "comment", comment
        if ref in self.fb.photos:
            return "photo", self.fb.photos[ref]
        if ref in self.fb.videos:
            return "video", self.fb.videos[ref]
        raise fail(100, MISSING.format(ref), subcode=33)

    def page_node(self, request: web.Request, caller: Account, token: Token) -> Account:
        """The Page in ``{node}``; writing to it needs that Page's own token."""
        kind, page = self.node(request, caller)
        if kind != "account" or not self.fb.is_page(page):
            raise invalid_param(f"Tried accessing nonexisting field ({request.match_info['edge']})")
        if request.method == "POST" and (token.kind != "page" or token.account_id != page.id):
            raise fail(200)
        return page

    # -- dispatch ---------------------------------------------------------------------------

    @graph_endpoint
    async def get_edge(self, request: web.Request) -> web.Response:
        caller, token = self.caller(request)
        edge = request.match_info["edge"]
        if edge in ("feed", "posts", "published_posts"):
            return self.list_posts(request, self.page_node(request, caller, token))
        if edge == "comments":
            return self.list_comments(request, caller)
        if edge == "conversations":
            return self.inbox.conversations(request, token, self.page_node(request, caller, token))
        if edge == "accounts" and request.match_info["node"] == "me" and token.kind == "access":
            return self.accounts(request, caller, token)
        if edge == "permissions" and request.match_info["node"] == "me":
            return json_response({"data": [{"permission": p, "status": "granted"} for p in token.scopes]})
        raise invalid_param(f"Tried accessing nonexisting field ({edge})")

    @graph_endpoint
    async def post_edge(self, request: web.Request) -> web.Response:
        caller, token = self.caller(request)
        edge = request.match_info["edge"]
        if edge == "feed":
            return self.create_feed_post(request, self.page_node(request, caller, token))
        if edge == "photos":
            return self.create_photo(request, self.page_node(request, caller, token))
        if edge == "videos":
            return self.videos.create(request, self.page_node(request, caller, token))
        if edge == "messages":
            return self.inbox.send(request, token, self.page_node(request, caller, token))
        if edge == "comments":
            return self.create_comment(request, caller)
        raise invalid_param(f"Tried accessing nonexisting field ({edge})")

    @graph_endpoint
    async def get_node(self, request: web.Request) -> web.Response:
        caller, _ = self.caller(request)
        kind, obj = self.node(request, caller)
        fields = params(request).get("fields", "")
        if kind == "comment":
            return json_response(comment_json(self.fb, obj, node_fields(fields, "comment")))
        if kind == "video":
            return self.videos.node(request, request.match_info["node"], obj)
        if kind == "post":
            return json_response(post_json(self.fb, obj, node_fields(fields, "post")))
        if kind == "photo":
            return json_response({"id": request.match_info["node"], "link": obj["url"],
                                  "created_time": obj["created_time"]})
        data = {"id": obj.id, "name": obj.name}
        if "username" in fields or "link" in fields:
            data.update(username=obj.username, link=f"https://www.facebook.com/{obj.id}")
        linked = self.fb.instagram.business_account(obj.id) if self.fb.instagram else None
        if "instagram_business_account" in fields and linked:
            data["instagram_business_account"] = {"id": linked}
        return json_response(data)

    @graph_endpoint
    async def post_node(self, request: web.Request) -> web.Response:
        caller, token = self.caller(request)
        kind, obj = self.node(request, caller)
        if kind != "comment":
            raise invalid_param("Unsupported post request")
        return self.inbox.update_comment(request, token, obj)

    @graph_endpoint
    async def delete_node(self, request: web.Request) -> web.Response:
        caller, token = self.caller(request)
        kind, obj = self.node(request, caller)
        if kind == "comment":
            return self.inbox.delete_comment(token, obj)
        if kind != "post" or obj.account_id != caller.id:
            raise fail(200, "(#200) Permissions error")
        obj.deleted = True
        return json_response({"success": True})

    # -- posts ------------------------------------------------------------------------------

    def create_feed_post(self, request: web.Request, page: Account) -> web.Response:
        p = params(request)
        message, link = p.get("message", ""), p.get("link", "")
        photos = self._attached_media(p.get("attached_media"), page)
        if not (message or link or photos):
            raise invalid_param("Missing message or attachment")
        if link and not link.lower().startswith(("http://", "https://")):
            raise invalid_param("The parameter link must be a valid URL")
        if len(message) > MAX_MESSAGE:
            raise invalid_param(f"The message must be at most {MAX_MESSAGE} characters long")
        if message and not photos and not link:
            self._reject_duplicate(page, message)
        post = self.store_post(request, page, message, tuple(photos))
        if link:
            self.fb.links[post.id] = link
        if p.get("published", "true").lower() == "false":
            self.fb.unpublished.add(post.id)
        for photo_id in photos:
            self.fb.photos[photo_id].update(published=True, post_id=post.id)
        answer = {"id": post.id}
        if "fields" in p:
            answer.update(post_json(self.fb, post, node_fields(p["fields"], "post")))
        return json_response(answer)

    def create_photo(self, request: web.Request, page: Account) -> web.Response:
        p = params(request)
        url = p.get("url", "")
        if not url and "source" not in request.get("fb_files", {}):
            raise fail(324, "(#324) Requires upload file")
        if url and not url.lower().startswith(("http://", "https://")):
            raise invalid_param("url should represent a valid URL")
        photo_id = self.store.ids.next()
        created = fb_time(datetime.now(UTC))
        self.fb.photos[photo_id] = {"page": page.id, "url": url or f"https://sandbox.invalid/photos/{photo_id}.jpg",
                                    "published": False, "post_id": None, "created_time": created}
        if p.get("published", "true").lower() == "false":
            return json_response({"id": photo_id})
        post = self.store_post(request, page, p.get("caption") or p.get("message", ""), (photo_id,))
        self.fb.photos[photo_id].update(published=True, post_id=post.id)
        return json_response({"id": photo_id, "post_id": post.id})

    def _attached_media(self, raw: str | None, page: Account) -> list[str]:
        if not raw:
            return []
        try:
            items = json.loads(raw)
            ids = [str(item["media_fbid"]) for item in items]
        except (ValueError, TypeError, KeyError):
            raise invalid_param("param attached_media must be an array of {\"media_fbid\": id}") from None
        for index, photo_id in enumerate(ids):
            photo = self.fb.photos.get(photo_id)
            if photo is None or photo["page"] != page.id or photo["published"]:
                raise invalid_param(f"param attached_media[{index}] has an invalid value")
        return ids

    def _reject_duplicate(self, page: Account, message: str) -> None:
        if not self.fb.faults.switch("facebook_duplicate_check"):
            return
        cutoff = datetime.now(UTC) - DUPLICATE_WINDOW
        for post in self.store.timeline(self.fb.name, page.id):
            if post.created_at < cutoff:
                break
            if not post.in_reply_to_id and not post.media_ids and post.text == message:
                raise fail(506)

    def store_post(self, request: web.Request, author: Account, text: str, media: tuple[str, ...]) -> Post:
        post_id = f"{author.id}_{self.store.ids.next()}"
        post = Post(platform=self.fb.name, id=post_id, account_id=author.id, text=text,
                    request_id=request["request_id"], media_ids=media, conversation_id=post_id)
        self.store.add_post(post)
        return post

    def list_posts(self, request: web.Request, page: Account) -> web.Response:
        p = params(request)
        since, until = parse_window(p)
        fields = node_fields(p.get("fields", ""), "post")
        posts = [post for post in self.store.timeline(self.fb.name, page.id)
                 if not post.in_reply_to_id and post.id not in self.fb.unpublished
                 and (since is None or post.created_at >= since) and (until is None or post.created_at <= until)]
        return paginate(self.fb, request, posts, lambda post: post_json(self.fb, post, fields))

    # -- comments ---------------------------------------------------------------------------

    def create_comment(self, request: web.Request, caller: Account) -> web.Response:
        kind, parent = self.node(request, caller)
        if kind not in ("post", "comment"):
            raise invalid_param("Tried accessing nonexisting field (comments)")
        return self.inbox.create_comment(request, caller, parent)

    def list_comments(self, request: web.Request, caller: Account) -> web.Response:
        kind, parent = self.node(request, caller)
        if kind not in ("post", "comment"):
            raise invalid_param("Tried accessing nonexisting field (comments)")
        return self.inbox.list_comments(request, caller, parent)

    # -- me/accounts ------------------------------------------------------------------------

    def accounts(self, request: web.Request, user: Account, token: Token) -> web.Response:
        wants_ig = "instagram_business_account" in params(request).get("fields", "")

        def render(page: Account) -> dict[str, Any]:
            page_token = self.fb.issue_page_token(page, token)
            data = {"access_token": page_token.value, "category": "Brand",
                    "category_list": [{"id": "1605186416478696", "name": "Brand"}],
                    "name": page.name, "id": page.id,
                    "tasks": ["ADVERTISE", "ANALYZE", "CREATE_CONTENT", "MESSAGING", "MODERATE", "MANAGE"]}
            linked = self.fb.instagram.business_account(page.id) if self.fb.instagram and wants_ig else None
            ig = self.store.accounts["instagram"].get(linked) if linked else None
            if ig is not None:
                data["instagram_business_account"] = {"id": ig.id, "username": ig.username, "name": ig.name}
            return data

        return paginate(self.fb, request, self.fb.pages_of(user.id), render)


def parse_window(p: dict[str, str]) -> tuple[datetime | None, datetime | None]:
    return parse_since(p.get("since"), "since"), parse_since(p.get("until"), "until")
