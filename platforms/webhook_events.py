"""What a verified webhook delivery contains: parsing, splitting into events, stable event ids.

Pure functions; only called after the signature has been checked.

Event ids (the replay key, unique per platform) are `sha256:` + the hex SHA-256 of the event's JSON
in canonical form (sorted keys, no spaces, ASCII escapes), so a re-delivery serialised differently still
maps to the same id:
- Meta batches several entries per POST (`entry[]`, each with the page or Instagram account `id`,
  `time` and the `changes`/`messaging` content). Each entry becomes its own event, stored as
  `{"object": …, "entry": [<that entry>]}` so the inbox keeps Meta's own shape; its id is the hash
  of that. Meta has no delivery id, and `id` + `time` alone would merge two changes in one second.
- X Account Activity deliveries are one JSON object for one user (`for_user_id`) holding one kind
  of event list (`tweet_create_events`, `direct_message_events`, …); the whole object is the event
  and its hash the id, which covers kinds whose items carry no id of their own (follows, typing).
"""

from __future__ import annotations

import hashlib
import json
import re
from typing import Any

# Meta's `object` field -> our platform key; other objects (e.g. "user") are kept under "meta".
META_OBJECT_PLATFORMS = {"page": "facebook", "instagram": "instagram"}


_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


class MalformedPayload(ValueError):
    """Signed correctly, but not the JSON the platform documents."""


def parse_object(body: bytes) -> dict[str, Any]:
    try:
        payload = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise MalformedPayload(f"The body is not valid UTF-8 JSON: {exc}") from None
    if not isinstance(payload, dict):
        raise MalformedPayload("The body must be a JSON object.")
    return payload


def meta_events(payload: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """(platform, one-entry payload) for every entry of a Meta batch."""
    entries = payload.get("entry")
    if not isinstance(entries, list) or not all(isinstance(entry, dict) for entry in entries):
        raise MalformedPayload("A Meta webhook body needs an `entry` list of objects.")
    kind = payload.get("object")
    platform = META_OBJECT_PLATFORMS.get(kind, "meta") if isinstance(kind, str) else "meta"
    return [(platform, {"object": kind, "entry": [entry]}) for entry in entries]


def event_id(payload: dict[str, Any]) -> str:
    # ASCII escapes: parsed JSON may hold lone surrogates (a "\ud800" escape), which UTF-8 cannot encode.
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return "sha256:" + hashlib.sha256(canonical.encode("ascii")).hexdigest()


def account_id(platform: str, payload: dict[str, Any]) -> str:
    """Whose event it is: X's `for_user_id`, or the Meta entry's page / Instagram account id."""
    if platform == "x":
        value = payload.get("for_user_id")
    else:
        entries = payload.get("entry") or [{}]
        value = entries[0].get("id")
    return str(value)[:128] if isinstance(value, str | int) and not isinstance(value, bool) else ""


def storable(value: Any) -> Any:
    """The payload as PostgreSQL's jsonb accepts it: NUL characters dropped and lone surrogates (a
    "\\ud800" escape parses to one) replaced by U+FFFD, in every key and string. A stranger's comment
    can hold either; the stored raw body keeps the exact bytes, and the event id is computed before this."""
    if isinstance(value, str):
        return _storable_text(value)
    if isinstance(value, list):
        return [storable(item) for item in value]
    if isinstance(value, dict):
        return {_storable_text(str(key)): storable(item) for key, item in value.items()}
    return value


def _storable_text(text: str) -> str:
    text = text.replace("\x00", "")
    if _LONE_SURROGATE.search(text):
        # Through UTF-16: a valid pair becomes one character again, a lone half becomes U+FFFD.
        text = text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")
    return text
