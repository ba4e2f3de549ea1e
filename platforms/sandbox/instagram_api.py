"""Instagram content publishing on the Graph host: container -> status -> media_publish (reference §3.2).

Tokens, the error envelope and fault handling are the Facebook dialect's. A caller may act as the
IG user itself (a minted Instagram token) or through the Page it is linked to (the Page token of
Facebook Login). ``media_publish`` is the irreversible create, recorded once per container: a
container can be published once, a second try is an error, exactly like Meta.
"""

from __future__ import annotations

import re
import time
from collections import deque
from typing import TYPE_CHECKING, Any

from aiohttp import web

from .dialect import Handler, json_response
from .facebook_api import MISSING, graph_endpoint
from .facebook_common import VERSION, fail, fb_time, invalid_param, params, parse_since
from .state import Account, Post

if TYPE_CHECKING:
    from .instagram import Container, InstagramDialect

IG_USER = r"/{node:17841\d{12}}"
IG_USER_OR_ME = r"/{node:17841\d{12}|me}"  # graph.instagram.com only: on the Facebook host /me is Facebook's
IG_OBJECT = r"/{node:17[89]\d{14}}"  # containers and media (179...), comments (178...)
MAX_CAPTION, MAX_HASHTAGS, CAROUSEL_RANGE = 2200, 30, (2, 10)
HASHTAG = re.compile(r"(?<!\w)#\w+")
MEDIA_FIELDS = ("id", "caption", "media_type", "permalink", "timestamp", "username", "media_url", "comments",
                "comments_count")
POLL_SWITCHES = {"IMAGE": "instagram_image_in_progress_polls", "CHILD": "instagram_image_in_progress_polls",
                 "CAROUSEL": "instagram_image_in_progress_polls"}


class InstagramApi:
    def __init__(self, dialect: InstagramDialect) -> None:
        self.ig = dialect
        self.store = dialect.store

    def routes(self, *, login_host: bool = False) -> list[tuple[str, str, Handler]]:
        user = IG_USER_OR_ME if login_host else IG_USER
        return [(method, path.replace(IG_USER, user), handler) for method, path, handler in self._routes()]

    def _routes(self) -> list[tuple[str, str, Handler]]:
        return [
            ("POST", VERSION + IG_USER + "/media", self.create_container),
            ("POST", VERSION + IG_USER + "/media_publish", self.media_publish),
            ("GET", VERSION + IG_USER + "/content_publishing_limit", self.publishing_limit),
            ("GET", VERSION + IG_USER + "/media", self.list_media),
            ("GET", VERSION + IG_USER, self.get_user),
            ("GET", VERSION + IG_OBJECT, self.get_object),
            ("POST", VERSION + IG_OBJECT + "/comments", self.create_comment),
        ]

    def login_routes(self) -> list[tuple[str, str, Handler]]:
        """Instagram Login only: ``/me`` answers with the IG professional account's ``user_id``."""
        return [("GET", VERSION + "/{node:me}", self.get_me)]

    # -- callers ----------------------------------------------------------------------------

    def user(self, request: web.Request, *, write: bool) -> Account:
        """The IG user in ``{node}`` (``me``: the token's); the token must be its own or a linked Page's."""
        assert self.ig.fb is not None
        _, token = self.ig.fb.api.caller(request)
        if request.path.startswith("/instagram/") and token.platform != self.ig.name:
            raise fail(190, "Invalid OAuth access token - Cannot parse access token")  # graph.instagram.com
        node = request.match_info["node"]
        if node == "me":
            node = token.account_id if token.platform == self.ig.name else self.ig.business_account(token.account_id)
        ig_user = self.store.accounts[self.ig.name].get(node or "")
        if ig_user is None:
            raise fail(100, MISSING.format(request.match_info["node"]), subcode=33)
        if token.account_id != ig_user.id and token.account_id not in self.ig.linked_pages(ig_user.id):
            raise fail(10 if write else 100, "(#10) Application does not have permission for this action"
                       if write else MISSING.format(ig_user.id), subcode=None if write else 33)
        return ig_user

    # -- containers -------------------------------------------------------------------------

    @graph_endpoint
    async def create_container(self, request: web.Request) -> web.Response:
        ig_user = self.user(request, write=True)
        p = params(request)
        media_type = p.get("media_type", "").upper()
        if media_type == "STORIES":
            raise invalid_param("The sandbox does not emulate media_type STORIES yet")
        if media_type in ("VIDEO", "REELS"):
            container = self._video(ig_user, p, media_type)
        elif media_type == "CAROUSEL":
            container = self._carousel(ig_user, p)
        elif media_type in ("", "IMAGE"):
            container = self._image(ig_user, p)
        else:
            raise invalid_param("The parameter media_type is invalid")
        self.ig.containers[container.id] = container
        return json_response({"id": container.id})

    def _image(self, ig_user: Account, p: dict[str, str]) -> Container:
        url = p.get("image_url", "")
        if not url:
            raise invalid_param("The parameter image_url is required.")
        if "video_url" in p:
            raise invalid_param("Only one of image_url and video_url can be given")
        if not url.lower().startswith(("http://", "https://")):
            raise fail(9004, "Media download has failed. The media URI doesn't meet our requirements.",
                       subcode=2207052)
        child = p.get("is_carousel_item", "false").lower() == "true"
        if child and p.get("caption"):
            raise invalid_param("Carousel items cannot have a caption")
        return self._new(ig_user, "CHILD" if child else "IMAGE", caption=self._caption(p), image_url=url)

    def _video(self, ig_user: Account, p: dict[str, str], media_type: str) -> Container:
        url = p.get("video_url", "")
        if not url or "image_url" in p:
            raise invalid_param(f"media_type {media_type} needs video_url (and no image_url)")
        if not url.lower().startswith(("http://", "https://")):
            raise fail(9004, "Media download has failed. The media URI doesn't meet our requirements.",
                       subcode=2207077)
        child = p.get("is_carousel_item", "false").lower() == "true"
        if child != (media_type == "VIDEO"):
            raise invalid_param("Use media_type REELS for a video post and VIDEO with is_carousel_item=true "
                                "for a carousel item")
        if child and p.get("caption"):
            raise invalid_param("Carousel items cannot have a caption")
        return self._new(ig_user, "CHILD" if child else "REELS", caption=self._caption(p), video_url=url)

    def _carousel(self, ig_user: Account, p: dict[str, str]) -> Container:
        children = tuple(c.strip() for c in p.get("children", "").split(",") if c.strip())
        low, high = CAROUSEL_RANGE
        if not low <= len(children) <= high:
            raise invalid_param(f"A carousel needs between {low} and {high} children")
        for child_id in children:
            child = self.ig.containers.get(child_id)
            if child is None or child.kind != "CHILD" or child.ig_id != ig_user.id:
                raise invalid_param(f"The child {child_id} is not a carousel item of this account")
            if child.status() != "FINISHED":
                raise fail(9007, f"(#9007) The carousel item {child_id} is not ready (status {child.status()})",
                           subcode=2207027)
        return self._new(ig_user, "CAROUSEL", caption=self._caption(p), children=children)

    def _caption(self, p: dict[str, str]) -> str:
        caption = p.get("caption", "")
        if len(caption) > MAX_CAPTION:
            raise invalid_param(f"The caption must be at most {MAX_CAPTION} characters long")
        if len(HASHTAG.findall(caption)) > MAX_HASHTAGS:
            raise invalid_param(f"The caption may contain at most {MAX_HASHTAGS} hashtags")
        return caption

    def _new(self, ig_user: Account, kind: str, **values: Any) -> Container:
        from .instagram import Container  # at call time: instagram.py imports this module

        switch = self.ig.faults.switch
        polls = switch("instagram_in_progress_polls")
        if polls is None:
            is_video = bool(values.get("video_url"))
            polls = switch("instagram_video_in_progress_polls" if is_video else POLL_SWITCHES.get(kind, ""))
        final = str(switch("instagram_container_final") or "FINISHED").upper()
        return Container(id=self.ig.next_object_id(), ig_id=ig_user.id, kind=kind,
                         polls_left=int(polls) if str(polls).isdigit() else 0,
                         final=final if final in ("FINISHED", "ERROR", "EXPIRED") else "FINISHED", **values)

    # -- publishing -------------------------------------------------------------------------

    @graph_endpoint
    async def media_publish(self, request: web.Request) -> web.Response:
        ig_user = self.user(request, write=True)
        container = self.ig.containers.get(params(request).get("creation_id", ""))
        if container is None or container.ig_id != ig_user.id or container.kind == "CHILD":
            raise invalid_param("The parameter creation_id is invalid")
        if container.media_id:
            raise fail(9007, "(#9007) The media has already been published", subcode=2207006)
        if container.status() != "FINISHED":
            raise fail(9007, "(#9007) Media ID is not available: the media is not ready for publishing, "
                             "please wait for a moment", subcode=2207027)
        total = self.ig.quota_total()
        if self.ig.quota_used(ig_user.id) >= total:
            raise fail(9, f"Application request limit reached: {total} posts per 24 hours", subcode=2207042)
        return json_response({"id": self._publish(request, ig_user, container)})

    def _publish(self, request: web.Request, ig_user: Account, container: Container) -> str:
        media_id = self.ig.next_object_id()
        parts = [container] if container.kind != "CAROUSEL" else [self.ig.containers[c] for c in container.children]
        images = tuple(part.image_url or part.video_url for part in parts)
        self.store.add_post(Post(platform=self.ig.name, id=media_id, account_id=ig_user.id, text=container.caption,
                                 request_id=request["request_id"], media_ids=images, conversation_id=media_id))
        container.media_id = media_id
        self.ig.published.setdefault(ig_user.id, deque()).append(time.time())
        self.ig.new_shortcode(media_id)
        return media_id

    @graph_endpoint
    async def publishing_limit(self, request: web.Request) -> web.Response:
        ig_user = self.user(request, write=False)
        config = {"quota_total": self.ig.quota_total(), "quota_duration": 86400}
        return json_response({"data": [{"quota_usage": self.ig.quota_used(ig_user.id), "config": config}]})

    # -- reads ------------------------------------------------------------------------------

    @graph_endpoint
    async def get_user(self, request: web.Request) -> web.Response:
        ig_user = self.user(request, write=False)
        return json_response({"id": ig_user.id, "username": ig_user.username, "name": ig_user.name})

    @graph_endpoint
    async def get_me(self, request: web.Request) -> web.Response:
        ig_user = self.user(request, write=False)
        allowed = {"id": ig_user.id, "user_id": ig_user.id, "username": ig_user.username, "name": ig_user.name,
                   "account_type": "BUSINESS", "profile_picture_url": ig_user.profile_image_url}
        wanted = [f.strip() for f in params(request).get("fields", "id,username").split(",") if f.strip()]
        return json_response({name: allowed[name] for name in wanted if name in allowed})

    @graph_endpoint
    async def list_media(self, request: web.Request) -> web.Response:
        ig_user = self.user(request, write=False)
        p = params(request)
        since, fields = parse_since(p.get("since"), "since"), self._fields(p)
        limit = min(int(p["limit"]) if p.get("limit", "").isdigit() else 25, 100)
        media = [m for m in self.store.timeline(self.ig.name, ig_user.id)
                 if not m.in_reply_to_id and (since is None or m.created_at >= since)]
        return json_response({"data": [self.media_json(m, fields) for m in media[:limit]]})

    @graph_endpoint
    async def get_object(self, request: web.Request) -> web.Response:
        assert self.ig.fb is not None
        self.ig.fb.api.caller(request)
        ref = request.match_info["node"]
        container = self.ig.containers.get(ref)
        if container is not None:
            return json_response(self._container_json(container, params(request).get("fields", "")))
        comment = self.store.get_comment(self.ig.name, ref)
        if comment is not None:
            return json_response(self.ig.inbox.comment_json(comment, with_replies=False))
        media = self.store.get_post(self.ig.name, ref)
        if media is None:
            raise fail(100, MISSING.format(ref), subcode=33)
        return json_response(self.media_json(media, self._fields(params(request))))

    def _container_json(self, container: Container, fields: str) -> dict[str, Any]:
        status = container.status()
        if status == "IN_PROGRESS":
            container.polls_left -= 1  # each status poll moves the scripted progression on
        wording = {"ERROR": "Error: media could not be processed (2207082)", "EXPIRED": "Expired: not published "
                   "within 24 hours", "IN_PROGRESS": "In Progress", "FINISHED": "Finished", "PUBLISHED": "Published"}
        return {"id": container.id, "status_code": status, "status": wording[status]}

    def _fields(self, p: dict[str, str]) -> tuple[str, ...]:
        from .instagram_inbox import top_level_fields

        names = top_level_fields(p.get("fields", "id"))
        for name in names:
            if name not in MEDIA_FIELDS:
                raise invalid_param(f"Tried accessing nonexisting field ({name}) on node type (IGMedia)")
        return names

    def media_json(self, media: Post, fields: tuple[str, ...]) -> dict[str, Any]:
        code = next((c for c, m in self.ig.shortcodes.items() if m == media.id), "")
        author = self.store.accounts[self.ig.name].get(media.account_id)
        values = {"id": media.id, "caption": media.text or None, "timestamp": fb_time(media.created_at),
                  "media_type": "CAROUSEL_ALBUM" if len(media.media_ids) > 1 else "IMAGE",
                  "permalink": f"https://www.instagram.com/p/{code}/", "username": author.username if author else None,
                  "media_url": media.media_ids[0] if media.media_ids else None}
        if "comments" in fields or "comments_count" in fields:
            comments = self.ig.inbox.comments_json(media.id)
            values.update(comments={"data": comments}, comments_count=len(comments))
        if any(url.endswith((".mp4", ".mov")) for url in media.media_ids):
            values["media_type"] = "CAROUSEL_ALBUM" if len(media.media_ids) > 1 else "VIDEO"
        return {name: values[name] for name in fields if values.get(name) is not None}

    # -- comments ---------------------------------------------------------------------------

    @graph_endpoint
    async def create_comment(self, request: web.Request) -> web.Response:
        assert self.ig.fb is not None
        caller, _ = self.ig.fb.api.caller(request)
        media = self.store.get_post(self.ig.name, request.match_info["node"])
        if media is None or media.in_reply_to_id:
            raise fail(100, MISSING.format(request.match_info["node"]), subcode=33)
        message = params(request).get("message", "")
        if not message:
            raise invalid_param("The parameter message is required")
        author = caller if caller.platform == self.ig.name else self.store.accounts[self.ig.name][media.account_id]
        comment = Post(platform=self.ig.name, id=self.ig.next_comment_id(), account_id=author.id, text=message,
                       request_id=request["request_id"], in_reply_to_id=media.id,
                       in_reply_to_account_id=media.account_id, conversation_id=media.id)
        self.store.add_post(comment)
        self.store.creates[-1]["fingerprint"] = f"comment:{media.id}:{message}"  # not a duplicate post
        self.ig.inbox.add_own_comment(comment.id, media, author, message)
        return json_response({"id": comment.id})
