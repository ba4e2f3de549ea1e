"""The audience simulator: strangers who comment on, reply to, mention and message our accounts.

``POST /_sandbox/audience`` with ``{"platform", "account", "comments", "replies", "mentions" (X),
"messages", "negative", "deliver": "poll"|"webhook", "webhook_url"?, "secret"?, "text"?}`` creates
them on the account's latest posts and answers with their ids. X comments and mentions are Posts by
stranger accounts (so X's own search and mentions endpoints find them); Facebook and Instagram
comments are ``Store.comments``; direct messages are ``Store.messages``. With ``deliver: webhook``
the platform's webhook is POSTed too, signed as the platform signs it (``webhooks.py``): Meta's
``entry``/``changes``/``messaging`` batch, X's Account Activity ``tweet_create_events`` and
``direct_message_events``. Add ``"per_minute"`` and ``"duration_s"`` to keep a stream running in the
sandbox's event loop instead. ``GET /_sandbox/audience`` lists what was created and the streams;
``DELETE`` stops the streams.

``negative: true`` mixes in complaints and hostile text (script tags, ``javascript:`` links, a
10 kB body, NUL and lone-surrogate characters, a right-to-left override) so every screen and
parser downstream meets them.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import itertools
import os
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import requests
from aiohttp import web

from . import audience_payloads as payloads
from .control import ControlError, _body, _guarded
from .dialect import json_response
from .state import Account, Comment, DirectMessage, Post

if TYPE_CHECKING:
    from .app import Sandbox

KINDS = ("comments", "replies", "mentions", "messages")
MAX_PER_CALL = 500
MAX_PER_MINUTE = 600
MAX_DURATION_S = 3600
POSTS_USED = 3  # comments spread over the account's latest posts
DEFAULT_TARGET = "http://127.0.0.1:8000"
WEBHOOK_PATHS = {"x": "/webhooks/x/", "facebook": "/webhooks/meta/", "instagram": "/webhooks/meta/"}

STRANGERS = (
    ("maria_lopez", "María López"), ("kenji_tanaka", "田中 健二"), ("ahmed_k", "أحمد كريم"),
    ("zoe_runs", "Zoë 🏃‍♀️"), ("big_fan_88", "Big Fan"), ("olu.ade", "Olúwaseun Adé"),
    ("priya_codes", "Priya S."), ("lukas.m", "Lukas Müller"),
)
HOSTILE_STRANGERS = (("evil_eve", '<img src=x onerror=alert("name")>'), ("grumpy_gus", "Grumpy Gus"),
                     ("rtl_rick", "\u202eKcir Ltr"))
FRIENDLY = (
    "Love this! 😍", "Where can I buy it?", "Great post, thanks for sharing.", "Is this available in Europe?",
    "Congrats to the whole team 🎉", "Can you DM me the details?", "This made my day.", "Following for more!",
)
NEGATIVE = (
    "This is the worst update yet.", "Still waiting for my refund. Unacceptable.",
    "Your support never answers. Done with this brand.", "Nobody asked for this 🙄",
)
HOSTILE = (
    "<script>alert(1)</script>",
    "Free gift: javascript:alert(document.cookie)",
    '<img src=x onerror="alert(1)"> <a href="javascript:alert(2)">click</a>',
    "[totally safe](javascript:alert(3)) and {{ 7*7 }} and ${7*7}",
    "\u202eevil right-to-left override \u202c done",
    "nul\x00byte, lone \ud800 surrogate, bell\x07",
    "10 kB rant: " + ("This is unacceptable. " * 466)[:10_228],
)


@dataclass
class Spec:
    platform: str
    account: Account
    counts: dict[str, int]
    negative: bool = False
    deliver: str = "poll"
    webhook_url: str = ""
    secret: str = ""
    text: str | None = None
    per_minute: int = 0
    duration_s: int = 0


@dataclass
class Stream:
    id: str
    spec: Spec
    created: list[dict[str, Any]] = field(default_factory=list)
    error: str = ""
    task: asyncio.Task[None] | None = None


def register_audience(app: web.Application, sandbox: Sandbox) -> None:
    audience = Audience(sandbox)
    app.router.add_post("/_sandbox/audience", _guarded(audience.simulate))
    app.router.add_get("/_sandbox/audience", _guarded(audience.listing))
    app.router.add_delete("/_sandbox/audience", _guarded(audience.stop))


class Audience:
    def __init__(self, sandbox: Sandbox) -> None:
        self.sandbox = sandbox
        self.store = sandbox.store
        self.streams: dict[str, Stream] = {}
        self._serial = itertools.count()

    # -- HTTP ---------------------------------------------------------------------------------

    async def simulate(self, request: web.Request) -> web.Response:
        spec = self._spec(await _body(request))
        if spec.per_minute:
            stream = Stream(id=secrets.token_hex(6), spec=spec)
            stream.task = asyncio.create_task(self._run_stream(stream))
            self.streams[stream.id] = stream
            return json_response({"stream": stream.id, "interval_s": 60 / spec.per_minute,
                                  "expected": spec.duration_s * spec.per_minute // 60}, 202)
        created = self.create(spec, [kind for kind in KINDS for _ in range(spec.counts[kind])])
        sent = await self.deliver(spec, created)
        result: dict[str, Any] = {"platform": spec.platform, "account": spec.account.summary(),
                                  "items": created, "webhooks": sent}
        for kind in KINDS:
            result[kind] = [item["id"] for item in created if item["kind"] == kind]
        result["posts"] = sorted({item["post_id"] for item in created if item.get("post_id")})
        return json_response(result, 201)

    async def listing(self, request: web.Request) -> web.Response:
        platform, ref = request.query.get("platform", ""), request.query.get("account", "")
        account = self.store.find_account(platform, ref) if platform and ref else None
        comments = [vars(c) | {"created_at": c.created_at.isoformat()} for c in self.store.comments.get(platform, {})
                    .values() if account is None or c.account_id == account.id]
        messages = [vars(m) | {"created_at": m.created_at.isoformat()} for m in self.store.messages.get(platform, [])
                    if account is None or m.account_id == account.id]
        streams = [{"stream": s.id, "platform": s.spec.platform, "account": s.spec.account.username,
                    "created": len(s.created), "running": bool(s.task and not s.task.done()), "error": s.error}
                   for s in self.streams.values()]
        return json_response({"comments": comments, "messages": messages, "streams": streams})

    async def stop(self, request: web.Request) -> web.Response:
        stopped = [s.id for s in self.streams.values() if s.task and not s.task.done()]
        for stream in self.streams.values():
            if stream.task:
                stream.task.cancel()
        return json_response({"stopped": stopped})

    # -- the request ------------------------------------------------------------------------------

    def _plugged(self, platform: Any) -> Any:
        """A dialect that makes its own audience items (``audience_kinds`` + ``make_audience_item``), or None."""
        dialect = self.sandbox.dialect(platform) if isinstance(platform, str) else None
        return dialect if dialect is not None and hasattr(dialect, "make_audience_item") else None

    def _spec(self, body: dict[str, Any]) -> Spec:
        platform = body.get("platform")
        plugged = self._plugged(platform)
        known = sorted(set(WEBHOOK_PATHS) | {d.name for d in self.sandbox.dialects if self._plugged(d.name)})
        if (platform not in WEBHOOK_PATHS and plugged is None) or self.sandbox.dialect(platform) is None:
            raise ControlError(f"platform must be one of {known}")
        ref = body.get("account")
        account = self.store.find_account(platform, ref) if isinstance(ref, str) else None
        if account is None:
            raise ControlError(f"no {platform} account {ref!r} (give a username or an id)", 404)
        counts = {kind: _count(body, kind, MAX_PER_CALL) for kind in KINDS}
        if plugged is not None:
            unsupported = [kind for kind in KINDS if counts[kind] and kind not in plugged.audience_kinds]
            if unsupported:
                raise ControlError(f"{platform} simulates only {list(plugged.audience_kinds)}, not {unsupported}")
        elif counts["mentions"] and platform != "x":
            raise ControlError("mentions are simulated on x only (Meta reports them as comments)")
        deliver = body.get("deliver", "poll")
        if deliver == "webhook" and plugged is not None:
            raise ControlError(f"{platform} is simulated for polling only")
        if deliver not in ("poll", "webhook"):
            raise ControlError("deliver must be 'poll' or 'webhook'")
        text = body.get("text")
        if text is not None and (not isinstance(text, str) or not text or len(text) > 20_000):
            raise ControlError("text must be a non-empty string of at most 20000 characters")
        spec = Spec(platform, account, counts, negative=bool(body.get("negative")), deliver=deliver,
                    webhook_url=_url(body.get("webhook_url"), platform), secret=_secret(body.get("secret"), platform),
                    text=text, per_minute=_count(body, "per_minute", MAX_PER_MINUTE),
                    duration_s=_count(body, "duration_s", MAX_DURATION_S))
        if bool(spec.per_minute) != bool(spec.duration_s):
            raise ControlError("rate mode needs both per_minute and duration_s")
        if not any(counts.values()) and not spec.per_minute:
            raise ControlError(f"ask for at least one of {list(KINDS)}")
        return spec

    # -- creating -------------------------------------------------------------------------------

    def create(self, spec: Spec, kinds: list[str]) -> list[dict[str, Any]]:
        """Create one item per entry of `kinds`; no await inside, so the store stays consistent."""
        posts = [p for p in self.store.timeline(spec.platform, spec.account.id) if not p.in_reply_to_id][:POSTS_USED]
        if not posts and any(kind in ("comments", "replies") for kind in kinds):
            raise ControlError(f"{spec.account.username} has no posts to comment on yet: publish one first", 409)
        plugged = self._plugged(spec.platform)
        if plugged is not None:
            return [self._plugged_item(plugged, spec, posts, kind, next(self._serial)) for kind in kinds]
        makers: dict[str, Callable[[Spec, list[Post], int], dict[str, Any]]] = {
            "comments": self._comment, "replies": self._reply, "mentions": self._mention, "messages": self._message}
        return [makers[kind](spec, posts, next(self._serial)) for kind in kinds]

    def _plugged_item(self, dialect: Any, spec: Spec, posts: list[Post], kind: str, n: int) -> dict[str, Any]:
        """Ask the platform's dialect to create one item. It answers with :func:`audience_item`'s dict."""
        return dialect.make_audience_item(kind, spec.account, posts[n % len(posts)] if posts else None,
                                          self._stranger(spec, n), self._text(spec, n))

    def _stranger(self, spec: Spec, n: int) -> tuple[str, str, str]:
        """(id, name, handle) of a stranger; hostile names join when `negative` is asked for."""
        pool = STRANGERS + HOSTILE_STRANGERS if spec.negative else STRANGERS
        handle, name = pool[n % len(pool)]
        if spec.platform == "x":
            account = self.store.get_or_create_account("x", handle)
            account.name = name
            return account.id, name, handle
        digest = int(hashlib.sha256(f"{spec.platform}:{handle}".encode()).hexdigest(), 16)
        return (f"2{digest % 10**15:015d}" if spec.platform == "facebook" else f"1784{digest % 10**13:013d}",
                name, handle)

    def _text(self, spec: Spec, n: int) -> str:
        if spec.text is not None:
            return spec.text
        pool = HOSTILE + NEGATIVE if spec.negative else FRIENDLY
        return pool[n % len(pool)]

    def _comment(self, spec: Spec, posts: list[Post], n: int) -> dict[str, Any]:
        post = posts[n % len(posts)]
        if spec.platform == "x":
            return self._x_post(spec, n, post, f"@{spec.account.username} {self._text(spec, n)}", "comments")
        return self._graph_comment(spec, n, post, None, "comments")

    def _reply(self, spec: Spec, posts: list[Post], n: int) -> dict[str, Any]:
        """A stranger answering a comment (the newest one by someone else on one of the posts)."""
        post = posts[n % len(posts)]
        if spec.platform == "x":
            thread = [p for p in self.store.all_posts("x") if p.conversation_id == post.id
                      and p.id != post.id and p.account_id != spec.account.id]
            parent = thread[0] if thread else post
            return self._x_post(spec, n, parent, f"@{spec.account.username} {self._text(spec, n)}", "replies")
        top = [c for c in self.store.comments_on(spec.platform, post.id) if c.parent_id is None]
        parent = top[-1] if top else None
        return self._graph_comment(spec, n, post, parent, "replies")

    def _mention(self, spec: Spec, posts: list[Post], n: int) -> dict[str, Any]:
        return self._x_post(spec, n, None, f"Hey @{spec.account.username} {self._text(spec, n)}", "mentions")

    def _x_post(self, spec: Spec, n: int, parent: Post | None, text: str, kind: str) -> dict[str, Any]:
        author_id, name, handle = self._stranger(spec, n)
        post_id = self.store.ids.next()
        post = Post(platform="x", id=post_id, account_id=author_id, text=text, request_id="audience",
                    in_reply_to_id=parent.id if parent else None,
                    in_reply_to_account_id=parent.account_id if parent else None,
                    conversation_id=(parent.conversation_id or parent.id) if parent else post_id)
        self.store.add_post(post)
        self.store.creates.pop()  # the create record counts SMO's API creates, not the audience's
        return audience_item(kind, post_id, author_id, name, handle, text, post.conversation_id if parent else "",
                     post.conversation_id, parent.id if parent else "", post.created_at.isoformat())

    def _graph_comment(self, spec: Spec, n: int, post: Post, parent: Comment | None, kind: str) -> dict[str, Any]:
        author_id, name, handle = self._stranger(spec, n)
        comment_id = self._graph_id(spec.platform, post)
        comment = self.store.add_comment(Comment(
            platform=spec.platform, id=comment_id, post_id=post.id, account_id=spec.account.id, author_id=author_id,
            author_name=name if spec.platform == "facebook" else handle, author_handle=handle,
            text=self._text(spec, n), parent_id=parent.id if parent else None))
        return audience_item(kind, comment_id, author_id, comment.author_name, handle, comment.text, post.id, post.id,
                     parent.id if parent else post.id, comment.created_at.isoformat())

    def _graph_id(self, platform: str, post: Post) -> str:
        dialect = self.sandbox.dialect(platform)
        if platform == "instagram" and hasattr(dialect, "next_object_id"):
            return dialect.next_object_id()
        return f"{post.id.rsplit('_', 1)[-1]}_{self.store.ids.next()}"  # Facebook: {post}_{comment}

    def _message(self, spec: Spec, posts: list[Post], n: int) -> dict[str, Any]:
        author_id, name, handle = self._stranger(spec, n)
        ours = spec.account.id
        if spec.platform == "x":
            message_id = self.store.ids.next()
            low, high = sorted((ours, author_id), key=int)
            conversation = f"{low}-{high}"  # X's one-to-one dm_conversation_id
        else:
            message_id = _meta_id("m_", f"{spec.platform}:{self.store.ids.next()}")
            conversation = (f"t_{author_id[-12:]}" if spec.platform == "facebook"
                            else _meta_id("", f"ig_conversation:{ours}:{author_id}"))
        message = self.store.add_message(DirectMessage(
            platform=spec.platform, id=message_id, conversation_id=conversation, account_id=ours, sender_id=author_id,
            sender_name=name, sender_handle=handle, recipient_id=ours, text=self._text(spec, n)))
        return audience_item("messages", message_id, author_id, name, handle, message.text, "", conversation, "",
                     message.created_at.isoformat())

    # -- delivering -------------------------------------------------------------------------------

    async def deliver(self, spec: Spec, created: list[dict[str, Any]]) -> list[dict[str, Any]]:
        if spec.deliver != "webhook" or not created:
            return []
        sender = payloads.x_events if spec.platform == "x" else payloads.meta_batches
        results = []
        for payload in sender(spec.platform, spec.account, created, self.store):
            results.append(await self._post(spec, payload))
        return results

    async def _post(self, spec: Spec, payload: dict[str, Any]) -> dict[str, Any]:
        send = payloads.send_x if spec.platform == "x" else payloads.send_meta
        try:
            response = await asyncio.to_thread(send, spec.webhook_url, spec.secret, payload)
        except requests.RequestException as exc:
            return {"url": spec.webhook_url, "status": None, "error": f"{type(exc).__name__}: {exc}"[:300]}
        return {"url": spec.webhook_url, "status": response.status_code, "error": ""}

    async def _run_stream(self, stream: Stream) -> None:
        spec = stream.spec
        weights = [kind for kind in KINDS for _ in range(spec.counts[kind])] or ["comments"]
        interval = 60 / spec.per_minute
        deadline = asyncio.get_running_loop().time() + spec.duration_s
        try:
            for kind in itertools.cycle(weights):
                if asyncio.get_running_loop().time() >= deadline:
                    break
                created = self.create(spec, [kind])
                stream.created.extend(created)
                await self.deliver(spec, created)
                await asyncio.sleep(interval)
        except ControlError as exc:  # e.g. the account's posts went away with a reset
            stream.error = str(exc)


def audience_item(kind: str, item_id: str, author_id: str, name: str, handle: str, text: str, post_id: str,
                  conversation_id: str, parent_id: str, created_at: str) -> dict[str, Any]:
    """What the control API reports for one created item (a dialect's ``make_audience_item`` returns this)."""
    return {"kind": kind, "id": item_id, "author": {"id": author_id, "name": name, "handle": handle},
            "text": text, "post_id": post_id, "conversation_id": conversation_id, "parent_id": parent_id,
            "created_at": created_at}


def _meta_id(prefix: str, seed: str) -> str:
    return prefix + base64.urlsafe_b64encode(hashlib.sha256(seed.encode()).digest()[:24]).decode().rstrip("=")


def _count(body: dict[str, Any], key: str, maximum: int) -> int:
    value = body.get(key, 0)
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= maximum:
        raise ControlError(f"{key} must be an integer from 0 to {maximum}")
    return value


def _url(value: Any, platform: str) -> str:
    if value is None:
        return os.environ.get("SANDBOX_WEBHOOK_TARGET", DEFAULT_TARGET).rstrip("/") + WEBHOOK_PATHS.get(platform, "/")
    if not isinstance(value, str) or not value.startswith(("http://", "https://")):
        raise ControlError("webhook_url must be an http(s) URL")
    return value


def _secret(value: Any, platform: str) -> str:
    """The app secret SMO verifies with: given, else the sandbox environment's, else the demo default."""
    if value is not None:
        if not isinstance(value, str) or not value:
            raise ControlError("secret must be a non-empty string")
        return value
    if platform == "x":
        return os.environ.get("SANDBOX_X_CONSUMER_SECRET", "smo-sandbox-consumer-secret")
    return os.environ.get("SANDBOX_META_APP_SECRET", "smo-sandbox-app-secret")
