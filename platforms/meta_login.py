"""Meta's token endpoints for logins outside Facebook's Graph host: Instagram Login and Threads.

Both speak the same dialect: a form POST for the code, GETs for the long-lived exchange and the refresh, answers
that are either the Graph envelope ``{"error": {...}}`` or api.instagram.com's flat ``{"error_type",
"error_message"}``, and a token with ``expires_in``. One place turns those answers into grants or errors, with the
secrets sent never echoed back in a message.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import requests

from platforms.errors import AuthExpired, PlatformError, TransientError
from platforms.http import build_session, network_error
from platforms.types import TokenGrant
from smo.logging import scrub


def token_request(platform: str, name: str, method: str, url: str, params: dict[str, str], *,
                  secrets: tuple[str, ...]) -> dict[str, Any]:
    """One call to a token endpoint (`name` is the platform as users read it); the answer's JSON or an error."""
    session = build_session(platform)
    try:
        response = session.request(method, url, **({"data": params} if method == "POST" else {"params": params}))
        body = response.json()
    except requests.RequestException as exc:
        raise network_error(exc, create=False, platform=name, checks="the account") from exc
    except ValueError:
        raise TransientError(f"{name} answered the sign-in with something that is not JSON "
                             f"(HTTP {response.status_code}); try again.") from None
    finally:
        session.close()
    if response.status_code >= 500:
        raise TransientError(f"{name}'s sign-in is unavailable (HTTP {response.status_code}); try again.")
    if not isinstance(body, dict) or response.status_code >= 400 or "error" in body or "error_type" in body:
        raise _refused(name, body, secrets)
    return body


def token_grant(name: str, answer: dict[str, Any], scopes: tuple[str, ...], extra: dict[str, Any]) -> TokenGrant:
    """The grant in a token answer, which must carry the token and how long it lives."""
    token, expires_in = str(answer.get("access_token") or ""), answer.get("expires_in")
    if not token or not isinstance(expires_in, int):
        raise AuthExpired(f"{name} answered the token request without a token; connect the account again.")
    return TokenGrant(access_token=token, expires_at=datetime.now(UTC) + timedelta(seconds=expires_in),
                      scopes=scopes, extra=extra)


def _refused(name: str, body: Any, secrets: tuple[str, ...]) -> PlatformError:
    error = body.get("error") if isinstance(body, dict) and isinstance(body.get("error"), dict) else body
    error = error if isinstance(error, dict) else {}
    message = scrub(str(error.get("message") or error.get("error_message") or "no details")[:300], secrets)
    return AuthExpired(f"{name} did not accept this sign-in: {message} Connect the account again.",
                       platform_code=str(error.get("code") or error.get("error_type") or ""))
