"""One UPDATE for every thread an ingest touched: counts, newest item, other party, title, post.

Hand-written SQL because it is the hot spot of ingestion: the ORM needs one conditional UPDATE per
thread, and compiling those Case/When expressions cost more than the rest of a webhook batch together.
`WITH v(...) AS (VALUES …) UPDATE … FROM v` is the same text on PostgreSQL and on SQLite 3.33+; older
SQLite takes the ORM route in inbox.ingest (same rules). Table and column names come from the models.

Every SET expression reads the row as it was before this statement (SQL semantics on both backends),
so each condition is the compare-and-set it replaces: the newest item only moves forward, the other
party and the title are filled in only where unknown, a concurrent worker's newer values survive.
"""

from __future__ import annotations

from dataclasses import astuple, dataclass
from datetime import datetime

from django.db import connection

from inbox.models import Conversation, InboxItem

CHUNK = 500  # threads per statement: 10 parameters each stays far below SQLite's variable limit


@dataclass(frozen=True)
class ThreadNews:
    """What one thread learns from its new items; "" means "nothing to tell"."""

    last_item_at: datetime
    snippet: str
    author_id: str  # the other party, if an item from someone else came in
    author_name: str
    author_handle: str
    author_avatar_url: str
    title: str  # a DM or mention thread is titled by who wrote
    post_external_id: str  # our post the thread hangs off, when an item said so


def supported() -> bool:
    if connection.vendor == "postgresql":
        return True
    return connection.vendor == "sqlite" and connection.Database.sqlite_version_info >= (3, 33, 0)


def threads_update(news: dict[int, ThreadNews]) -> None:
    """Apply ThreadNews to conversations by primary key, and recount their items from the rows."""
    pks = list(news)
    for start in range(0, len(pks), CHUNK):
        _update({pk: news[pk] for pk in pks[start:start + CHUNK]})


def _update(news: dict[int, ThreadNews]) -> None:
    q = connection.ops.quote_name
    table = q(Conversation._meta.db_table)

    def c(name: str) -> str:
        return f"{table}.{q(Conversation._meta.get_field(name).column)}"

    at_field = Conversation._meta.get_field("last_item_at")
    values, params = [], []
    for pk, one in news.items():
        values.append("(%s, %s, %s, %s, %s, %s, %s, %s, %s)")
        row = list(astuple(one))
        row[0] = at_field.get_db_prep_value(one.last_item_at, connection)  # the ORM's own format (SQLite: text)
        params += [pk, *row]
    newer = f"({c('last_item_at')} IS NULL OR {c('last_item_at')} < v.at)"
    unnamed = f"(v.party <> '' AND ({c('author_id')} = '' OR ({c('author_id')} = v.party AND {c('author_name')} = '')))"
    item_table = q(InboxItem._meta.db_table)
    item_thread = q(InboxItem._meta.get_field("conversation").column)
    sets = {
        "item_count": f"(SELECT COUNT(*) FROM {item_table} WHERE {item_table}.{item_thread} = {c('id')})",
        "last_item_at": f"CASE WHEN {newer} THEN v.at ELSE {c('last_item_at')} END",
        "snippet": f"CASE WHEN {newer} THEN v.snippet ELSE {c('snippet')} END",
        "author_id": f"CASE WHEN {unnamed} THEN v.party ELSE {c('author_id')} END",
        "author_name": f"CASE WHEN {unnamed} THEN v.party_name ELSE {c('author_name')} END",
        "author_handle": f"CASE WHEN {unnamed} THEN v.party_handle ELSE {c('author_handle')} END",
        "author_avatar_url": f"CASE WHEN {unnamed} THEN v.party_avatar ELSE {c('author_avatar_url')} END",
        "title": f"CASE WHEN v.title <> '' AND {c('title')} = '' THEN v.title ELSE {c('title')} END",
        "post_external_id": (f"CASE WHEN v.post <> '' AND {c('post_external_id')} = '' THEN v.post "
                             f"ELSE {c('post_external_id')} END"),
    }
    assignments = ", ".join(f"{q(Conversation._meta.get_field(name).column)} = {sql}" for name, sql in sets.items())
    sql = (f"WITH v (id, at, snippet, party, party_name, party_handle, party_avatar, title, post) AS "
           f"(VALUES {', '.join(values)}) UPDATE {table} SET {assignments} FROM v WHERE {c('id')} = v.id")
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
