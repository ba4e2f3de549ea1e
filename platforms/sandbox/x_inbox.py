"""X API v2 direct messages and hidden replies (reference §1.3).

DMs live in ``Store.messages`` as ``DirectMessage`` records, one per sandbox account taking part
(``account_id`` is "our side"), so both ends of a conversation between two sandbox accounts see it;
the audience simulator adds records for strangers writing to an account. One-to-one conversation
ids are X's ``"<lower user id>-<higher user id>"``. Hidden replies are kept by the dialect.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from aiohttp import web

from .dialect import Handler, json_response
from .state import DirectMessage, iso_z
from .x_common import (
    USER_FIELDS,
    Reply,
    check_query,
    csv_param,
    endpoint,
    invalid_request,
    numeric_id,
    problem,
    user_json,
)

if TYPE_CHECKING:
    from .state import Account
    from .x import XDialect

DM_READ_SCOPES = ("dm.read", "tweet.read", "users.read")
DM_WRITE_SCOPES = ("dm.write", "tweet.read", "users.read")
HIDE_SCOPES = ("tweet.moderate.write", "tweet.read", "users.read")
DM_FIELDS = {"id", "text", "event_type", "created_at", "dm_conversation_id", "sender_id", "participant_ids",
             "referenced_tweets", "attachments"}
DM_PARAMS = {"dm_event.fields", "event_types", "expansions", "user.fields", "max_results", "pagination_token",
             "tweet.fields"}
MAX_DM_LENGTH = 10000


class XInbox:
    def __init__(self, dialect: XDialect) -> None:
        self.x = dialect
        self.store = dialect.store
        self.hidden: set[str] = set()

    def reset(self) -> None:
        self.hidden = set()

    def routes(self) -> list[tuple[str, str, Handler]]:
        return [
            ("GET", "/2/dm_events", self.dm_events),
            ("POST", "/2/dm_conversations/with/{participant_id}/messages", self.send_with),
            ("POST", "/2/dm_conversations/{dm_conversation_id}/messages", self.send_in),
            ("PUT", "/2/tweets/{id}/hidden", self.hide),
        ]

    # -- direct messages --------------------------------------------------------------------

    @endpoint
    async def dm_events(self, request: web.Request) -> web.Response:
        account = self.x.caller(request, DM_READ_SCOPES)
        check_query(request, DM_PARAMS)
        fields = csv_param(request, "dm_event.fields", DM_FIELDS) | {"id", "event_type", "text"}
        types = csv_param(request, "event_types", {"MessageCreate", "ParticipantsJoin", "ParticipantsLeave"})
        raw_max = request.query.get("max_results", "100")
        if not raw_max.isdigit() or not 1 <= int(raw_max) <= 100:
            raise invalid_request(f"The `max_results` query parameter value [{raw_max}] is not between 1 and 100",
                                  {"max_results": [raw_max]})
        events = [] if types and "MessageCreate" not in types else \
            sorted(self.store.messages_for("x", account.id), key=lambda m: int(m.id), reverse=True)
        before = request.query.get("pagination_token")
        if before is not None:
            events = [m for m in events if int(m.id) < int(numeric_id(before, "pagination_token"))]
        page = events[: int(raw_max)]
        body: dict[str, Any] = {"meta": {"result_count": len(page)}}
        if page:
            body["data"] = [_event_json(m, fields) for m in page]
            body.update(self._senders(request, page))
        if len(events) > len(page):
            body["meta"]["next_token"] = page[-1].id
        return json_response(body)

    def _senders(self, request: web.Request, page: list[DirectMessage]) -> dict[str, Any]:
        if "sender_id" not in csv_param(request, "expansions", {"sender_id", "participant_ids",
                                                                 "referenced_tweets.id", "attachments.media_keys"}):
            return {}
        fields = csv_param(request, "user.fields", USER_FIELDS)
        users: dict[str, dict[str, Any]] = {}
        for message in page:
            account = self.store.accounts["x"].get(message.sender_id)
            users[message.sender_id] = (user_json(account, fields) if account else
                                        {"id": message.sender_id, "name": message.sender_name,
                                         "username": message.sender_handle})
        return {"includes": {"users": list(users.values())}}

    @endpoint
    async def send_with(self, request: web.Request) -> web.Response:
        account = self.x.caller(request, DM_WRITE_SCOPES)
        other = numeric_id(request.match_info["participant_id"], "participant_id")
        return self._send(account, other, await _text(request))

    @endpoint
    async def send_in(self, request: web.Request) -> web.Response:
        account = self.x.caller(request, DM_WRITE_SCOPES)
        conversation = request.match_info["dm_conversation_id"]
        ids = conversation.split("-")
        if len(ids) != 2 or not all(i.isdigit() for i in ids) or account.id not in ids:
            # Group conversations are not emulated; a conversation we are not in is X's 403.
            raise Reply(problem(403, "You are not a participant in this conversation.", title="Forbidden"))
        other = ids[1] if ids[0] == account.id else ids[0]
        return self._send(account, other, await _text(request))

    def _send(self, account: Account, other_id: str, text: str) -> web.Response:
        other = self.store.accounts["x"].get(other_id)
        if other is None or other.id == account.id:
            raise invalid_request(f"The participant [{other_id}] cannot receive messages from you.",
                                  {"participant_id": [other_id]})
        conversation = "-".join(sorted((account.id, other.id), key=int))
        event_id = self.store.ids.next()
        for side in (account.id, other.id):  # both are sandbox accounts: each sees the conversation
            self.store.add_message(DirectMessage(
                platform="x", id=event_id, conversation_id=conversation, account_id=side, sender_id=account.id,
                sender_name=account.name, sender_handle=account.username, recipient_id=other.id, text=text))
        return json_response({"data": {"dm_conversation_id": conversation, "dm_event_id": event_id}}, 201)

    # -- hidden replies ---------------------------------------------------------------------

    @endpoint
    async def hide(self, request: web.Request) -> web.Response:
        account = self.x.caller(request, HIDE_SCOPES)
        post_id = numeric_id(request.match_info["id"], "id")
        try:
            body = json.loads(await request.read() or b"null")
        except ValueError:
            body = None
        if not isinstance(body, dict) or not isinstance(body.get("hidden"), bool):
            raise invalid_request("The body must be {\"hidden\": true|false}", {"hidden": []})
        post = self.store.get_post("x", post_id)
        root = self.store.get_post("x", post.conversation_id) if post else None
        if post is None or not post.in_reply_to_id or root is None or root.account_id != account.id:
            raise Reply(problem(403, "You can only hide or unhide replies to conversations you started.",
                                title="Forbidden"))
        (self.hidden.add if body["hidden"] else self.hidden.discard)(post.id)
        return json_response({"data": {"hidden": body["hidden"]}})


def _event_json(message: DirectMessage, fields: set[str]) -> dict[str, Any]:
    data: dict[str, Any] = {"id": message.id, "event_type": "MessageCreate", "text": message.text}
    optional = {"created_at": iso_z(message.created_at), "dm_conversation_id": message.conversation_id,
                "sender_id": message.sender_id}
    data.update({k: v for k, v in optional.items() if k in fields})
    return data


async def _text(request: web.Request) -> str:
    try:
        body = json.loads(await request.read() or b"null")
    except ValueError:
        raise invalid_request("The request body is not valid JSON") from None
    text = body.get("text") if isinstance(body, dict) else None
    if not isinstance(text, str) or not text.strip() or len(text) > MAX_DM_LENGTH:
        raise invalid_request(f"`text` must be 1 to {MAX_DM_LENGTH} characters", {"text": []})
    return text
