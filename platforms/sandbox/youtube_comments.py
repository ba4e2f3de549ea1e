"""YouTube comments (reference §5.3): ``commentThreads`` list/insert, ``comments`` list/insert (replies, one
level deep) and ``comments/setModerationStatus``; plus the audience simulator's comments and replies.

A comment held for review (``heldForReview``) disappears from the default listings, as on YouTube, and
comes back when published again. Comments are ``Store.comments`` entries under the platform "youtube".
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aiohttp import web

from .audience import audience_item
from .dialect import Handler, json_response
from .state import Account, Comment, Post, iso_z
from .youtube_common import channel_id_for, comment_id, google_error, page_offset, page_token

if TYPE_CHECKING:
    from .youtube import YouTubeDialect

EMBEDDED_REPLIES = 5
MODERATION = ("heldForReview", "published", "rejected")


class YouTubeComments:
    def __init__(self, dialect: YouTubeDialect) -> None:
        self.yt = dialect
        self.store = dialect.store

    def routes(self) -> list[tuple[str, str, Handler]]:
        return [("GET", "/youtube/v3/commentThreads", self.list_threads),
                ("POST", "/youtube/v3/commentThreads", self.insert_thread),
                ("GET", "/youtube/v3/comments", self.list_comments),
                ("POST", "/youtube/v3/comments/setModerationStatus", self.moderate),
                ("POST", "/youtube/v3/comments", self.insert_reply)]

    def _all(self) -> list[Comment]:
        return sorted(self.store.comments.get(self.yt.name, {}).values(), key=lambda c: (c.created_at, c.id))

    def comment_json(self, comment: Comment) -> dict[str, Any]:
        snippet: dict[str, Any] = {
            "channelId": comment.account_id, "videoId": comment.post_id, "textDisplay": comment.text,
            "textOriginal": comment.text, "authorDisplayName": "@" + comment.author_handle,
            "authorProfileImageUrl": f"https://yt3.ggpht.com/sandbox/{comment.author_handle}.jpg",
            "authorChannelUrl": f"http://www.youtube.com/@{comment.author_handle}",
            "authorChannelId": {"value": comment.author_id}, "canRate": True, "viewerRating": "none",
            "likeCount": 0, "publishedAt": iso_z(comment.created_at), "updatedAt": iso_z(comment.created_at)}
        if comment.parent_id:
            snippet["parentId"] = comment.parent_id
        if comment.hidden:
            snippet["moderationStatus"] = "heldForReview"
        return {"kind": "youtube#comment", "id": comment.id, "snippet": snippet}

    def thread_json(self, top: Comment, with_replies: bool) -> dict[str, Any]:
        replies = [c for c in self._all() if c.parent_id == top.id and not c.hidden]
        thread: dict[str, Any] = {"kind": "youtube#commentThread", "id": top.id, "snippet": {
            "channelId": top.account_id, "videoId": top.post_id, "topLevelComment": self.comment_json(top),
            "canReply": True, "totalReplyCount": len(replies), "isPublic": True}}
        if with_replies and replies:
            thread["replies"] = {"comments": [self.comment_json(c) for c in replies[:EMBEDDED_REPLIES]]}
        return thread

    async def list_threads(self, request: web.Request) -> web.Response:
        account, failed = self.yt.caller(request, "list")
        if failed:
            return failed
        channel, video = request.query.get("allThreadsRelatedToChannelId"), request.query.get("videoId")
        if not channel and not video:
            return google_error(400, "missingRequiredParameter", "No filter selected. Expected one of: "
                                "allThreadsRelatedToChannelId, id, videoId")
        held = request.query.get("moderationStatus") == "heldForReview"
        tops = [c for c in reversed(self._all()) if c.parent_id is None and c.hidden == held
                and (c.account_id == channel if channel else c.post_id == video)]
        start = page_offset(request.query.get("pageToken", ""))
        size = max(1, min(int(request.query.get("maxResults") or 20), 100))
        with_replies = "replies" in request.query.get("part", "")
        body: dict[str, Any] = {"kind": "youtube#commentThreadListResponse",
                                "items": [self.thread_json(c, with_replies) for c in tops[start:start + size]],
                                "pageInfo": {"totalResults": len(tops), "resultsPerPage": size}}
        if start + size < len(tops):
            body["nextPageToken"] = page_token(start + size)
        return json_response(body)

    async def list_comments(self, request: web.Request) -> web.Response:
        account, failed = self.yt.caller(request, "list")
        if failed:
            return failed
        parent, ids = request.query.get("parentId", ""), [i for i in request.query.get("id", "").split(",") if i]
        found = [c for c in self._all() if (parent and c.parent_id == parent and not c.hidden) or c.id in ids]
        return json_response({"kind": "youtube#commentListResponse", "items": [self.comment_json(c) for c in found],
                              "pageInfo": {"totalResults": len(found), "resultsPerPage": 100}})

    async def insert_reply(self, request: web.Request) -> web.Response:
        account, failed = self.yt.caller(request, "write")
        if failed:
            return failed
        snippet = await _snippet(request)
        parent = self.store.get_comment(self.yt.name, str(snippet.get("parentId") or ""))
        text = str(snippet.get("textOriginal") or "")
        if parent is None:
            return google_error(404, "parentCommentNotFound", "The specified parent comment could not be found.")
        if parent.parent_id is not None:
            return google_error(400, "operationNotSupported", "Replies to replies are not supported.")
        if not text.strip() or len(text) > 10_000:
            return google_error(400, "commentTextRequired" if not text.strip() else "commentTextTooLong",
                                "The comment text is missing or too long.")
        reply = self._add(parent.post_id, parent.account_id, _ours(account), text, parent.id)
        return json_response(self.comment_json(reply))

    async def insert_thread(self, request: web.Request) -> web.Response:
        account, failed = self.yt.caller(request, "write")
        if failed:
            return failed
        snippet = await _snippet(request)
        post = self.store.get_post(self.yt.name, str(snippet.get("videoId") or ""))
        text = str(((snippet.get("topLevelComment") or {}).get("snippet") or {}).get("textOriginal") or "")
        if post is None:
            return google_error(404, "videoNotFound", "The video identified by the videoId parameter could not "
                                "be found.")
        if not text.strip():
            return google_error(400, "commentTextRequired", "The comment text is missing.")
        top = self._add(post.id, post.account_id, _ours(account), text, None)
        return json_response(self.thread_json(top, False))

    async def moderate(self, request: web.Request) -> web.Response:
        account, failed = self.yt.caller(request, "write")
        if failed:
            return failed
        status = request.query.get("moderationStatus", "")
        if status not in MODERATION:
            return google_error(400, "invalidModerationStatus", "The moderation status is invalid.")
        for value in [i for i in request.query.get("id", "").split(",") if i]:
            comment = self.store.get_comment(self.yt.name, value)
            if comment is None:
                return google_error(404, "commentNotFound", "The comment could not be found.")
            if comment.account_id != account.id:
                return google_error(403, "forbidden", "The comment could not be moderated by this channel.")
            comment.hidden = status != "published"
        return web.Response(status=204)

    def _add(self, video_id: str, owner_id: str, author: tuple[str, str, str], text: str,
             parent_id: str | None) -> Comment:
        value = f"{parent_id}.{comment_id()[3:]}" if parent_id else comment_id()
        author_id, name, handle = author
        return self.store.add_comment(Comment(
            platform=self.yt.name, id=value, post_id=video_id, account_id=owner_id, author_id=author_id,
            author_name=name, author_handle=handle, text=text, parent_id=parent_id))

    def audience_item(self, kind: str, account: Account, post: Post | None, stranger: tuple[str, str, str],
                      text: str) -> dict[str, Any]:
        """A stranger's comment on one of the account's videos, or a reply to that video's newest comment."""
        if post is None:
            raise ValueError("a comment needs a video")
        _, name, handle = stranger
        author = (channel_id_for(handle), name, handle)
        tops = [c for c in self._all() if c.post_id == post.id and c.parent_id is None]
        parent = tops[-1] if kind == "replies" and tops else None
        created = self._add(post.id, account.id, author, text, parent.id if parent else None)
        return audience_item(kind if parent or kind == "comments" else "comments", created.id, author[0], name,
                             handle, text, post.id, post.id, parent.id if parent else "", iso_z(created.created_at))


def _ours(account: Account) -> tuple[str, str, str]:
    return account.id, account.name, account.username


async def _snippet(request: web.Request) -> dict[str, Any]:
    try:
        body = await request.json()
    except ValueError:
        return {}
    return body.get("snippet") or {} if isinstance(body, dict) else {}
