"""The Bluesky (AT Protocol) dialect: a PDS speaking XRPC under ``/bluesky`` (bsky.social).

Implements reference §10 / §14: app-password sessions (createSession counted per handle, 429 after
30 in 5 minutes; refreshSession rotating the refresh JWT; ExpiredToken on a stale access JWT),
createRecord for ``app.bsky.feed.post`` (≤300 graphemes and 3,000 bytes, facet byte ranges inside the
text, reply refs and blob refs that exist) answering ``uri``/``cid``, uploadBlob, resolveHandle,
getSession, getProfile and getAuthorFeed. Errors are XRPC bodies ``{"error","message"}``. Notifications,
getPostThread, chat and the audience plug-in live in ``bluesky_inbox.py``; getServiceAuth and the video
service (video.bsky.app, ``/bluesky-video``) in ``bluesky_video.py``.

Where the reference is silent: any non-empty password logs in except ``wrong-password`` (answers 401
AuthenticationRequired, as the PDS does for bad credentials); tokens are unsigned JWT-shaped strings
whose payload carries ``exp`` (the adapter reads it, the PDS would verify it). Like Bluesky, a repeated
text is accepted: Bluesky has no duplicate check. A handle whose password is ``needs-2fa`` answers 401
``AuthFactorTokenRequired``, as an account with email sign-in codes does.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import time
from typing import Any, ClassVar

from aiohttp import web

from platforms.bluesky.text import MAX_BYTES, MAX_GRAPHEMES, grapheme_count

from .bluesky_inbox import BlueskyInbox
from .bluesky_video import VIDEO_PREFIX, BlueskyVideo
from .dialect import Dialect, json_response
from .state import Account, Post, Store, Token, iso_z, utcnow

SEED_ACCOUNTS = (
    ("smodemo.bsky.social", "did:plc:smodemo0000000000000001", "SMO Demo"),
    ("sandboxfan.bsky.social", "did:plc:sandboxfan00000000000002", "Sandbox Fan"),
)
ACCESS_LIFETIME = 2 * 60 * 60  # the PDS's access JWTs live two hours
REFRESH_LIFETIME = 90 * 24 * 60 * 60
SESSION_LIMIT, SESSION_WINDOW_S = 30, 5 * 60  # createSession per handle (reference §10)
WRITE_LIMIT, WRITE_WINDOW_S = 5000, 60 * 60  # write points per DID and hour (a create costs 3)
MAX_IMAGES = 4
MAX_IMAGE_BYTES = 1_000_000
_TID_CHARS = "234567abcdefghijklmnopqrstuvwxyz"


class XrpcReply(Exception):  # a control-flow signal carrying a response
    def __init__(self, response: web.Response) -> None:
        super().__init__(response.status)
        self.response = response


def xrpc_error(status: int, error: str, message: str, headers: dict[str, str] | None = None) -> web.Response:
    return json_response({"error": error, "message": message}, status, headers=headers)


def _b64(data: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")


def _tid() -> str:
    """A record key shaped like an atproto TID: microseconds and a clock id, base32-sortable."""
    value = (time.time_ns() // 1000) << 10 | secrets.randbelow(1024)
    return "".join(_TID_CHARS[(value >> shift) & 31] for shift in range(60, -5, -5))


def _cid(data: bytes) -> str:
    return "bafyrei" + base64.b32encode(hashlib.sha256(data).digest()).decode().lower().rstrip("=")[:52]


class BlueskyDialect(BlueskyInbox, BlueskyVideo, Dialect):
    name = "bluesky"
    title = "Bluesky"
    prefixes = ("/bluesky", VIDEO_PREFIX)
    switches: ClassVar[dict[str, Any]] = {}

    def __init__(self, store: Store, faults: Any) -> None:
        super().__init__(store, faults)
        self.blobs: dict[str, dict[str, Any]] = {}
        self.cids: dict[str, str] = {}  # post uri -> cid
        self.likes: list[tuple[str, dict[str, Any]]] = []
        self.service_tokens: dict[str, dict[str, Any]] = {}
        self.jobs: dict[str, dict[str, Any]] = {}

    def seed(self, store: Store) -> None:
        self.blobs, self.cids, self.likes, self.service_tokens, self.jobs = {}, {}, [], {}, {}
        for handle, did, name in SEED_ACCOUNTS:
            store.add_account(self.name, handle, account_id=did, name=name)

    def register(self, app: web.Application) -> None:
        routes = [
            ("POST", "com.atproto.server.createSession", self.create_session),
            ("POST", "com.atproto.server.refreshSession", self.refresh_session),
            ("GET", "com.atproto.server.getSession", self.get_session),
            ("GET", "com.atproto.identity.resolveHandle", self.resolve_handle),
            ("GET", "app.bsky.actor.getProfile", self.get_profile),
            ("POST", "com.atproto.repo.uploadBlob", self.upload_blob),
            ("POST", "com.atproto.repo.createRecord", self.create_record),
            ("GET", "app.bsky.feed.getAuthorFeed", self.author_feed),
            *self.inbox_routes(),
            *self.video_routes(),
        ]
        for method, nsid, handler in routes:
            app.router.add_route(method, f"{self.prefix}/xrpc/{nsid}", self._endpoint(handler))
        self.register_video(app, self._endpoint)
        app.router.add_route("*", VIDEO_PREFIX + "/{tail:.*}", self.not_found)
        app.router.add_route("*", self.prefix + "/{tail:.*}", self.not_found)

    @staticmethod
    def _endpoint(handler: Any) -> Any:
        async def wrapper(request: web.Request) -> web.Response:
            try:
                return await handler(request)
            except XrpcReply as reply:
                return reply.response
        return wrapper

    async def not_found(self, request: web.Request) -> web.Response:
        return xrpc_error(501, "MethodNotImplemented", "Method Not Implemented")

    # -- accounts and sessions --------------------------------------------------------------

    def did(self, account: Account) -> str:
        return account.id if account.id.startswith("did:") else f"did:plc:sandbox{account.id}"

    def by_did(self, did: str) -> Account | None:
        return next((a for a in self.store.accounts[self.name].values() if self.did(a) == did), None)

    def _issue(self, account: Account, expires_in: int | None = None) -> dict[str, Any]:
        did, now = self.did(account), int(time.time())
        pairs = []
        for kind, lifetime, scope in (("access", expires_in if expires_in is not None else ACCESS_LIFETIME,
                                       "com.atproto.appPass"), ("refresh", REFRESH_LIFETIME, "com.atproto.refresh")):
            value = ".".join((_b64({"typ": "at+jwt", "alg": "ES256K"}),
                              _b64({"scope": scope, "sub": did, "iat": now, "exp": now + lifetime}),
                              secrets.token_urlsafe(24)))
            token = Token(value, kind, self.name, account.id, (scope,), "sandbox", time.time() + lifetime)
            self.store.tokens[value] = token
            pairs.append(value)
        return {"did": did, "handle": account.username, "accessJwt": pairs[0], "refreshJwt": pairs[1],
                "active": True, "email": f"{account.username}@sandbox.invalid", "emailConfirmed": True}

    def _bearer(self, request: web.Request) -> Token | None:
        scheme, _, value = request.headers.get("Authorization", "").partition(" ")
        return self.store.tokens.get(value.strip()) if scheme.lower() == "bearer" else None

    def identify(self, request: web.Request) -> Account | None:
        token = self._bearer(request)
        if token is None or token.platform != self.name:
            return self.service_account(request)
        return self.store.accounts[self.name].get(token.account_id)

    def caller(self, request: web.Request, kind: str = "access") -> tuple[Account, Token]:
        token, account = self._bearer(request), self.identify(request)
        if not request.headers.get("Authorization"):
            raise XrpcReply(xrpc_error(401, "AuthMissing", "Authentication Required"))
        if token is None or account is None or token.kind != kind or token.revoked:
            raise XrpcReply(xrpc_error(400, "InvalidToken", "Token could not be verified"))
        if not token.is_active(time.time()):
            raise XrpcReply(xrpc_error(400, "ExpiredToken", "Token has expired"))
        return account, token

    async def create_session(self, request: web.Request) -> web.Response:
        body = await self._json(request)
        identifier, password = str(body.get("identifier") or ""), str(body.get("password") or "")
        if not identifier or not password:
            return xrpc_error(400, "InvalidRequest", "Input must have the properties \"identifier\" and \"password\"")
        state = self.store.hit_window((self.name, "createSession", identifier.lower()), SESSION_LIMIT,
                                      SESSION_WINDOW_S)
        if not state.allowed:
            return self._rate_limited(state.reset, SESSION_LIMIT, SESSION_WINDOW_S)
        account = self.store.find_account(self.name, identifier) or self.by_did(identifier)
        if account is None or password == "wrong-password":
            return xrpc_error(401, "AuthenticationRequired", "Invalid identifier or password")
        if password == "needs-2fa":
            return xrpc_error(401, "AuthFactorTokenRequired", "A sign in code has been sent to your email address")
        return json_response(self._issue(account))

    async def refresh_session(self, request: web.Request) -> web.Response:
        account, token = self.caller(request, kind="refresh")
        token.revoked = True  # rotation: the old refresh JWT is spent
        session = self._issue(account)
        return json_response({k: session[k] for k in ("did", "handle", "accessJwt", "refreshJwt", "active")})

    async def get_session(self, request: web.Request) -> web.Response:
        account, _token = self.caller(request)
        return json_response({"did": self.did(account), "handle": account.username, "active": True})

    async def resolve_handle(self, request: web.Request) -> web.Response:
        account = self.store.find_account(self.name, request.query.get("handle", ""))
        if account is None:
            return xrpc_error(400, "InvalidRequest", "Unable to resolve handle")
        return json_response({"did": self.did(account)})

    async def get_profile(self, request: web.Request) -> web.Response:
        self.caller(request)
        actor = request.query.get("actor", "")
        account = self.by_did(actor) or self.store.find_account(self.name, actor)
        if account is None:
            return xrpc_error(400, "InvalidRequest", "Profile not found")
        return json_response(self._author(account) | {"avatar": account.profile_image_url})

    def _author(self, account: Account) -> dict[str, Any]:
        return {"did": self.did(account), "handle": account.username, "displayName": account.name}

    # -- records ----------------------------------------------------------------------------

    async def upload_blob(self, request: web.Request) -> web.Response:
        self.caller(request)
        data = await request.read()
        mime = request.headers.get("Content-Type", "")
        if not data or not mime:
            return xrpc_error(400, "InvalidRequest", "Request encoding (Content-Type) required but not provided")
        blob = {"$type": "blob", "ref": {"$link": _cid(data)}, "mimeType": mime, "size": len(data)}
        self.blobs[blob["ref"]["$link"]] = blob
        return json_response({"blob": blob})

    async def create_record(self, request: web.Request) -> web.Response:
        account, _token = self.caller(request)
        state = self.store.hit_window((self.name, "writes", self.did(account)), WRITE_LIMIT, WRITE_WINDOW_S)
        if not state.allowed:
            return self._rate_limited(state.reset, WRITE_LIMIT, WRITE_WINDOW_S)
        body = await self._json(request)
        if body.get("repo") not in (self.did(account), account.username):
            return xrpc_error(400, "InvalidRequest", "Invalid repo: the session may only write its own repo")
        if body.get("collection") != "app.bsky.feed.post":
            return xrpc_error(400, "InvalidRequest", "This sandbox only knows app.bsky.feed.post records")
        record = body.get("record")
        problem = self._record_problem(record)
        if problem:
            return xrpc_error(400, "InvalidRequest", f"Invalid app.bsky.feed.post record: {problem}")
        post = self.store_post(account, record, request.get("request_id", ""))
        cid = self.cids[post.id]
        return json_response({"uri": post.id, "cid": cid, "commit": {"cid": _cid(cid.encode()), "rev": _tid()},
                              "validationStatus": "valid"})

    def store_post(self, account: Account, record: dict[str, Any], request_id: str) -> Post:
        """Keep a post record (from createRecord or the audience) with its uri and cid."""
        record["createdAt"] = record.get("createdAt") or iso_z(utcnow())
        uri = f"at://{self.did(account)}/app.bsky.feed.post/{_tid()}"
        parent_uri = ((record.get("reply") or {}).get("parent") or {}).get("uri")
        parent = self.store.get_post(self.name, parent_uri) if parent_uri else None
        embed = record.get("embed") or {}
        media = [image["image"] for image in embed.get("images") or []] + ([embed["video"]] if "video" in embed else [])
        post = Post(platform=self.name, id=uri, account_id=account.id, text=record["text"], request_id=request_id,
                    in_reply_to_id=parent_uri, in_reply_to_account_id=parent.account_id if parent else None,
                    media_ids=tuple(blob["ref"]["$link"] for blob in media))
        post.record = record  # type: ignore[attr-defined]  # kept verbatim for the feed views
        self.cids[uri] = _cid(json.dumps(record, sort_keys=True).encode() + uri.encode())
        self.store.add_post(post)
        return post

    @staticmethod
    def tid() -> str:
        return _tid()

    @staticmethod
    def cid(data: bytes) -> str:
        return _cid(data)

    @staticmethod
    def b64(data: dict[str, Any]) -> str:
        return _b64(data)

    @staticmethod
    def reply_with(response: web.Response) -> Exception:
        return XrpcReply(response)

    def _record_problem(self, record: Any) -> str:
        if not isinstance(record, dict) or record.get("$type") != "app.bsky.feed.post":
            return "Record/$type must be app.bsky.feed.post"
        text = record.get("text")
        if not isinstance(text, str) or not isinstance(record.get("createdAt"), str):
            return "Record must have the properties \"text\" and \"createdAt\""
        if grapheme_count(text) > MAX_GRAPHEMES:
            return f"Record/text must not be longer than {MAX_GRAPHEMES} graphemes"
        size = len(text.encode("utf-8"))
        if size > MAX_BYTES:
            return f"Record/text must not be longer than {MAX_BYTES} characters"
        for number, facet in enumerate(record.get("facets") or []):
            index = facet.get("index") or {} if isinstance(facet, dict) else {}
            start, end = index.get("byteStart"), index.get("byteEnd")
            if not (isinstance(start, int) and isinstance(end, int) and 0 <= start < end <= size):
                return f"Record/facets/{number}/index must be a byte range inside the text"
        reply = record.get("reply")
        if reply is not None:
            for key in ("root", "parent"):
                ref = reply.get(key) if isinstance(reply, dict) else None
                if not isinstance(ref, dict) or self.cids.get(str(ref.get("uri"))) != ref.get("cid"):
                    return f"Record/reply/{key} must be a strong ref (uri and cid) to an existing post"
        embed = record.get("embed")
        if isinstance(embed, dict) and embed.get("$type") == "app.bsky.embed.video":
            return self.video_embed_problem(embed)
        if embed is not None:
            images = embed.get("images") if isinstance(embed, dict) else None
            if embed.get("$type") != "app.bsky.embed.images" or not isinstance(images, list):
                return "Record/embed: this sandbox only knows app.bsky.embed.images"
            if not 1 <= len(images) <= MAX_IMAGES:
                return f"Record/embed/images must have 1 to {MAX_IMAGES} items"
            for number, image in enumerate(images):
                ref = ((image.get("image") or {}).get("ref") or {}).get("$link") if isinstance(image, dict) else None
                blob = self.blobs.get(str(ref))
                if blob is None or not isinstance(image.get("alt"), str):
                    return f"Record/embed/images/{number} must have an uploaded image blob and alt text"
                if blob["size"] > MAX_IMAGE_BYTES:
                    return f"Record/embed/images/{number}/image file too large"
        return ""

    async def author_feed(self, request: web.Request) -> web.Response:
        self.caller(request)
        actor = request.query.get("actor", "")
        account = self.by_did(actor) or self.store.find_account(self.name, actor)
        if account is None:
            return xrpc_error(400, "InvalidRequest", "Profile not found")
        try:
            limit = max(1, min(100, int(request.query.get("limit", "50"))))
            offset = int(request.query.get("cursor") or 0)
        except ValueError:
            return xrpc_error(400, "InvalidRequest", "limit and cursor must be integers")
        posts = self.store.timeline(self.name, account.id)
        page = posts[offset:offset + limit]
        feed = [{"post": {"uri": post.id, "cid": self.cids.get(post.id, ""), "author": self._author(account),
                          "record": getattr(post, "record", {"text": post.text}),
                          "indexedAt": iso_z(post.created_at), "replyCount": 0, "likeCount": 0}} for post in page]
        cursor = str(offset + limit) if offset + limit < len(posts) else None
        return json_response({"feed": feed, **({"cursor": cursor} if cursor else {})})

    # -- core hooks -------------------------------------------------------------------------

    @staticmethod
    async def _json(request: web.Request) -> dict[str, Any]:
        try:
            body = await request.json()
        except ValueError:
            raise XrpcReply(xrpc_error(400, "InvalidRequest", "Request body must be JSON")) from None
        if not isinstance(body, dict):
            raise XrpcReply(xrpc_error(400, "InvalidRequest", "Request body must be a JSON object"))
        return body

    def _rate_limited(self, reset: int, limit: int, window_s: int) -> web.Response:
        return xrpc_error(429, "RateLimitExceeded", "Rate Limit Exceeded", headers={
            "RateLimit-Limit": str(limit), "RateLimit-Remaining": "0", "RateLimit-Reset": str(reset),
            "RateLimit-Policy": f"{limit};w={window_s}"})

    def fault_response(self, request: web.Request, status: int, reset_at: int | None) -> web.Response:
        if status == 429:
            return self._rate_limited(reset_at or int(time.time()) + 300, WRITE_LIMIT, WRITE_WINDOW_S)
        if status == 401:
            return xrpc_error(401, "AuthenticationRequired", "Authentication Required")
        if status == 400:
            return xrpc_error(400, "InvalidRequest", "Invalid app.bsky.feed.post record")
        return xrpc_error(status, "InternalServerError" if status >= 500 else "InvalidRequest",
                          "Internal Server Error" if status >= 500 else "Request failed")

    def mint_tokens(self, account: Account, scopes: list[str] | None, expires_in: int | None,
                    client_id: str) -> dict[str, Any]:
        session = self._issue(account, expires_in)
        return {"platform": self.name, "account_id": self.did(account), "username": account.username,
                "access_token": session["accessJwt"], "refresh_token": session["refreshJwt"], **session}
