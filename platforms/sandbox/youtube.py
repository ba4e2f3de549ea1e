"""The YouTube dialect (reference §5): Google OAuth, the Data API v3 and the resumable upload, under ``/youtube``.

www.googleapis.com (API and upload), oauth2.googleapis.com (token) and accounts.google.com (consent page)
all map onto this one prefix: their paths never collide. Errors are Google's JSON
(``{"error": {"code", "message", "errors": [{"reason"}], "status"}}``); every call costs quota units and
an account past ``youtube_daily_quota`` gets 403 ``quotaExceeded``. Videos are store Posts (so the feed
page, ``creates`` and duplicate counting work); comments are store Comments.
"""

from __future__ import annotations

import time
from typing import Any, ClassVar

from aiohttp import web

from .dialect import Dialect, json_response, sandbox_ui
from .faults import FaultEngine
from .state import Account, Post, Store, iso_z
from .youtube_comments import YouTubeComments
from .youtube_common import (
    COSTS,
    DAILY_QUOTA,
    WATCH,
    channel_id_for,
    google_error,
    page_offset,
    page_token,
    quota_exceeded,
    uploads_playlist,
    video_id,
)
from .youtube_oauth import ACCESS_LIFETIME_S, DEFAULT_SCOPES, YouTubeOAuth
from .youtube_upload import YouTubeUploads

SEED_ACCOUNTS = (("smo_demo_yt", "SMO Demo"), ("sandbox_fan_yt", "Sandbox Fan"))


class YouTubeDialect(Dialect):
    name = "youtube"
    title = "YouTube"
    prefixes = ("/youtube",)
    # youtube_daily_quota: units per account and day; youtube_drop_final_answer_s: hold the answer to the
    # last upload chunk this long, then drop the connection (the video exists: "applied, answer lost").
    switches: ClassVar[dict[str, Any]] = {"youtube_daily_quota": DAILY_QUOTA, "youtube_drop_final_answer_s": 0}
    audience_kinds: tuple[str, ...] = ("comments", "replies")

    def __init__(self, store: Store, faults: FaultEngine) -> None:
        super().__init__(store, faults)
        self.oauth = YouTubeOAuth(self)
        self.uploads = YouTubeUploads(self)
        self.comments = YouTubeComments(self)
        self.reset()

    def reset(self) -> None:
        self.videos: dict[str, dict[str, Any]] = {}
        self.quota_used: dict[str, int] = {}
        self.uploads.reset()

    def seed(self, store: Store) -> None:
        self.reset()
        for username, name in SEED_ACCOUNTS:
            self.add_channel(username, name)

    def add_channel(self, username: str, name: str | None = None) -> Account:
        return self.store.find_account(self.name, username) or self.store.add_account(
            self.name, username, account_id=channel_id_for(username), name=name)

    def register(self, app: web.Application) -> None:
        p = self.prefix
        for method, path, handler in [*self.oauth.routes(), *self.uploads.routes(), *self.comments.routes()]:
            app.router.add_route(method, p + path, handler)
        app.router.add_get(p + "/youtube/v3/channels", self.channels)
        app.router.add_get(p + "/youtube/v3/videos", self.list_videos)
        app.router.add_get(p + "/youtube/v3/playlistItems", self.playlist_items)

        @sandbox_ui
        async def uploads_log(request: web.Request) -> web.Response:
            return await self.uploads.log(request)

        app.router.add_get(p + "/_uploads", uploads_log)
        app.router.add_route("*", p + "/{tail:.*}", self.not_found)

    async def not_found(self, request: web.Request) -> web.Response:
        return google_error(404)

    # -- credentials and quota ----------------------------------------------------------------

    def identify(self, request: web.Request) -> Account | None:
        token = self._token(request)
        return self.store.accounts[self.name].get(token.account_id) if token else None

    def _token(self, request: web.Request) -> Any:
        scheme, _, value = request.headers.get("Authorization", "").partition(" ")
        token = self.store.find_token(value.strip(), "access") if scheme.lower() == "bearer" else None
        return token if token is not None and token.platform == self.name else None

    def caller(self, request: web.Request, cost: str) -> tuple[Account | None, web.Response | None]:
        """The calling channel, or the error to answer: 401 for a bad token, 403 once the quota is spent."""
        token = self._token(request)
        account = self.identify(request)
        if token is None or account is None or not token.is_active(time.time()):
            return None, google_error(401)
        limit = int(self.faults.switch("youtube_daily_quota") or DAILY_QUOTA)
        used = self.quota_used.get(account.id, 0)
        self.quota_used[account.id] = used + COSTS[cost]
        if used + COSTS[cost] > limit:
            return None, quota_exceeded()
        return account, None

    def fault_response(self, request: web.Request, status: int, reset_at: int | None) -> web.Response:
        if status == 429:
            retry = max(1, (reset_at or int(time.time()) + 60) - int(time.time()))
            return google_error(429, headers={"Retry-After": str(retry)})
        return google_error(status)

    def mint_tokens(self, account: Account, scopes: list[str] | None, expires_in: int | None,
                    client_id: str) -> dict[str, Any]:
        granted = tuple(scopes) if scopes is not None else DEFAULT_SCOPES
        lifetime = ACCESS_LIFETIME_S if expires_in is None else expires_in
        access, refresh = self.store.issue_tokens(account, granted, client_id=client_id, expires_in=lifetime,
                                                  refresh=True, grant=f"mint:{self.store.ids.next()}")
        return {"platform": self.name, "account_id": account.id, "username": account.username,
                "access_token": access.value, "refresh_token": refresh.value if refresh else "",
                "token_type": "Bearer", "expires_in": lifetime, "scope": " ".join(granted),
                "uploads_playlist": uploads_playlist(account.id)}

    # -- payloads -----------------------------------------------------------------------------

    def channel_json(self, account: Account) -> dict[str, Any]:
        return {"kind": "youtube#channel", "id": account.id, "snippet": {
            "title": account.name, "description": "", "customUrl": "@" + account.username.lower(),
            "publishedAt": iso_z(account.created_at),
            "thumbnails": {"default": {"url": account.profile_image_url, "width": 88, "height": 88}}},
            "contentDetails": {"relatedPlaylists": {"likes": "", "uploads": uploads_playlist(account.id)}},
            "status": {"privacyStatus": "public", "isLinked": True, "longUploadsStatus": "allowed"}}

    def add_video(self, account: Account, meta: dict[str, Any], request_id: str, size: int) -> dict[str, Any]:
        snippet, status = meta.get("snippet") or {}, meta.get("status") or {}
        post = Post(platform=self.name, id=self._new_video_id(), account_id=account.id, request_id=request_id,
                    text=f"{snippet.get('title', '')}\n\n{snippet.get('description', '')}".strip())
        self.store.add_post(post)
        self.videos[post.id] = {"snippet": snippet, "status": status, "size": size, "thumbnail": None}
        return self.video_json(post)

    def _new_video_id(self) -> str:
        candidate = video_id()
        while candidate in self.videos:
            candidate = video_id()
        return candidate

    def video_json(self, post: Post) -> dict[str, Any]:
        meta = self.videos.get(post.id, {})
        snippet, status = meta.get("snippet") or {}, meta.get("status") or {}
        account = self.store.accounts[self.name][post.account_id]
        thumb = meta.get("thumbnail") or f"https://i.ytimg.com/vi/{post.id}/default.jpg"
        return {"kind": "youtube#video", "id": post.id, "snippet": {
            "publishedAt": iso_z(post.created_at), "channelId": account.id, "channelTitle": account.name,
            "title": snippet.get("title", ""), "description": snippet.get("description", ""),
            "tags": snippet.get("tags", []), "categoryId": snippet.get("categoryId", "22"),
            "thumbnails": {"default": {"url": thumb, "width": 120, "height": 90}}},
            "status": {"uploadStatus": "uploaded", "privacyStatus": status.get("privacyStatus", "public"),
                       "publishAt": status.get("publishAt"),
                       "selfDeclaredMadeForKids": bool(status.get("selfDeclaredMadeForKids"))},
            "player": {"embedHtml": ""}, "url": WATCH + post.id}

    # -- handlers -----------------------------------------------------------------------------

    async def channels(self, request: web.Request) -> web.Response:
        account, failed = self.caller(request, "list")
        if failed:
            return failed
        if request.query.get("mine") == "true":
            found = [account]
        else:
            ids = [i for i in request.query.get("id", "").split(",") if i]
            found = [a for i in ids if (a := self.store.accounts[self.name].get(i))]
        items = [self.channel_json(a) for a in found]
        return json_response({"kind": "youtube#channelListResponse", "items": items,
                              "pageInfo": {"totalResults": len(items), "resultsPerPage": 5}})

    async def list_videos(self, request: web.Request) -> web.Response:
        account, failed = self.caller(request, "list")
        if failed:
            return failed
        ids = [i for i in request.query.get("id", "").split(",") if i]
        posts = [p for i in ids if (p := self.store.get_post(self.name, i))]
        items = [self.video_json(p) for p in posts]
        return json_response({"kind": "youtube#videoListResponse", "items": items,
                              "pageInfo": {"totalResults": len(items), "resultsPerPage": len(items)}})

    async def playlist_items(self, request: web.Request) -> web.Response:
        account, failed = self.caller(request, "list")
        if failed:
            return failed
        playlist = request.query.get("playlistId", "")
        owner = next((a for a in self.store.accounts[self.name].values() if uploads_playlist(a.id) == playlist), None)
        if owner is None:
            return google_error(404, "playlistNotFound", "The playlist identified with the request's "
                                "<code>playlistId</code> parameter cannot be found.")
        posts = self.store.timeline(self.name, owner.id)
        start = page_offset(request.query.get("pageToken", ""))
        size = max(1, min(int(request.query.get("maxResults") or 5), 50))
        items = [self._playlist_item(playlist, p, start + n) for n, p in enumerate(posts[start:start + size])]
        body: dict[str, Any] = {"kind": "youtube#playlistItemListResponse", "items": items,
                                "pageInfo": {"totalResults": len(posts), "resultsPerPage": size}}
        if start + size < len(posts):
            body["nextPageToken"] = page_token(start + size)
        return json_response(body)

    def _playlist_item(self, playlist: str, post: Post, position: int) -> dict[str, Any]:
        video = self.video_json(post)
        snippet = {**video["snippet"], "playlistId": playlist, "position": position,
                   "resourceId": {"kind": "youtube#video", "videoId": post.id}}
        return {"kind": "youtube#playlistItem", "id": f"{playlist}.{post.id}", "snippet": snippet}

    def make_audience_item(self, kind: str, account: Account, post: Post | None,
                           stranger: tuple[str, str, str], text: str) -> dict[str, Any]:
        return self.comments.audience_item(kind, account, post, stranger, text)
