"""How the Facebook dialect renders posts and comments, and pages through lists."""

from __future__ import annotations

import base64
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import urlencode

from aiohttp import web

from .dialect import json_response
from .facebook_common import fb_time, invalid_param, params, public_base
from .state import Comment, Post

if TYPE_CHECKING:
    from .facebook import FacebookDialect

T = TypeVar("T")
POST_FIELDS = {"id", "message", "created_time", "updated_time", "permalink_url", "link", "from",
               "full_picture", "is_published", "status_type", "attachments"}
COMMENT_FIELDS = {"id", "message", "created_time", "from", "parent", "permalink_url", "like_count",
                  "comment_count", "is_hidden"}
DEFAULTS = {"post": ("created_time", "message", "id"), "comment": ("created_time", "from", "message", "id")}
NODE_TYPES = {"post": ("PagePost", POST_FIELDS), "comment": ("Comment", COMMENT_FIELDS)}
DEFAULT_LIMIT, MAX_LIMIT = 25, 100


def node_fields(raw: str, kind: str) -> tuple[str, ...]:
    """The requested ``fields`` (default set when empty); unknown ones are Graph's #100."""
    if not raw:
        return DEFAULTS[kind]
    node_type, allowed = NODE_TYPES[kind]
    # Field expansion such as from{name} is accepted and answered with the default sub-fields.
    names = tuple(dict.fromkeys(f.split("{", 1)[0].split(".", 1)[0].strip() for f in raw.split(",") if f.strip()))
    for name in names:
        if name not in allowed:
            raise invalid_param(f"Tried accessing nonexisting field ({name}) on node type ({node_type})")
    return names


def permalink(post: Post) -> str:
    page_id, _, number = post.id.partition("_")
    return f"https://www.facebook.com/{page_id}/posts/{number}"


def post_json(fb: FacebookDialect, post: Post, fields: Sequence[str]) -> dict[str, Any]:
    author = fb.store.accounts[fb.name].get(post.account_id)
    photos = [fb.photos[m]["url"] for m in post.media_ids if m in fb.photos]
    values: dict[str, Any] = {
        "id": post.id, "message": post.text or None, "created_time": fb_time(post.created_at),
        "updated_time": fb_time(post.created_at), "permalink_url": permalink(post),
        "link": fb.links.get(post.id), "from": {"name": author.name, "id": author.id} if author else None,
        "full_picture": photos[0] if photos else None, "is_published": post.id not in fb.unpublished,
        "status_type": "added_photos" if photos else "shared_story" if post.id in fb.links else "mobile_status_update",
        "attachments": _attachments(photos) if photos else None,
    }
    return {name: values[name] for name in fields if values.get(name) is not None}


def _attachments(photos: list[str]) -> dict[str, Any]:
    media = [{"media": {"image": {"src": url}}, "type": "photo"} for url in photos]
    if len(media) == 1:
        return {"data": media}
    return {"data": [{"type": "album", "subattachments": {"data": media}}]}


def comment_json(fb: FacebookDialect, comment: Comment, fields: Sequence[str]) -> dict[str, Any]:
    page_id, _, number = comment.post_id.partition("_")
    replies = sum(1 for c in fb.store.comments_on(fb.name, comment.post_id) if c.parent_id == comment.id)
    values: dict[str, Any] = {
        "id": comment.id, "message": comment.text, "created_time": fb_time(comment.created_at),
        "from": {"name": comment.author_name, "id": comment.author_id},
        "parent": {"id": comment.parent_id} if comment.parent_id else None,
        "permalink_url": f"https://www.facebook.com/{page_id}/posts/{number}"
                         f"?comment_id={comment.id.rsplit('_', 1)[-1]}",
        "like_count": 0, "comment_count": replies, "is_hidden": comment.hidden,
    }
    return {name: values[name] for name in fields if values.get(name) is not None}


def _cursor(value: str) -> str:
    return base64.urlsafe_b64encode(value.encode()).decode().rstrip("=")


def _uncursor(value: str) -> str:
    try:
        return base64.urlsafe_b64decode(value + "=" * (-len(value) % 4)).decode()
    except ValueError:
        raise invalid_param("The after parameter is not a valid cursor") from None


def paginate(fb: FacebookDialect, request: web.Request, items: Sequence[T],
             render: Callable[[T], dict[str, Any]]) -> web.Response:
    """``{"data", "paging": {"cursors", "next"?}}``; ``next`` repeats the query plus the token."""
    p = params(request)
    raw_limit = p.get("limit", str(DEFAULT_LIMIT))
    if not raw_limit.isdigit():
        raise invalid_param("The parameter limit must be a number")
    limit = min(max(int(raw_limit), 1), MAX_LIMIT)
    ids = [str(getattr(item, "id", "")) for item in items]  # posts, comments and Pages all have ids
    start = 0
    if p.get("after"):
        after = _uncursor(p["after"])
        start = ids.index(after) + 1 if after in ids else len(ids)
    chunk = [render(item) for item in items[start:start + limit]]
    chunk_ids = ids[start:start + limit]
    body: dict[str, Any] = {"data": chunk}
    if chunk:
        body["paging"] = {"cursors": {"before": _cursor(chunk_ids[0]), "after": _cursor(chunk_ids[-1])}}
        if start + limit < len(ids):
            query = {k: v for k, v in p.items() if k != "after"}
            query.update(access_token=fb.token_value(request), limit=str(limit), after=_cursor(chunk_ids[-1]))
            path = request.path.removeprefix(fb.prefix)
            body["paging"]["next"] = f"{public_base(request, fb.prefix)}{path}?{urlencode(query)}"
    return json_response(body)
