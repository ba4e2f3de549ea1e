"""Who else has a conversation open, and who is typing a reply: collision safety for the inbox.

Kept in the cache (CACHE_URL: Redis shared by all web processes; the per-process memory cache otherwise),
never in the database: it is seconds-old, throwaway state. Each open conversation pings every 10 s; an
entry older than PRESENCE_TTL_S is gone. Concurrent pings may overwrite each other's entry for one round,
which the next ping repairs — acceptable for a hint, and it needs no lock.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from django.core.cache import cache

PRESENCE_TTL_S = 25  # two missed pings and a bit
REPLYING_TTL_S = 12  # "is replying" fades this long after the last keystroke ping
STATES = ("viewing", "replying")


@dataclass(frozen=True)
class Presence:
    user_id: int
    name: str
    state: str  # "viewing" or "replying"


def _key(conversation_id: int) -> str:
    return f"inbox:presence:{conversation_id}"


def _fresh(entries: dict[str, list[Any]], now: float) -> dict[str, list[Any]]:
    return {uid: entry for uid, entry in entries.items() if now - entry[2] < PRESENCE_TTL_S}


def presence_ping(conversation_id: int, user: Any, state: str = "viewing", now: float | None = None) -> None:
    """`user` has the conversation open (state "viewing") or is typing a reply in it ("replying")."""
    now = time.time() if now is None else now
    state = state if state in STATES else "viewing"
    entries = _fresh(cache.get(_key(conversation_id)) or {}, now)
    previous = entries.get(str(user.pk))
    replying_since = now if state == "replying" else (previous[3] if previous and len(previous) > 3 else 0)
    name = (user.get_full_name() or user.get_username())[:100]
    entries[str(user.pk)] = [name, state, now, replying_since]
    cache.set(_key(conversation_id), entries, timeout=PRESENCE_TTL_S * 2)


def presence_leave(conversation_id: int, user: Any) -> None:
    entries = cache.get(_key(conversation_id)) or {}
    if entries.pop(str(user.pk), None) is not None:
        cache.set(_key(conversation_id), entries, timeout=PRESENCE_TTL_S * 2)


def presence_others(conversation_id: int, user_id: int | None, now: float | None = None) -> list[Presence]:
    """Everyone but `user_id` with the conversation open, those replying first."""
    now = time.time() if now is None else now
    found = []
    for uid, entry in _fresh(cache.get(_key(conversation_id)) or {}, now).items():
        if str(uid) == str(user_id):
            continue
        replying = len(entry) > 3 and now - entry[3] < REPLYING_TTL_S
        found.append(Presence(int(uid), entry[0], "replying" if replying else "viewing"))
    return sorted(found, key=lambda p: (p.state != "replying", p.name))
