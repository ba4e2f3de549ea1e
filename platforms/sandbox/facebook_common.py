"""Graph API wire formats shared by the Facebook dialect modules (reference §2, §13.2).

- Every answer is ``application/json``: facebook-sdk reads ``Content-Type`` unconditionally and
  ignores the HTTP status, so an error is only an error if the body has a top-level ``error``.
- Error envelope ``{"error":{"message","type","code","error_subcode"?,"fbtrace_id"}}``; the HTTP
  status is usually 400 (500/503 for the transient codes 1 and 2).
- Parameters may come from the query, a form body, a multipart body or a JSON body;
  ``load_params`` merges them (body wins) once per request, before the fault middleware
  identifies the caller, because facebook-sdk puts ``access_token`` in the POST body.
"""

from __future__ import annotations

import json
import secrets
from datetime import UTC, datetime
from typing import Any

from aiohttp import web

from .dialect import json_response

# Graph paths start with a version segment: /v21.0/...
VERSION = r"/{version:v\d{1,2}\.\d}"
# (message, default HTTP status) per Graph error code; messages as Meta words them.
GRAPH_ERRORS: dict[int, tuple[str, int]] = {
    1: ("An unknown error has occurred.", 500),
    2: ("An unexpected error has occurred. Please retry your request later.", 503),
    4: ("(#4) Application request limit reached", 400),
    10: ("(#10) Application does not have permission for this action", 400),
    17: ("(#17) User request limit reached", 400),
    32: ("(#32) Page request limit reached", 400),
    100: ("(#100) Invalid parameter", 400),
    104: ("An access token is required to request this resource.", 400),
    190: ("Error validating access token: Session has expired.", 400),
    200: ("(#200) If posting to a page, requires both pages_read_engagement and pages_manage_posts "
          "as an admin with sufficient administrative permission", 403),
    368: ("(#368) The action attempted has been deemed abusive or is otherwise disallowed", 400),
    506: ("(#506) Duplicate status message", 400),
    613: ("(#613) Calls to this api have exceeded the rate limit.", 400),
    80001: ("(#80001) There have been too many calls to this Page account. Wait a bit and try again.", 400),
}
THROTTLE_CODES = {4, 17, 32, 613, 80001}
TRANSIENT_CODES = {1, 2}
# Which Graph error an injected HTTP status becomes, unless the facebook_error_codes switch says.
STATUS_CODES: dict[int, tuple[int, int | None]] = {
    400: (100, None), 401: (190, 463), 403: (200, None), 404: (100, 33), 429: (4, None),
    500: (1, None), 502: (2, None), 503: (2, None), 504: (2, None),
}


class GraphReply(Exception):  # a control-flow signal carrying a response, hence not "...Error"
    def __init__(self, response: web.Response) -> None:
        super().__init__(response.status)
        self.response = response


def graph_error(code: int, message: str | None = None, *, subcode: int | None = None,
                status: int | None = None, headers: dict[str, str] | None = None) -> web.Response:
    default_message, default_status = GRAPH_ERRORS.get(code, (f"(#{code}) Error", 400))
    body: dict[str, Any] = {"message": message or default_message, "type": "OAuthException", "code": code}
    if subcode is not None:
        body["error_subcode"] = subcode
    if code in TRANSIENT_CODES | THROTTLE_CODES:
        body["is_transient"] = code in TRANSIENT_CODES
    body["fbtrace_id"] = secrets.token_urlsafe(8)
    return json_response({"error": body}, status or default_status, headers=headers)


def fail(code: int, message: str | None = None, **kwargs: Any) -> GraphReply:
    return GraphReply(graph_error(code, message, **kwargs))


def invalid_param(message: str) -> GraphReply:
    return fail(100, f"(#100) {message}")


def throttle_headers(account_id: str, reset_in_s: int) -> dict[str, str]:
    """``X-App-Usage`` at 100 % and a Pages ``X-Business-Use-Case-Usage`` with the wait in minutes."""
    minutes = max(1, -(-reset_in_s // 60))
    usage = {"type": "pages", "call_count": 100, "total_cputime": 30, "total_time": 40,
             "estimated_time_to_regain_access": minutes}
    return {"X-App-Usage": json.dumps({"call_count": 100, "total_cputime": 30, "total_time": 40}),
            "X-Business-Use-Case-Usage": json.dumps({account_id or "0": [usage]})}


async def load_params(request: web.Request) -> None:
    """Merge query and body parameters into ``request["fb_params"]`` (files in ``fb_files``)."""
    params: dict[str, str] = dict(request.query)
    files: dict[str, bytes] = {}
    if request.method in ("POST", "PUT", "DELETE") and request.can_read_body:
        if request.content_type == "application/json":
            params.update(_json_params(await request.read()))
        else:  # form-urlencoded and multipart; aiohttp caches the parsed form
            for name, value in (await request.post()).items():
                if isinstance(value, str):
                    params[name] = value
                else:
                    files[name] = value.file.read()
    request["fb_params"], request["fb_files"] = params, files


def _json_params(raw: bytes) -> dict[str, str]:
    try:
        body = json.loads(raw or b"{}")
    except ValueError:
        raise invalid_param("Invalid JSON for postcard") from None  # Meta's actual wording is as odd
    if not isinstance(body, dict):
        raise invalid_param("The request body must be a JSON object")
    # Nested values (attached_media) travel as JSON strings in the form dialect; normalise to that.
    return {k: v if isinstance(v, str) else json.dumps(v) for k, v in body.items()}


def params(request: web.Request) -> dict[str, str]:
    return request.get("fb_params", {})


def fb_time(moment: datetime) -> str:
    """Graph's timestamp format: ``2024-05-01T12:00:00+0000``."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S+0000")


def parse_since(raw: str | None, name: str) -> datetime | None:
    """``since``/``until``: a Unix timestamp (what SDKs send) or an ISO 8601 date."""
    if not raw:
        return None
    try:
        return datetime.fromtimestamp(int(raw), UTC)
    except ValueError:
        pass
    try:
        moment = datetime.fromisoformat(raw)
    except ValueError:
        raise invalid_param(f"The parameter {name} is not a valid time") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def public_base(request: web.Request, prefix: str) -> str:
    """The base the caller used, for paging URLs: the real origin when the HTTP seam rewrote
    it (``https://graph.facebook.com``), else the sandbox's own origin plus ``prefix``."""
    forwarded = request.headers.get("X-Forwarded-Host")
    if forwarded:
        return f"{request.headers.get('X-Forwarded-Proto', 'https')}://{forwarded}"
    return f"{request.scheme}://{request.host}{prefix}"
