"""LinkedIn's REST API in the sandbox: userinfo, organizations, posts, media uploads and comments.

Posts answer 201 with an empty body and the URN in ``x-restli-id``. Commentary is read as the "little"
text format: an unescaped reserved character cuts the text there, as LinkedIn silently does, so an
adapter that forgets to escape is caught. Documents and videos answer PROCESSING for
``linkedin_processing_polls`` status reads, then AVAILABLE; a post naming unavailable media gets 422.
"""

from __future__ import annotations

import re
import secrets
import time
from typing import TYPE_CHECKING, Any

from aiohttp import web

from .dialect import json_response
from .linkedin_common import ORGANIZATION, PERSON, active_versions, error
from .state import Account, Comment, Post

if TYPE_CHECKING:
    from .linkedin import LinkedInDialect

MAX_COMMENTARY = 3000
PART_SIZE = 4 * 1024 * 1024  # LinkedIn splits video uploads into 4 MB parts
DUPLICATE_WINDOW_S = 24 * 3600
_UNESCAPED = re.compile(r"(?<!\\)(?:\\\\)*([|{}@\[\]()<>#*_~])")
_ESCAPE = re.compile(r"\\([\\|{}@\[\]()<>#*_~])")
MEDIA_TYPES = {"images": "image", "documents": "document", "videos": "video"}


def visible(commentary: str) -> tuple[str, str]:
    """(stored commentary, what readers see): cut at the first unescaped reserved character."""
    match = _UNESCAPED.search(commentary)
    kept = commentary[:match.start(1)] if match else commentary
    return kept, _ESCAPE.sub(r"\1", kept)


class LinkedInApi:
    def __init__(self, dialect: LinkedInDialect) -> None:
        self.li = dialect
        self.store = dialect.store
        self.reset()

    def reset(self) -> None:
        self.media: dict[str, dict[str, Any]] = {}
        self.uploads: dict[str, dict[str, Any]] = {}  # upload path token -> what it fills
        self.meta: dict[str, dict[str, Any]] = {}  # post URN -> the REST fields beyond Post

    def register(self, app: web.Application, p: str) -> None:
        app.router.add_get(p + "/v2/userinfo", self.userinfo)
        app.router.add_get(p + "/rest/organizationAcls", self.organization_acls)
        app.router.add_get(p + "/rest/organizations/{id}", self.organization)
        app.router.add_post(p + "/rest/posts", self.create_post)
        app.router.add_get(p + "/rest/posts", self.list_posts)
        app.router.add_get(p + "/rest/posts/{urn}", self.get_post)
        for kind in MEDIA_TYPES:
            app.router.add_post(p + f"/rest/{kind}", self.media_action)
            app.router.add_get(p + f"/rest/{kind}/{{urn}}", self.media_status)
        app.router.add_put(p + "/dms-uploads/{token}", self.upload)
        app.router.add_get(p + "/rest/socialActions/{urn}/comments", self.list_comments)
        app.router.add_post(p + "/rest/socialActions/{urn}/comments", self.create_comment)
        app.router.add_get(p + "/rest/socialActions/{urn}/comments/{id}", self.get_comment)

    # -- callers ----------------------------------------------------------------------------------

    def caller(self, request: web.Request, *, rest: bool = True) -> tuple[Account | None, web.Response | None]:
        if rest:
            version = request.headers.get("LinkedIn-Version", "")
            if not version:
                return None, error(400, "A version must be present. Please specify a version by adding the "
                                        "LinkedIn-Version header.", code="VERSION_MISSING")
            if version not in active_versions():
                return None, error(426, f"Requested version {version} is not active", code="NONEXISTENT_VERSION")
            if request.headers.get("X-Restli-Protocol-Version") != "2.0.0":
                return None, error(400, "This resource requires the header X-Restli-Protocol-Version: 2.0.0",
                                   code="ILLEGAL_ARGUMENT")
        scheme, _, value = request.headers.get("Authorization", "").partition(" ")
        token = self.store.find_token(value.strip(), "access") if scheme.lower() == "bearer" else None
        if token is None or token.platform != self.li.name or token.revoked:
            return None, error(401, service_code=65600)
        if not token.is_active(time.time()):
            return None, error(401, "The token used in the request has expired", code="EXPIRED_ACCESS_TOKEN",
                               service_code=65601)
        return self.store.accounts[self.li.name].get(token.account_id), None

    # -- members and organizations ------------------------------------------------------------------

    async def userinfo(self, request: web.Request) -> web.Response:
        member, failed = self.caller(request, rest=False)
        if failed:
            return failed
        given, _, family = member.name.partition(" ")
        return json_response({"sub": member.id, "name": member.name, "given_name": given, "family_name": family,
                              "picture": member.profile_image_url, "locale": {"country": "US", "language": "en"},
                              "email_verified": True})

    async def organization_acls(self, request: web.Request) -> web.Response:
        member, failed = self.caller(request)
        if failed:
            return failed
        if request.query.get("q") != "roleAssignee":
            return error(400, "Invalid query parameters passed to request")
        elements = [{"roleAssignee": PERSON + member.id, "organization": ORGANIZATION + org_id,
                     "role": "ADMINISTRATOR", "state": "APPROVED"}
                    for org_id, admins in sorted(self.li.organizations.items()) if member.id in admins]
        return json_response({"paging": {"start": 0, "count": 10, "links": [], "total": len(elements)},
                              "elements": elements})

    async def organization(self, request: web.Request) -> web.Response:
        _member, failed = self.caller(request)
        if failed:
            return failed
        org = self.li.account_for_urn(ORGANIZATION + request.match_info["id"])
        if org is None:
            return error(404, f"Organization {request.match_info['id']} not found")
        return json_response({"id": int(org.id), "localizedName": org.name,
                              "vanityName": org.username.replace("_", "-"), "$URN": ORGANIZATION + org.id})

    # -- posts ----------------------------------------------------------------------------------------

    async def create_post(self, request: web.Request) -> web.Response:
        member, failed = self.caller(request)
        if failed:
            return failed
        try:
            body = await request.json()
        except ValueError:
            body = None
        if not isinstance(body, dict):
            return error(400, "Request body could not be converted to data map")
        author_urn = str(body.get("author") or "")
        if not author_urn:
            return error(422, "ERROR :: /author :: field is required but not found and has no default value")
        author = self.li.account_for_urn(author_urn)
        if author is None or not self.li.may_act_as(member, author_urn):
            return error(403, "Not enough permissions to access: partnerApiPostsExternal.CREATE.20260101",
                         service_code=100)
        stored, shown = visible(str(body.get("commentary") or ""))
        if len(shown) > MAX_COMMENTARY:
            return error(422, f"ERROR :: /commentary :: length of commentary exceeds {MAX_COMMENTARY}")
        content = body.get("content") if isinstance(body.get("content"), dict) else {}
        media_ids, problem = self._content_media(content, author_urn)
        if problem:
            return error(422, problem)
        duplicate = self._duplicate(author, shown, content)
        if duplicate:
            return error(422, f"Content is a duplicate of {duplicate}", code="DUPLICATE_POST")
        urn = f"urn:li:share:{self.store.ids.next()}"
        post = Post(platform=self.li.name, id=urn, account_id=author.id, text=shown or "media:" + ",".join(media_ids),
                    request_id=request["request_id"], media_ids=tuple(media_ids))
        self.store.add_post(post)
        self.meta[urn] = {"commentary": stored, "content": content, "author": author_urn,
                          "visibility": str(body.get("visibility") or "PUBLIC"),
                          "createdAt": int(post.created_at.timestamp() * 1000)}
        return web.Response(status=201, headers={"x-restli-id": urn, "X-LinkedIn-Id": urn})

    def _content_media(self, content: dict[str, Any], owner: str) -> tuple[list[str], str]:
        if "multiImage" in content:
            ids = [str(i.get("id") or "") for i in (content["multiImage"] or {}).get("images") or []]
            if not 2 <= len(ids) <= 20:
                return ids, "ERROR :: /content/multiImage/images :: a multi-image post takes 2 to 20 images"
        elif "media" in content:
            ids = [str((content["media"] or {}).get("id") or "")]
            if ids[0].startswith("urn:li:document:") and not (content["media"] or {}).get("title"):
                return ids, "ERROR :: /content/media/title :: a document post needs a title"
        else:
            return [], ""
        for urn in ids:
            item = self.media.get(urn)
            if item is None or item["owner"] != owner:
                return ids, f"ERROR :: /content :: media {urn} does not exist or belongs to someone else"
            if item["status"] != "AVAILABLE":
                return ids, f"ERROR :: /content :: media {urn} is not AVAILABLE (status {item['status']})"
        return ids, ""

    def _duplicate(self, author: Account, shown: str, content: dict[str, Any]) -> str:
        if not self.li.faults.switch("linkedin_duplicate_check") or not (shown or content):
            return ""
        now = time.time()
        for post in self.store.timeline(self.li.name, author.id):
            meta = self.meta.get(post.id, {})
            if now - post.created_at.timestamp() > DUPLICATE_WINDOW_S:
                break
            if post.text == shown and meta.get("content", {}) == content:
                return post.id
        return ""

    def post_json(self, post: Post) -> dict[str, Any]:
        meta = self.meta.get(post.id, {})
        body = {"id": post.id, "author": meta.get("author", ""), "commentary": meta.get("commentary", ""),
                "visibility": meta.get("visibility", "PUBLIC"), "lifecycleState": "PUBLISHED",
                "distribution": {"feedDistribution": "MAIN_FEED", "targetEntities": [],
                                 "thirdPartyDistributionChannels": []},
                "createdAt": meta.get("createdAt"), "publishedAt": meta.get("createdAt"),
                "lastModifiedAt": meta.get("createdAt"), "isReshareDisabledByAuthor": False}
        if meta.get("content"):
            body["content"] = meta["content"]
        return body

    async def list_posts(self, request: web.Request) -> web.Response:
        member, failed = self.caller(request)
        if failed:
            return failed
        if request.query.get("q") != "author":
            return error(400, "Invalid query parameters passed to request")
        author_urn = request.query.get("author", "")
        author = self.li.account_for_urn(author_urn)
        if author is None or not self.li.may_act_as(member, author_urn):
            return error(403, "Not enough permissions to access: partnerApiPostsExternal.FINDER-author.20260101",
                         service_code=100)
        start, count = int(request.query.get("start") or 0), min(int(request.query.get("count") or 10), 100)
        posts = self.store.timeline(self.li.name, author.id)
        return json_response({"paging": {"start": start, "count": count, "links": [], "total": len(posts)},
                              "elements": [self.post_json(p) for p in posts[start:start + count]]})

    async def get_post(self, request: web.Request) -> web.Response:
        _member, failed = self.caller(request)
        if failed:
            return failed
        post = self.store.get_post(self.li.name, request.match_info["urn"])
        return json_response(self.post_json(post)) if post else error(404, "Post not found")

    # -- media ----------------------------------------------------------------------------------------

    async def media_action(self, request: web.Request) -> web.Response:
        member, failed = self.caller(request)
        if failed:
            return failed
        kind = MEDIA_TYPES[request.path.rsplit("/", 1)[-1]]
        body = await request.json()
        action = request.query.get("action")
        if action == "initializeUpload":
            init = (body or {}).get("initializeUploadRequest") or {}
            owner = str(init.get("owner") or "")
            if not owner or not self.li.may_act_as(member, owner):
                return error(403, "Not enough permissions to upload media for this owner", service_code=100)
            return json_response({"value": self._initialize(kind, owner, init)})
        if action == "finalizeUpload" and kind == "video":
            final = (body or {}).get("finalizeUploadRequest") or {}
            item = self.media.get(str(final.get("video") or ""))
            if item is None or final.get("uploadToken") != item["upload_token"]:
                return error(400, "Invalid video or upload token")
            if list(final.get("uploadedPartIds") or []) != item["etags"] or None in item["etags"]:
                return error(400, "The uploaded part ids do not match the uploaded parts")
            item["status"] = "PROCESSING"
            return json_response({})
        return error(400, f"Unsupported action {action!r}")

    def _initialize(self, kind: str, owner: str, init: dict[str, Any]) -> dict[str, Any]:
        urn = f"urn:li:{kind}:D{secrets.token_hex(8).upper()}"
        item = {"urn": urn, "kind": kind, "owner": owner, "status": "WAITING_UPLOAD", "etags": [],
                "polls": int(self.li.faults.switch("linkedin_processing_polls") or 0), "size": 0}
        self.media[urn] = item
        base = "https://www.linkedin.com/dms-uploads/"
        if kind != "video":
            token = secrets.token_urlsafe(12)
            self.uploads[token] = {"urn": urn, "part": None}
            return {"uploadUrlExpiresAt": int((time.time() + 3600) * 1000), "uploadUrl": base + token, kind: urn}
        size = int(init.get("fileSizeBytes") or 0)
        item.update(upload_token=secrets.token_hex(6), etags=[None] * max(1, -(-size // PART_SIZE)))
        parts = []
        for index, first in enumerate(range(0, max(size, 1), PART_SIZE)):
            token = secrets.token_urlsafe(12)
            self.uploads[token] = {"urn": urn, "part": index}
            parts.append({"uploadUrl": base + token, "firstByte": first, "lastByte": min(first + PART_SIZE, size) - 1})
        return {"uploadUrlsExpireAt": int((time.time() + 3600) * 1000), "video": urn,
                "uploadInstructions": parts, "uploadToken": item["upload_token"]}

    async def upload(self, request: web.Request) -> web.Response:
        target = self.uploads.get(request.match_info["token"])
        data = await request.read()
        if target is None or not data:
            return error(400, "Invalid upload")
        item = self.media[target["urn"]]
        item["size"] += len(data)
        if target["part"] is None:
            item["status"] = "AVAILABLE" if item["kind"] == "image" else "PROCESSING"
            return web.Response(status=201)
        etag = f"/ambry-video/signedId/{secrets.token_hex(10)}"
        item["etags"][target["part"]] = etag
        return web.Response(status=200, headers={"ETag": etag})

    async def media_status(self, request: web.Request) -> web.Response:
        _member, failed = self.caller(request)
        if failed:
            return failed
        item = self.media.get(request.match_info["urn"])
        if item is None:
            return error(404, "Media not found")
        if item["status"] == "PROCESSING":
            item["polls"] -= 1
            if item["polls"] < 0:
                item["status"] = "AVAILABLE"
        return json_response({"id": item["urn"], "status": item["status"], "owner": item["owner"]})

    # -- comments (socialActions) ------------------------------------------------------------------------

    def add_comment(self, post: Post, actor: str, name: str, handle: str, text: str,
                    parent: Comment | None) -> Comment:
        comment_id = self.store.ids.next()
        return self.store.add_comment(Comment(
            platform=self.li.name, id=f"urn:li:comment:({post.id},{comment_id})", post_id=post.id,
            account_id=post.account_id, author_id=actor, author_name=name, author_handle=handle, text=text,
            parent_id=parent.id if parent else None))

    def comment_json(self, comment: Comment) -> dict[str, Any]:
        replies = [c for c in self.store.comments_on(self.li.name, comment.post_id) if c.parent_id == comment.id]
        stamp = {"actor": comment.author_id, "time": int(comment.created_at.timestamp() * 1000)}
        body: dict[str, Any] = {
            "id": comment.id.rsplit(",", 1)[-1].rstrip(")"), "commentUrn": comment.id, "$URN": comment.id,
            "actor": comment.author_id, "object": comment.post_id, "created": stamp, "lastModified": stamp,
            "message": {"text": comment.text, "attributes": []},
            "commentsSummary": {"aggregatedTotalComments": len(replies), "totalFirstLevelComments": len(replies),
                                "selectedComments": [c.id for c in replies]}}
        if comment.parent_id:
            body["parentComment"] = comment.parent_id
        return body

    def _thread(self, member: Account, urn: str) -> tuple[Post | None, Comment | None, web.Response | None]:
        """The post (and the comment, for a comment URN) a socialActions call is about, if the member may."""
        parent = self.store.get_comment(self.li.name, urn) if urn.startswith("urn:li:comment:") else None
        post = self.store.get_post(self.li.name, parent.post_id if parent else urn)
        if post is None:
            return None, None, error(404, f"Object {urn} not found")
        author_urn = self.meta.get(post.id, {}).get("author", "")
        if not self.li.may_act_as(member, author_urn):
            return None, None, error(403, "Not enough permissions to access: partnerApiSocialActions.GET.20260101",
                                     service_code=100)
        return post, parent, None

    async def list_comments(self, request: web.Request) -> web.Response:
        member, failed = self.caller(request)
        if failed:
            return failed
        post, parent, refused = self._thread(member, request.match_info["urn"])
        if refused:
            return refused
        wanted = parent.id if parent else None
        found = [c for c in self.store.comments_on(self.li.name, post.id) if c.parent_id == wanted]
        start, count = int(request.query.get("start") or 0), min(int(request.query.get("count") or 10), 100)
        return json_response({"paging": {"start": start, "count": count, "links": [], "total": len(found)},
                              "elements": [self.comment_json(c) for c in found[start:start + count]]})

    async def create_comment(self, request: web.Request) -> web.Response:
        member, failed = self.caller(request)
        if failed:
            return failed
        body = await request.json()
        actor, text = str((body or {}).get("actor") or ""), str(((body or {}).get("message") or {}).get("text") or "")
        if not actor or not text:
            return error(422, "ERROR :: /actor or /message/text :: field is required but not found")
        if not self.li.may_act_as(member, actor):
            return error(403, "Not enough permissions to comment as this actor", service_code=100)
        target = str(body.get("parentComment") or request.match_info["urn"])
        post, parent, refused = self._thread(member, target)
        if refused:
            return refused
        if str(body.get("object") or post.id) != post.id:
            return error(422, "ERROR :: /object :: does not match the commented post")
        actor_account = self.li.account_for_urn(actor)
        name = actor_account.name if actor_account else actor
        comment = self.add_comment(post, actor, name, actor_account.username if actor_account else actor, text,
                                   parent)
        return json_response(self.comment_json(comment), 201, headers={"x-restli-id": comment.id})

    async def get_comment(self, request: web.Request) -> web.Response:
        member, failed = self.caller(request)
        if failed:
            return failed
        post, _parent, refused = self._thread(member, request.match_info["urn"])
        if refused:
            return refused
        comment = self.store.get_comment(self.li.name, f"urn:li:comment:({post.id},{request.match_info['id']})")
        return json_response(self.comment_json(comment)) if comment else error(404, "Comment not found")
