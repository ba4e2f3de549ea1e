"""Facebook Login for Pages (reference §2.1): dialog URL, code -> long-lived user token, Page list.

The user token only serves to list the Pages the admin manages; each connected Page keeps its own
Page token, which does not expire when it comes from a long-lived user token. facebook-sdk's
helpers are used on the seam's session, so the sandbox answers them in development.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from itertools import islice
from typing import Any
from urllib.parse import quote, urlencode

import requests
from django.conf import settings

from platforms.errors import AuthExpired, NotSupported
from platforms.facebook.translate import translate
from platforms.graph import facebook, graph_client
from platforms.http import rewrite_url
from platforms.types import AccountInfo, AuthorizationStart, TokenGrant

DIALOG_URL = "https://www.facebook.com/{version}/dialog/oauth"
# The instagram_* permissions let a picked Page's linked Instagram account be connected too (reference §3.1).
SCOPES = ("pages_show_list", "pages_read_engagement", "pages_manage_posts", "pages_manage_engagement",
          "pages_read_user_content", "pages_messaging", "instagram_basic", "instagram_content_publish")
PAGE_FIELDS = "id,name,access_token,tasks,instagram_business_account{id,username,name}"
MAX_PAGES = 200
# Graph codes that mean "this sign-in (code or token) is not good": connect again, not a content problem.
_BAD_SIGN_IN = frozenset({1, 100, 101, 190})


@dataclass(frozen=True)
class PageGrant:
    """One Page the signed-in user manages, with its Page token."""

    account: AccountInfo
    access_token: str
    tasks: tuple[str, ...] = ()
    instagram: AccountInfo | None = None  # the Instagram professional account linked to the Page

    def __repr__(self) -> str:  # never leak the token through logs or tracebacks
        return f"PageGrant(account={self.account!r}, access_token=<redacted>)"


def _app() -> tuple[str, str]:
    app_id, app_secret = settings.FACEBOOK_APP_ID, settings.FACEBOOK_APP_SECRET
    if not app_id or not app_secret:
        raise NotSupported("Facebook is not configured on this server: set FACEBOOK_APP_ID and FACEBOOK_APP_SECRET.")
    return app_id, app_secret


def authorization_start(redirect_uri: str) -> AuthorizationStart:
    app_id, _ = _app()
    state = secrets.token_urlsafe(32)
    params = {"client_id": app_id, "redirect_uri": redirect_uri, "state": state,
              "scope": ",".join(SCOPES), "response_type": "code"}
    base = DIALOG_URL.format(version=settings.FACEBOOK_GRAPH_VERSION)
    return AuthorizationStart(url=rewrite_url(f"{base}?{urlencode(params, quote_via=quote)}"), state=state)


def exchange_code(code: str, redirect_uri: str) -> TokenGrant:
    """Code -> short-lived user token -> long-lived user token (~60 days), with the granted scopes."""
    app_id, app_secret = _app()
    graph = graph_client("")
    short = _call(graph.get_access_token_from_code, code, redirect_uri, app_id, app_secret, secret=app_secret)
    graph = graph_client(str(short.get("access_token") or ""))
    long = _call(graph.extend_access_token, app_id, app_secret, secret=app_secret)
    token = str(long.get("access_token") or "")
    if not token:
        raise AuthExpired("Facebook returned no access token for this sign-in; connect again.")
    expires_in = long.get("expires_in")
    expires_at = datetime.now(UTC) + timedelta(seconds=int(expires_in)) if expires_in else None
    granted = _call(graph_client(token).get_connections, "me", "permissions", secret=token)
    scopes = tuple(str(p["permission"]) for p in granted.get("data", []) if p.get("status") == "granted")
    return TokenGrant(access_token=token, expires_at=expires_at, scopes=scopes)


def list_pages(user_token: str) -> list[PageGrant]:
    graph = graph_client(user_token)
    rows = _call(lambda: list(islice(graph.get_all_connections("me", "accounts", fields=PAGE_FIELDS), MAX_PAGES)),
                 secret=user_token)
    return [PageGrant(account=AccountInfo(external_id=str(row["id"]), display_name=str(row.get("name") or row["id"]),
                                          handle=str(row.get("name") or row["id"])),
                      access_token=str(row["access_token"]), tasks=tuple(row.get("tasks") or ()),
                      instagram=_instagram(row.get("instagram_business_account")))
            for row in rows if row.get("id") and row.get("access_token")]


def _instagram(linked: Any) -> AccountInfo | None:
    if not isinstance(linked, dict) or not linked.get("id"):
        return None
    handle = str(linked.get("username") or linked["id"])
    return AccountInfo(external_id=str(linked["id"]), display_name=str(linked.get("name") or handle), handle=handle)


def _call(call: Any, *args: Any, secret: str) -> Any:
    try:
        return call(*args)
    except (facebook.GraphAPIError, requests.RequestException) as exc:
        error = translate(exc, create=False, secrets=[secret])
        if isinstance(exc, facebook.GraphAPIError) and _code(exc) in _BAD_SIGN_IN:
            raise AuthExpired(f"Facebook did not accept this sign-in: {error.message} Connect again.",
                              platform_code=error.platform_code) from exc
        raise error from exc


def _code(exc: facebook.GraphAPIError) -> int | None:
    body = exc.result.get("error") if isinstance(exc.result, dict) else None
    return body.get("code") if isinstance(body, dict) else None

