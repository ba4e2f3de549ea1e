"""The Mastodon dialect: one instance at https://mastodon.example, served under ``/mastodon``.

Statuses (with ``Idempotency-Key``: the same key from the same account returns the original status),
async media (``POST /api/v2/media`` 202 with ``url: null``, ``GET /api/v1/media/:id`` 206 then 200),
account statuses for reconciliation, ``verify_credentials`` and ``/api/v2/instance``; app registration
and OAuth in ``mastodon_oauth.py``, notifications, conversations, context and the audience in
``mastodon_inbox.py``. Errors are
``{"error": "..."}``; 429 carries ``X-RateLimit-Reset`` as an ISO 8601 time (reference §9).
"""

from __future__ import annotations

import html
import re
import time
from datetime import UTC, datetime
from typing import Any, ClassVar

from aiohttp import web

from .dialect import Dialect, json_response
from .faults import FaultEngine
from .mastodon_inbox import MastodonInbox
from .mastodon_oauth import MastodonOAuth
from .state import Account, Post, Store, iso_z

ORIGIN = "https://mastodon.example"
SEED_ACCOUNTS = (("smo_demo", "109000000000000001", "SMO Demo"), ("sandbox_fan", "109000000000000002", "Fan"))
DEFAULT_SCOPES = ("read", "write", "write:statuses", "write:media", "read:notifications", "read:statuses")
WINDOW_S, WINDOW_LIMIT = 5 * 60, 300
IDEMPOTENCY_TTL_S = 60 * 60
_URL = re.compile(r"https?://[^\s<>\"]+[^\s<>\".,:;!?)\]'}]")
_ERRORS = {401: "The access token is invalid", 403: "This action is not allowed", 404: "Record not found",
           422: "Validation failed: Status could not be posted", 500: "Internal server error",
           503: "Service unavailable"}


def error(status: int, message: str | None = None, headers: dict[str, str] | None = None) -> web.Response:
    return json_response({"error": message or _ERRORS.get(status, "Error")}, status, headers=headers)


def render_html(text: str) -> str:
    """Plain text as Mastodon's `content`: paragraphs, <br />, and linked URLs, everything escaped."""
    def para(block: str) -> str:
        escaped, position, pieces = block, 0, []
        for match in _URL.finditer(escaped):
            pieces += [html.escape(escaped[position:match.start()]),
                       f'<a href="{html.escape(match[0])}" rel="nofollow noopener" target="_blank">'
                       f'{html.escape(match[0])}</a>']
            position = match.end()
        pieces.append(html.escape(escaped[position:]))
        return "<p>" + "".join(pieces).replace("\n", "<br />") + "</p>"
    return "".join(para(block) for block in re.split(r"\n{2,}", text.strip()) if block)


class MastodonDialect(Dialect):
    name = "mastodon"
    title = "Mastodon"
    prefixes = ("/mastodon",)
    # mastodon_media_polls: GET /api/v1/media/:id calls answering 206 before 200 (video/GIF only);
    # mastodon_max_characters: the instance's status length limit.
    switches: ClassVar[dict[str, Any]] = {"mastodon_media_polls": 1, "mastodon_max_characters": 500}
    audience_kinds: ClassVar[tuple[str, ...]] = ("comments", "replies", "mentions", "messages")

    def __init__(self, store: Store, faults: FaultEngine) -> None:
        super().__init__(store, faults)
        self.oauth = MastodonOAuth(self)
        self.inbox = MastodonInbox(self)
        self.reset()

    def reset(self) -> None:
        self.media: dict[str, dict[str, Any]] = {}
        self.keys: dict[tuple[str, str], tuple[float, dict[str, Any]]] = {}
        self.extras: dict[str, dict[str, Any]] = {}  # status id -> visibility, spoiler_text, language, sensitive
        self.oauth.apps = {}  # a reset instance forgot every registered app
        self.inbox.reset()

    def make_audience_item(self, kind: str, account: Account, post: Post | None, stranger: tuple[str, str, str],
                           text: str) -> dict[str, Any]:
        return self.inbox.make_audience_item(kind, account, post, stranger, text)

    def seed(self, store: Store) -> None:
        self.reset()
        for username, account_id, name in SEED_ACCOUNTS:
            store.add_account(self.name, username, account_id=account_id, name=name)

    def register(self, app: web.Application) -> None:
        p = self.prefix
        app.router.add_get(p + "/api/v1/accounts/verify_credentials", self.verify_credentials)
        app.router.add_get(p + "/api/v2/instance", self.instance)
        app.router.add_post(p + "/api/v2/media", self.upload)
        app.router.add_get(p + "/api/v1/media/{id}", self.media_status)
        app.router.add_post(p + "/api/v1/statuses", self.create_status)
        app.router.add_get(p + "/api/v1/statuses/{id}", self.get_status)
        app.router.add_get(p + "/api/v1/accounts/{id}/statuses", self.account_statuses)
        for method, path, handler in self.oauth.routes() + self.inbox.routes():
            app.router.add_route(method, p + path, handler)
        app.router.add_route("*", p + "/{tail:.*}", self.not_found)

    async def not_found(self, request: web.Request) -> web.Response:
        return error(404)

    # -- credentials and limits ---------------------------------------------------------------

    def identify(self, request: web.Request) -> Account | None:
        scheme, _, value = request.headers.get("Authorization", "").partition(" ")
        token = self.store.find_token(value.strip(), "access") if scheme.lower() == "bearer" else None
        if token is None or token.platform != self.name:
            return None
        return self.store.accounts[self.name].get(token.account_id)

    def caller(self, request: web.Request) -> tuple[Account | None, web.Response | None, dict[str, str]]:
        scheme, _, value = request.headers.get("Authorization", "").partition(" ")
        token = self.store.find_token(value.strip(), "access") if scheme.lower() == "bearer" else None
        account = self.identify(request)
        if token is None or account is None or not token.is_active(time.time()):
            return None, error(401), {}
        state = self.store.hit_window((self.name, account.id), WINDOW_LIMIT, WINDOW_S)
        headers = {"X-RateLimit-Limit": str(state.limit), "X-RateLimit-Remaining": str(state.remaining),
                   "X-RateLimit-Reset": iso_z(datetime.fromtimestamp(state.reset, tz=UTC))}
        if not state.allowed:
            return None, error(429, "Too many requests", headers), headers
        return account, None, headers

    def fault_response(self, request: web.Request, status: int, reset_at: int | None) -> web.Response:
        if status == 429:
            reset = reset_at or int(time.time()) + WINDOW_S
            return error(429, "Too many requests", {
                "X-RateLimit-Limit": str(WINDOW_LIMIT), "X-RateLimit-Remaining": "0",
                "X-RateLimit-Reset": iso_z(datetime.fromtimestamp(reset, tz=UTC))})
        return error(status)

    def mint_tokens(self, account: Account, scopes: list[str] | None, expires_in: int | None,
                    client_id: str) -> dict[str, Any]:
        granted = tuple(scopes) if scopes is not None else DEFAULT_SCOPES
        # Mastodon tokens do not expire; a huge lifetime stands in for "never".
        lifetime = 100 * 365 * 24 * 3600 if expires_in is None else expires_in
        access, _ = self.store.issue_tokens(account, granted, client_id=client_id, expires_in=lifetime,
                                            refresh=False, grant=f"mint:{self.store.ids.next()}")
        return {"platform": self.name, "account_id": account.id, "username": account.username,
                "access_token": access.value, "token_type": "Bearer", "scope": " ".join(granted),
                "created_at": int(time.time()), "instance_url": ORIGIN}

    # -- payloads -----------------------------------------------------------------------------

    def account_json(self, account: Account) -> dict[str, Any]:
        return {"id": account.id, "username": account.username, "acct": account.username,
                "display_name": account.name, "url": f"{ORIGIN}/@{account.username}",
                "avatar": account.profile_image_url, "created_at": iso_z(account.created_at)}

    def status_json(self, post: Post) -> dict[str, Any]:
        account = self.store.accounts[self.name][post.account_id]
        attachments = [self.media_json(self.media[m]) for m in post.media_ids if m in self.media]
        extra = self.extras.get(post.id, {})
        mentions = [{"id": a.id, "username": a.username, "acct": a.username, "url": f"{ORIGIN}/@{a.username}"}
                    for a in self.inbox.mentioned(post.text, "")]
        return {"id": post.id, "created_at": iso_z(post.created_at), "in_reply_to_id": post.in_reply_to_id,
                "in_reply_to_account_id": post.in_reply_to_account_id,
                "visibility": extra.get("visibility", "public"), "spoiler_text": extra.get("spoiler_text", ""),
                "sensitive": bool(extra.get("sensitive")), "language": extra.get("language"),
                "uri": f"{ORIGIN}/users/{account.username}/statuses/{post.id}",
                "url": f"{ORIGIN}/@{account.username}/{post.id}", "content": render_html(post.text),
                "media_attachments": attachments, "mentions": mentions, "account": self.account_json(account)}

    def add_status(self, author: Account, text: str, *, visibility: str = "public", in_reply_to: Post | None = None,
                   media_ids: tuple[str, ...] = (), request_id: str = "audience", audience: bool = False,
                   spoiler_text: str = "", language: str | None = None, sensitive: bool = False) -> Post:
        """Store a status and what follows from it (notifications, conversations)."""
        post = Post(platform=self.name, id=self.store.ids.next(), account_id=author.id, text=text,
                    request_id=request_id, in_reply_to_id=in_reply_to.id if in_reply_to else None,
                    in_reply_to_account_id=in_reply_to.account_id if in_reply_to else None, media_ids=media_ids)
        self.extras[post.id] = {"visibility": visibility, "spoiler_text": spoiler_text, "language": language,
                                "sensitive": sensitive or bool(spoiler_text)}
        self.store.add_post(post)
        if audience:
            self.store.creates.pop()  # the create record counts SMO's API creates, not the audience's
        self.inbox.after_create(post, visibility)
        return post

    def media_json(self, item: dict[str, Any]) -> dict[str, Any]:
        ready = item["polls_left"] < 0
        return {"id": item["id"], "type": item["type"], "description": item["description"],
                "url": f"{ORIGIN}/media/{item['id']}" if ready else None, "preview_url": None}

    # -- handlers -----------------------------------------------------------------------------

    async def verify_credentials(self, request: web.Request) -> web.Response:
        account, failed, headers = self.caller(request)
        return failed or json_response(self.account_json(account), headers=headers)

    async def instance(self, request: web.Request) -> web.Response:
        limit = int(self.faults.switch("mastodon_max_characters") or 500)
        return json_response({"domain": "mastodon.example", "title": "SMO sandbox instance", "configuration": {
            "statuses": {"max_characters": limit, "max_media_attachments": 4, "characters_reserved_per_url": 23}}})

    async def upload(self, request: web.Request) -> web.Response:
        account, failed, headers = self.caller(request)
        if failed:
            return failed
        form = await request.post()
        upload = form.get("file")
        if not isinstance(upload, web.FileField):
            return error(422, "Validation failed: File can't be blank", headers)
        data = upload.file.read()
        kind = "video" if upload.content_type.startswith("video/") else (
            "gifv" if upload.content_type == "image/gif" else "image")
        polls = -1 if kind == "image" else int(self.faults.switch("mastodon_media_polls") or 0)
        item = {"id": self.store.ids.next(), "type": kind, "description": str(form.get("description") or ""),
                "polls_left": polls, "account_id": account.id, "size": len(data)}
        self.media[item["id"]] = item
        return json_response(self.media_json(item), 200 if polls < 0 else 202, headers=headers)

    async def media_status(self, request: web.Request) -> web.Response:
        account, failed, headers = self.caller(request)
        if failed:
            return failed
        item = self.media.get(request.match_info["id"])
        if item is None or item["account_id"] != account.id:
            return error(404, headers=headers)
        item["polls_left"] -= 1
        return json_response(self.media_json(item), 200 if item["polls_left"] < 0 else 206, headers=headers)

    async def create_status(self, request: web.Request) -> web.Response:
        account, failed, headers = self.caller(request)
        if failed:
            return failed
        body = await _body(request)
        key = request.headers.get("Idempotency-Key", "")
        now = time.time()
        if key and (account.id, key) in self.keys and now - self.keys[(account.id, key)][0] < IDEMPOTENCY_TTL_S:
            return json_response(self.keys[(account.id, key)][1], headers=headers)  # the original status
        text = str(body.get("status") or "")
        media_ids = tuple(str(m) for m in body.get("media_ids") or ())
        unknown = [m for m in media_ids if m not in self.media or self.media[m]["account_id"] != account.id]
        if unknown:
            return error(422, "Validation failed: Media attachments are invalid", headers)
        if any(self.media[m]["polls_left"] >= 0 for m in media_ids):
            return error(422, "Cannot attach files that have not finished processing. Try again in a moment!",
                         headers)
        if not text.strip() and not media_ids:
            return error(422, "Validation failed: Text can't be blank", headers)
        spoiler = str(body.get("spoiler_text") or "")
        limit = int(self.faults.switch("mastodon_max_characters") or 500)
        if len(_URL.sub("x" * 23, text)) + len(spoiler) > limit:
            return error(422, f"Validation failed: Text character limit of {limit} exceeded", headers)
        visibility = str(body.get("visibility") or "public")
        if visibility not in ("public", "unlisted", "private", "direct"):
            return error(422, "Validation failed: Visibility is not included in the list", headers)
        reply_to_id = str(body.get("in_reply_to_id") or "")
        reply_to = self.store.get_post(self.name, reply_to_id) if reply_to_id else None
        if reply_to_id and reply_to is None:
            return error(404, headers=headers)
        post = self.add_status(account, text, visibility=visibility, in_reply_to=reply_to, media_ids=media_ids,
                               request_id=request["request_id"], spoiler_text=spoiler,
                               language=str(body.get("language") or "") or None,
                               sensitive=str(body.get("sensitive")).lower() in ("true", "1"))
        status = self.status_json(post)
        if key:
            self.keys[(account.id, key)] = (now, status)
        return json_response(status, headers=headers)

    async def get_status(self, request: web.Request) -> web.Response:
        account, failed, headers = self.caller(request)
        if failed:
            return failed
        post = self.store.get_post(self.name, request.match_info["id"])
        return json_response(self.status_json(post), headers=headers) if post else error(404, headers=headers)

    async def account_statuses(self, request: web.Request) -> web.Response:
        account, failed, headers = self.caller(request)
        if failed:
            return failed
        target = self.store.accounts[self.name].get(request.match_info["id"])
        if target is None:
            return error(404, headers=headers)
        posts = self.store.timeline(self.name, target.id)
        max_id = request.query.get("max_id")
        if max_id:
            posts = [p for p in posts if int(p.id) < int(max_id)]
        limit = min(int(request.query.get("limit") or 20), 40)
        return json_response([self.status_json(p) for p in posts[:limit]], headers=headers)


async def _body(request: web.Request) -> dict[str, Any]:
    """Mastodon takes form or JSON bodies; `media_ids[]` form fields become a list."""
    if request.content_type == "application/json":
        body = await request.json()
        return body if isinstance(body, dict) else {}
    form = await request.post()
    result: dict[str, Any] = {k: v for k, v in form.items() if not k.endswith("[]")}
    result["media_ids"] = form.getall("media_ids[]", [])
    return result
