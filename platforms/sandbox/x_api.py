"""X API v2 post and user endpoints (reference/platform-apis.md §1.2-1.4)."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from aiohttp import web

from .dialect import Handler, json_response
from .state import Account, Post, utcnow
from .x_common import (
    DUPLICATE_DETAIL,
    MAX_WEIGHTED_LENGTH,
    TWEET_EXPANSIONS,
    TWEET_FIELDS,
    USER_FIELDS,
    Reply,
    check_query,
    csv_param,
    endpoint,
    invalid_request,
    not_found_error,
    numeric_id,
    parse_time,
    problem,
    tweet_json,
    user_json,
    weighted_length,
)

if TYPE_CHECKING:
    from .x import XDialect

READ_SCOPES = ("tweet.read", "users.read")
WRITE_SCOPES = ("tweet.read", "tweet.write", "users.read")
USER_PARAMS = {"user.fields", "expansions", "tweet.fields"}
PAGE_PARAMS = {"max_results", "pagination_token", "since_id", "until_id", "start_time", "end_time",
               "tweet.fields", "expansions", "user.fields"}
USERNAME = re.compile(r"^[A-Za-z0-9_]{1,15}$")
DUPLICATE_WINDOW = timedelta(hours=24)


class XApi:
    def __init__(self, dialect: XDialect) -> None:
        self.x = dialect
        self.store = dialect.store

    def routes(self) -> list[tuple[str, str, Handler]]:
        # Order matters: literal paths (/2/users/me, /search/recent) before {id} patterns.
        return [
            ("POST", "/2/tweets", self.create_tweet),
            ("GET", "/2/tweets", self.get_tweets),
            ("GET", "/2/tweets/search/recent", self.search_recent),
            ("GET", "/2/tweets/{id}", self.get_tweet),
            ("DELETE", "/2/tweets/{id}", self.delete_tweet),
            ("GET", "/2/users/me", self.me),
            ("GET", "/2/users/by/username/{username}", self.user_by_username),
            ("GET", "/2/users/{id}", self.user_by_id),
            ("GET", "/2/users/{id}/tweets", self.user_tweets),
            ("GET", "/2/users/{id}/mentions", self.user_mentions),
        ]

    # -- writes -----------------------------------------------------------------------------

    @endpoint
    async def create_tweet(self, request: web.Request) -> web.Response:
        account = self.x.caller(request, WRITE_SCOPES)
        body = await _json_object(request)
        # No await from here on: validation, the duplicate check and the insert are atomic.
        post = self._validated_post(account, body, request["request_id"])
        self._reject_duplicate(account, post.text)
        self.store.add_post(post)
        return json_response({"data": {"id": post.id, "text": post.text,
                                       "edit_history_tweet_ids": [post.id]}}, 201)

    def _validated_post(self, account: Account, body: dict[str, Any], request_id: str) -> Post:
        text = body.get("text")
        media_ids = _media_ids(body.get("media"))
        poll = _poll(body.get("poll"))
        if text is not None and not isinstance(text, str):
            raise invalid_request("`text` must be a string", {"text": [str(text)]})
        if not text and not media_ids:
            raise invalid_request("Your request must include `text` unless `media.media_ids` is given",
                                  {"text": [""]})
        if poll and (media_ids or body.get("quote_tweet_id") is not None):
            # X's create-post reference: a poll is mutually exclusive with media and quote_tweet_id.
            raise invalid_request("A Tweet cannot have a `poll` together with `media` or `quote_tweet_id`",
                                  {"poll": ["…"]})
        if media_ids:
            self.x.media.ready(account, media_ids)
        text = text or ""
        if weighted_length(text) > MAX_WEIGHTED_LENGTH:
            raise invalid_request(f"Tweet text is too long: weighted length {weighted_length(text)} is "
                                  f"over {MAX_WEIGHTED_LENGTH}", {"text": [text[:40]]})
        parent = self._referenced(body.get("reply"), "in_reply_to_tweet_id",
                                  "You attempted to reply to a Tweet that is deleted or not visible to you.")
        quoted = self._referenced(body, "quote_tweet_id", "The quoted Tweet is deleted or not visible to you.")
        post_id = self.store.ids.next()
        return Post(
            platform="x", id=post_id, account_id=account.id, text=text, request_id=request_id,
            in_reply_to_id=parent.id if parent else None,
            in_reply_to_account_id=parent.account_id if parent else None,
            conversation_id=parent.conversation_id if parent else post_id,
            quote_id=quoted.id if quoted else None, media_ids=media_ids, poll=poll,
        )

    def _referenced(self, container: Any, key: str, message: str) -> Post | None:
        if not isinstance(container, dict) or container.get(key) is None:
            return None
        value = str(container[key])
        post = self.store.get_post("x", value) if value.isdigit() else None
        if post is None:
            raise invalid_request(message, {key: [value]})
        return post

    def _reject_duplicate(self, account: Account, text: str) -> None:
        """X refuses an account's text identical to one of its recent, still-live posts (403).
        The fault switch ``x_duplicate_check: false`` turns this off so double posts land."""
        if not text or not self.x.faults.switch("x_duplicate_check"):
            return
        since = utcnow() - DUPLICATE_WINDOW
        for post in self.store.timeline("x", account.id):
            if post.created_at < since:
                break
            if post.text == text:
                raise Reply(problem(403, DUPLICATE_DETAIL, title="Forbidden"))

    @endpoint
    async def delete_tweet(self, request: web.Request) -> web.Response:
        account = self.x.caller(request, WRITE_SCOPES)
        post_id = numeric_id(request.match_info["id"], "id")
        post = self.store.get_post("x", post_id)
        if post is None:
            # Unverified against X: an unknown or already deleted post answers a 404 problem.
            detail = f"Could not find tweet with id: [{post_id}]."
            return problem(404, detail, title="Not Found Error",
                           type_="https://api.twitter.com/2/problems/resource-not-found")
        if post.account_id != account.id:
            return problem(403, "You are not allowed to delete a Tweet you did not create.")
        post.deleted = True
        return json_response({"data": {"deleted": True}})

    # -- post reads -------------------------------------------------------------------------

    @endpoint
    async def get_tweet(self, request: web.Request) -> web.Response:
        self.x.caller(request, READ_SCOPES)
        check_query(request, {"tweet.fields", "expansions", "user.fields"})
        post_id = numeric_id(request.match_info["id"], "id")
        post = self.store.get_post("x", post_id)
        if post is None:
            return json_response({"errors": [not_found_error("tweet", "id", post_id)]})
        return json_response({"data": tweet_json(post, csv_param(request, "tweet.fields", TWEET_FIELDS)),
                              **self._includes(request, [post])})

    @endpoint
    async def get_tweets(self, request: web.Request) -> web.Response:
        self.x.caller(request, READ_SCOPES)
        check_query(request, {"ids", "tweet.fields", "expansions", "user.fields"})
        ids = [v for v in request.query.get("ids", "").split(",") if v]
        if not 1 <= len(ids) <= 100:
            raise invalid_request("The `ids` query parameter must hold 1 to 100 ids", {"ids": ids})
        fields = csv_param(request, "tweet.fields", TWEET_FIELDS)
        found = [p for p in (self.store.get_post("x", numeric_id(i, "ids")) for i in ids) if p]
        missing = [i for i in ids if not self.store.get_post("x", i)]
        body: dict[str, Any] = {}
        if found:
            body["data"] = [tweet_json(p, fields) for p in found]
            body.update(self._includes(request, found))
        if missing:
            body["errors"] = [not_found_error("tweet", "ids", i) for i in missing]
        return json_response(body)

    @endpoint
    async def user_tweets(self, request: web.Request) -> web.Response:
        self.x.caller(request, READ_SCOPES)
        check_query(request, PAGE_PARAMS | {"exclude"})
        owner = self._user_or_error(request)
        exclude = csv_param(request, "exclude", {"replies", "retweets"})
        posts = [p for p in self.store.timeline("x", owner.id)
                 if not ("replies" in exclude and p.in_reply_to_id)]
        return self._page(request, posts, low=5, high=100)

    @endpoint
    async def user_mentions(self, request: web.Request) -> web.Response:
        self.x.caller(request, READ_SCOPES)
        check_query(request, PAGE_PARAMS)
        owner = self._user_or_error(request)
        mention = _mention_pattern(owner.username)
        posts = [p for p in self.store.all_posts("x") if p.account_id != owner.id and mention(p.text)]
        return self._page(request, posts, low=5, high=100)

    @endpoint
    async def search_recent(self, request: web.Request) -> web.Response:
        """A small subset of X's query language: ``conversation_id:``, ``from:``, ``to:``,
        ``@user``, ``is:reply``/``-is:reply``, ``-is:retweet`` (ignored), plain words (AND) and ``OR``."""
        self.x.caller(request, READ_SCOPES)
        check_query(request, PAGE_PARAMS | {"query", "next_token", "sort_order"})
        query = request.query.get("query", "")
        if not 1 <= len(query) <= 512:
            raise invalid_request("The `query` parameter must be 1 to 512 characters", {"query": [query]})
        # AND binds tighter than OR, as in X's query language; parentheses are not supported.
        groups = [[self._query_term(term) for term in group.split()] for group in query.split(" OR ")]
        since = utcnow() - timedelta(days=7)
        posts = [p for p in self.store.all_posts("x")
                 if p.created_at >= since and any(all(test(p) for test in group) for group in groups if group)]
        return self._page(request, posts, low=10, high=100)

    def _query_term(self, term: str) -> Callable[[Post], bool]:
        operator, _, value = term.partition(":")
        lowered = term.lower()
        if operator == "conversation_id" and value:
            return lambda p: p.conversation_id == value
        if operator in ("from", "to") and value:
            account = self.store.find_account("x", value)
            wanted = account.id if account else None
            if operator == "from":
                return lambda p: p.account_id == wanted
            return lambda p: p.in_reply_to_account_id == wanted
        if lowered in ("is:reply", "-is:reply"):
            negate = lowered.startswith("-")
            return lambda p: bool(p.in_reply_to_id) != negate
        if lowered == "-is:retweet":
            return lambda p: True  # the sandbox has no retweets
        if term.startswith("@"):
            return lambda p: _mention_pattern(term[1:])(p.text)
        return lambda p: lowered in p.text.lower()

    # -- users ------------------------------------------------------------------------------

    @endpoint
    async def me(self, request: web.Request) -> web.Response:
        account = self.x.caller(request, READ_SCOPES)
        check_query(request, USER_PARAMS)
        return json_response({"data": user_json(account, csv_param(request, "user.fields", USER_FIELDS))})

    @endpoint
    async def user_by_id(self, request: web.Request) -> web.Response:
        self.x.caller(request, READ_SCOPES)
        check_query(request, USER_PARAMS)
        user_id = numeric_id(request.match_info["id"], "id")
        account = self.store.accounts["x"].get(user_id)
        if account is None:
            return json_response({"errors": [not_found_error("user", "id", user_id)]})
        return json_response({"data": user_json(account, csv_param(request, "user.fields", USER_FIELDS))})

    @endpoint
    async def user_by_username(self, request: web.Request) -> web.Response:
        self.x.caller(request, READ_SCOPES)
        check_query(request, USER_PARAMS)
        username = request.match_info["username"]
        if not USERNAME.match(username):
            raise invalid_request(f"The `username` query parameter value [{username}] does not match "
                                  "^[A-Za-z0-9_]{1,15}$", {"username": [username]})
        account = self.store.find_account("x", username)
        if account is None or account.id == username:
            return json_response({"errors": [not_found_error("user", "username", username)]})
        return json_response({"data": user_json(account, csv_param(request, "user.fields", USER_FIELDS))})

    def _user_or_error(self, request: web.Request) -> Account:
        user_id = numeric_id(request.match_info["id"], "id")
        account = self.store.accounts["x"].get(user_id)
        if account is None:
            raise Reply(json_response({"errors": [not_found_error("user", "id", user_id)]}))
        return account

    # -- pages and expansions ---------------------------------------------------------------

    def _page(self, request: web.Request, posts: list[Post], *, low: int, high: int) -> web.Response:
        """One page of ``posts`` (newest first) with X's filters, ``meta`` and ``next_token``."""
        query = request.query
        raw_max = query.get("max_results", "10")
        if not raw_max.isdigit() or not low <= int(raw_max) <= high:
            raise invalid_request(f"The `max_results` query parameter value [{raw_max}] is not between "
                                  f"{low} and {high}", {"max_results": [raw_max]})
        since_id = int(numeric_id(query["since_id"], "since_id")) if "since_id" in query else None
        until_id = int(numeric_id(query["until_id"], "until_id")) if "until_id" in query else None
        start, end = parse_time(request, "start_time"), parse_time(request, "end_time")
        before = _decode_token(query.get("pagination_token") or query.get("next_token"))
        fields = csv_param(request, "tweet.fields", TWEET_FIELDS)
        selected = [
            p for p in posts
            if (since_id is None or int(p.id) > since_id) and (until_id is None or int(p.id) < until_id)
            and (start is None or p.created_at >= start) and (end is None or p.created_at < end)
            and (before is None or int(p.id) < before)
        ]
        page = selected[: int(raw_max)]
        meta: dict[str, Any] = {"result_count": len(page)}
        body: dict[str, Any] = {}
        if page:
            body["data"] = [tweet_json(p, fields) for p in page]
            body.update(self._includes(request, page))
            meta.update(newest_id=page[0].id, oldest_id=page[-1].id)
        if len(selected) > len(page):
            meta["next_token"] = _encode_token(page[-1].id)
        body["meta"] = meta
        return json_response(body)

    def _includes(self, request: web.Request, posts: list[Post]) -> dict[str, Any]:
        expansions = csv_param(request, "expansions", TWEET_EXPANSIONS)
        user_fields = csv_param(request, "user.fields", USER_FIELDS)
        tweet_fields = csv_param(request, "tweet.fields", TWEET_FIELDS)
        accounts = self.store.accounts["x"]
        user_ids: dict[str, None] = {}
        tweets: dict[str, Post] = {}
        for post in posts:
            if "author_id" in expansions:
                user_ids[post.account_id] = None
            if "in_reply_to_user_id" in expansions and post.in_reply_to_account_id:
                user_ids[post.in_reply_to_account_id] = None
            if "referenced_tweets.id" in expansions:
                for ref in (post.in_reply_to_id, post.quote_id):
                    referenced = self.store.get_post("x", ref) if ref else None
                    if referenced:
                        tweets[referenced.id] = referenced
        includes: dict[str, Any] = {}
        if user_ids:
            includes["users"] = [user_json(accounts[i], user_fields) for i in user_ids if i in accounts]
        if tweets:
            includes["tweets"] = [tweet_json(p, tweet_fields) for p in tweets.values()]
        return {"includes": includes} if includes else {}


async def _json_object(request: web.Request) -> dict[str, Any]:
    try:
        body = json.loads(await request.read() or b"null")
    except ValueError:
        raise invalid_request("The request body is not valid JSON") from None
    if not isinstance(body, dict):
        raise invalid_request("The request body must be a JSON object")
    return body


def _media_ids(media: Any) -> tuple[str, ...]:
    if media is None:
        return ()
    ids = media.get("media_ids") if isinstance(media, dict) else None
    if not isinstance(ids, list) or not 1 <= len(ids) <= 4 or not all(str(i).isdigit() for i in ids):
        raise invalid_request("`media.media_ids` must hold 1 to 4 numeric ids", {"media.media_ids": [str(ids)]})
    return tuple(str(i) for i in ids)


def _poll(poll: Any) -> dict[str, Any] | None:
    if poll is None:
        return None
    options = poll.get("options") if isinstance(poll, dict) else None
    duration = poll.get("duration_minutes") if isinstance(poll, dict) else None
    valid_options = isinstance(options, list) and 2 <= len(options) <= 4 and all(
        isinstance(o, str) and 1 <= len(o) <= 25 for o in options)
    if not valid_options or not isinstance(duration, int) or not 5 <= duration <= 10080:
        raise invalid_request("`poll` needs 2-4 options of 1-25 characters and duration_minutes 5-10080",
                              {"poll": [json.dumps(poll)]})
    return {"options": options, "duration_minutes": duration}


def _mention_pattern(username: str) -> Callable[[str], bool]:
    pattern = re.compile(rf"(?<![A-Za-z0-9_])@{re.escape(username)}(?![A-Za-z0-9_])", re.IGNORECASE)
    return lambda text: bool(pattern.search(text))


def _encode_token(post_id: str) -> str:
    # Opaque to clients like X's tokens: base36 of the last id on the page.
    number, digits = int(post_id), ""
    while number:
        number, rest = divmod(number, 36)
        digits = "0123456789abcdefghijklmnopqrstuvwxyz"[rest] + digits
    return digits or "0"


def _decode_token(token: str | None) -> int | None:
    if token is None:
        return None
    try:
        return int(token, 36)
    except ValueError:
        raise invalid_request(f"The `pagination_token` query parameter value [{token}] is not valid",
                              {"pagination_token": [token]}) from None
