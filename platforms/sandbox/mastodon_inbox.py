"""What comes back to a Mastodon account: mention notifications, direct conversations, thread context,
and the audience simulator's strangers who reply, mention and write privately (reference §9).

Every status that names ``@username`` (or ``@username@mastodon.example``) of a local account gives that
account a ``mention`` notification; a ``direct`` status joins (or opens) the conversation of its
participants. ``GET /api/v1/notifications`` pages with ``max_id``/``since_id``/``min_id`` like Mastodon.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from aiohttp import web

from .audience import audience_item
from .dialect import Handler, json_response
from .state import Account, Post, iso_z, utcnow

if TYPE_CHECKING:
    from .mastodon import MastodonDialect

MENTION = re.compile(r"(?<![\w@])@(\w{1,30})(?:@mastodon\.example)?\b", re.IGNORECASE)
MAX_LIMIT = 80


def _num(value: str) -> int:
    try:
        return int(value)
    except ValueError:
        return 0


def page_by_id(rows: list[dict[str, Any]], query: Any, default_limit: int) -> list[dict[str, Any]]:
    """Mastodon's id pagination: newest first; ``min_id`` gives the page right after it."""
    limit = max(1, min(_num(query.get("limit") or str(default_limit)) or default_limit, MAX_LIMIT))
    rows = sorted(rows, key=lambda r: _num(r["id"]), reverse=True)
    if query.get("max_id"):
        rows = [r for r in rows if _num(r["id"]) < _num(query["max_id"])]
    if query.get("since_id"):
        rows = [r for r in rows if _num(r["id"]) > _num(query["since_id"])]
    if query.get("min_id"):
        newer = [r for r in reversed(rows) if _num(r["id"]) > _num(query["min_id"])][:limit]
        return list(reversed(newer))
    return rows[:limit]


class MastodonInbox:
    def __init__(self, dialect: MastodonDialect) -> None:
        self.dialect = dialect
        self.store = dialect.store
        self.reset()

    def reset(self) -> None:
        self.notifications: list[dict[str, Any]] = []
        self.conversations: dict[str, dict[str, Any]] = {}

    def routes(self) -> list[tuple[str, str, Handler]]:
        return [("GET", "/api/v1/notifications", self.list_notifications),
                ("GET", "/api/v1/conversations", self.list_conversations),
                ("GET", "/api/v1/statuses/{id}/context", self.context)]

    # -- recording --------------------------------------------------------------------------------

    def mentioned(self, text: str, author_id: str) -> list[Account]:
        found: dict[str, Account] = {}
        for name in MENTION.findall(text):
            account = self.store.find_account(self.dialect.name, name)
            if account is not None and account.id != author_id:
                found[account.id] = account
        return list(found.values())

    def after_create(self, post: Post, visibility: str) -> None:
        """Notify the accounts the status mentions; file a direct status into its conversation."""
        mentioned = self.mentioned(post.text, post.account_id)
        for account in mentioned:
            self.notifications.append({"id": self.store.ids.next(), "type": "mention", "account_id": account.id,
                                       "from_id": post.account_id, "status_id": post.id,
                                       "created_at": iso_z(utcnow())})
        if visibility == "direct":
            self._file(post, {post.account_id, *(a.id for a in mentioned)})

    def _file(self, post: Post, participants: set[str]) -> None:
        for conversation in self.conversations.values():
            if post.in_reply_to_id in conversation["status_ids"] or conversation["participants"] == participants:
                conversation["status_ids"].append(post.id)
                conversation["participants"] |= participants
                return
        conversation_id = self.store.ids.next()
        self.conversations[conversation_id] = {"id": conversation_id, "participants": set(participants),
                                               "status_ids": [post.id]}

    # -- handlers ---------------------------------------------------------------------------------

    async def list_notifications(self, request: web.Request) -> web.Response:
        account, failed, headers = self.dialect.caller(request)
        if failed:
            return failed
        types = set(request.query.getall("types[]", []))
        excluded = set(request.query.getall("exclude_types[]", []))
        rows = [n for n in self.notifications if n["account_id"] == account.id
                and (not types or n["type"] in types) and n["type"] not in excluded
                and self.store.get_post(self.dialect.name, n["status_id"]) is not None]
        return json_response([self._notification_json(n) for n in page_by_id(rows, request.query, 40)],
                             headers=headers)

    def _notification_json(self, row: dict[str, Any]) -> dict[str, Any]:
        sender = self.store.accounts[self.dialect.name][row["from_id"]]
        post = self.store.get_post(self.dialect.name, row["status_id"])
        return {"id": row["id"], "type": row["type"], "created_at": row["created_at"],
                "account": self.dialect.account_json(sender), "status": self.dialect.status_json(post)}

    async def list_conversations(self, request: web.Request) -> web.Response:
        account, failed, headers = self.dialect.caller(request)
        if failed:
            return failed
        rows = []
        for conversation in self.conversations.values():
            posts = [p for p in (self.store.get_post(self.dialect.name, i) for i in conversation["status_ids"]) if p]
            if account.id not in conversation["participants"] or not posts:
                continue
            others = [self.store.accounts[self.dialect.name][i] for i in sorted(conversation["participants"])
                      if i != account.id]
            rows.append({"id": conversation["id"], "unread": posts[-1].account_id != account.id,
                         "accounts": [self.dialect.account_json(a) for a in others],
                         "last_status": self.dialect.status_json(posts[-1])})
        rows.sort(key=lambda r: _num(r["last_status"]["id"]), reverse=True)
        return json_response(rows[:max(1, min(_num(request.query.get("limit") or "20") or 20, 40))],
                             headers=headers)

    async def context(self, request: web.Request) -> web.Response:
        account, failed, headers = self.dialect.caller(request)
        if failed:
            return failed
        post = self.store.get_post(self.dialect.name, request.match_info["id"])
        if post is None:
            return json_response({"error": "Record not found"}, 404, headers=headers)
        ancestors, parent_id = [], post.in_reply_to_id
        while parent_id and (parent := self.store.get_post(self.dialect.name, parent_id)) is not None:
            ancestors.insert(0, parent)
            parent_id = parent.in_reply_to_id
        descendants, frontier = [], {post.id}
        for candidate in sorted(self.store.all_posts(self.dialect.name), key=lambda p: _num(p.id)):
            if candidate.in_reply_to_id in frontier:
                descendants.append(candidate)
                frontier.add(candidate.id)
        return json_response({"ancestors": [self.dialect.status_json(p) for p in ancestors],
                              "descendants": [self.dialect.status_json(p) for p in descendants]}, headers=headers)

    # -- the audience simulator ---------------------------------------------------------------------

    def make_audience_item(self, kind: str, account: Account, post: Post | None, stranger: tuple[str, str, str],
                           text: str) -> dict[str, Any]:
        author = self._stranger_account(stranger)
        parent, visibility = None, "public"
        if kind == "comments" and post is not None:
            parent, text = post, f"@{account.username} {text}"
        elif kind == "replies" and post is not None:
            thread = [p for p in self.store.all_posts(self.dialect.name)
                      if p.in_reply_to_id == post.id and p.account_id not in (account.id, author.id)]
            parent = thread[0] if thread else post
            other = self.store.accounts[self.dialect.name][parent.account_id]
            names = [account.username] + ([other.username] if other.id != account.id else [])
            text = " ".join(f"@{n}" for n in names) + f" {text}"
        elif kind == "mentions":
            text = f"Hey @{account.username} {text}"
        else:
            visibility, text = "direct", f"@{account.username} {text}"
            parent = self._last_direct(account.id, author.id)
        created = self.dialect.add_status(author, text, visibility=visibility, in_reply_to=parent, audience=True)
        conversation = created.id
        if kind in ("comments", "replies") and post is not None:
            conversation = post.id
        elif kind == "messages":
            conversation = next(c["id"] for c in self.conversations.values() if created.id in c["status_ids"])
        return audience_item(kind, created.id, author.id, author.name, author.username, text,
                             post.id if post is not None and kind in ("comments", "replies") else "", conversation,
                             parent.id if parent is not None else "", created.created_at.isoformat())

    def _stranger_account(self, stranger: tuple[str, str, str]) -> Account:
        _, name, handle = stranger
        username = re.sub(r"\W", "_", handle)[:30]  # Mastodon usernames: letters, digits, underscores
        account = self.store.find_account(self.dialect.name, username)
        if account is None:
            account = self.store.add_account(self.dialect.name, username, name=name)
        account.name = name
        return account

    def _last_direct(self, ours: str, theirs: str) -> Post | None:
        for conversation in self.conversations.values():
            if conversation["participants"] == {ours, theirs}:
                return self.store.get_post(self.dialect.name, conversation["status_ids"][-1])
        return None
