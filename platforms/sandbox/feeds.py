"""The sandbox's own HTML pages: the index and one feed per account.

Everything shown comes from API callers, so every value goes through ``html.escape``. The
pages are self-contained (inline CSS, no JS) because the sandbox runs offline.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape
from typing import TYPE_CHECKING

from aiohttp import web

from .dialect import Handler, sandbox_ui
from .state import iso_z

if TYPE_CHECKING:
    from .app import Sandbox
    from .dialect import Dialect

FEED_REFRESH_S = 3
STYLE = """
body{font:15px/1.45 system-ui,sans-serif;max-width:44rem;margin:2rem auto;padding:0 1rem;color:#14171a}
h1{font-size:1.4rem}h2{font-size:1.1rem;margin-top:1.5rem}a{color:#1864ab}
.post{border:1px solid #d0d7de;border-radius:8px;padding:.7rem 1rem;margin:.6rem 0}
.post p{margin:.2rem 0 .4rem;white-space:pre-wrap;word-wrap:break-word}
.meta{color:#57606a;font-size:.85rem}.error{color:#b00020;font-weight:600}
label{display:block;margin:.8rem 0 .3rem}input[type=text]{font-size:1rem;padding:.3rem;width:16rem}
button{font-size:1rem;padding:.4rem 1.2rem;margin-right:.6rem}code{background:#f3f4f6;padding:0 .2rem}
"""


def page(title: str, body_html: str, *, status: int = 200, refresh_s: int | None = None) -> web.Response:
    """Wrap already-escaped ``body_html`` in the page shell; ``title`` is escaped here."""
    refresh = f'<meta http-equiv="refresh" content="{refresh_s}">' if refresh_s else ""
    html = (
        f'<!doctype html><html lang="en"><head><meta charset="utf-8">{refresh}'
        f"<title>{escape(title)}</title><style>{STYLE}</style></head>"
        f"<body>{body_html}</body></html>"
    )
    return web.Response(text=html, status=status, content_type="text/html")


def register_pages(app: web.Application, sandbox: Sandbox) -> None:
    @sandbox_ui
    async def index(request: web.Request) -> web.Response:
        return index_page(sandbox.dialects)

    app.router.add_get("/", index)
    for dialect in sandbox.dialects:
        app.router.add_get(dialect.prefix + "/feed/{username}", _feed_handler(dialect))


def index_page(dialects: Sequence[Dialect]) -> web.Response:
    sections = []
    for dialect in dialects:
        items = "".join(
            f'<li><a href="{escape(dialect.feed_path(account))}">@{escape(account.username)}</a> '
            f'<span class="meta">{escape(account.name)} · id {escape(account.id)}</span></li>'
            for account in dialect.store.accounts.get(dialect.name, {}).values()
        )
        sections.append(f"<h2>{escape(dialect.title)} <span class='meta'>"
                        f"<code>{escape(dialect.prefix)}</code></span></h2><ul>{items}</ul>")
    intro = ("<p>Local emulator of the platforms' APIs. Control API under "
             "<code>/_sandbox/</code> (reset, faults, tokens, creates, stats, requests).</p>")
    return page("SMO sandbox", "<h1>SMO sandbox</h1>" + intro + "".join(sections))


def _feed_handler(dialect: Dialect) -> Handler:
    @sandbox_ui
    async def feed(request: web.Request) -> web.Response:
        account = dialect.store.find_account(dialect.name, request.match_info["username"])
        if account is None:
            name = escape(request.match_info["username"])
            return page("Unknown account", f'<h1>No account @{name}</h1><p><a href="/">All accounts</a></p>',
                        status=404)
        return feed_page(dialect, account.id)

    return feed


def feed_page(dialect: Dialect, account_id: str) -> web.Response:
    store = dialect.store
    account = store.accounts[dialect.name][account_id]
    accounts = store.accounts[dialect.name]
    posts = store.timeline(dialect.name, account.id)
    items = []
    for post in posts:
        reply = ""
        if post.in_reply_to_id:
            parent = store.posts[dialect.name].get(post.in_reply_to_id)
            author = accounts.get(parent.account_id) if parent else None
            href = f"{dialect.feed_path(author)}#p{post.in_reply_to_id}" if author else "#"
            who = f"@{author.username}" if author else "a deleted post"
            reply = (f' · reply to <a href="{escape(href)}">{escape(who)} '
                     f"({escape(post.in_reply_to_id)})</a>")
        items.append(
            f'<div class="post" id="p{escape(post.id)}"><p>{escape(post.text)}</p>'
            f'<div class="meta">id {escape(post.id)} · {escape(iso_z(post.created_at))}{reply}</div></div>'
        )
    body = (
        f'<p><a href="/">All accounts</a></p><h1>{escape(account.name)} '
        f'<span class="meta">@{escape(account.username)} on {escape(dialect.title)}</span></h1>'
        f'<p class="meta">{len(posts)} posts, newest first; refreshes every {FEED_REFRESH_S} s.</p>'
        + ("".join(items) or "<p>No posts yet.</p>")
    )
    return page(f"@{account.username} on {dialect.title}", body, refresh_s=FEED_REFRESH_S)


def consent_form(action: str, fields: dict[str, str], username: str, *, label: str, suggestions: tuple[str, ...] = (),
                 approve: str = "Approve", deny: str = "Deny") -> str:
    """The Approve/Deny form of every dialect's sign-in page: the request's parameters carried along as hidden
    fields, the sandbox account to act as, and the two buttons (what tests/platforms/sandbox_browser.py plays)."""
    hidden = "".join(f'<input type="hidden" name="{escape(k)}" value="{escape(v)}">' for k, v in fields.items())
    known = "".join(f'<option value="{escape(name)}">' for name in suggestions)
    listed = ' list="accounts"' if known else ""
    return (f'<form method="post" action="{escape(action)}">{hidden}'
            f'<label for="username">{escape(label)}</label>'
            f'<input type="text" id="username" name="username" value="{escape(username)}"{listed} autocomplete="off">'
            + (f'<datalist id="accounts">{known}</datalist>' if known else "")
            + f'<p><button type="submit" name="decision" value="approve">{escape(approve)}</button>'
            f'<button type="submit" name="decision" value="deny">{escape(deny)}</button></p></form>')
