"""LinkedIn sign-in (reference §4.1): 3-legged OAuth 2.0, then the admin picks the member and/or the
organizations (Company Pages) they administer, each one a channel publishing with the member's token.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote, urlencode

import requests
from django.conf import settings

from platforms.errors import AuthExpired, NotSupported, PlatformError
from platforms.http import build_session, rewrite_url
from platforms.linkedin.client import Connection, connect
from platforms.linkedin.translate import error_detail, translate
from platforms.types import AccountInfo, AuthorizationStart, TokenGrant

AUTHORIZE_URL = "https://www.linkedin.com/oauth/v2/authorization"
TOKEN_URL = "https://www.linkedin.com/oauth/v2/accessToken"
SCOPES = ("openid", "profile", "w_member_social", "w_organization_social", "r_organization_social",
          "rw_organization_admin")
PERSON, ORGANIZATION = "urn:li:person:", "urn:li:organization:"


@dataclass(frozen=True)
class PageGrant:
    """One account the signed-in member may publish as: themself or an organization they administer."""

    account: AccountInfo
    access_token: str

    def __repr__(self) -> str:  # never leak the token through logs or tracebacks
        return f"PageGrant(account={self.account!r}, access_token=<redacted>)"


def _app() -> tuple[str, str]:
    client_id = getattr(settings, "LINKEDIN_CLIENT_ID", "") or ""
    client_secret = getattr(settings, "LINKEDIN_CLIENT_SECRET", "") or ""
    if not client_id or not client_secret:
        raise NotSupported("LinkedIn is not configured on this server: set LINKEDIN_CLIENT_ID and "
                           "LINKEDIN_CLIENT_SECRET.", platform_code="config")
    return client_id, client_secret


def authorization_start(redirect_uri: str) -> AuthorizationStart:
    client_id, _ = _app()
    state = secrets.token_urlsafe(32)
    params = {"response_type": "code", "client_id": client_id, "redirect_uri": redirect_uri, "state": state,
              "scope": " ".join(SCOPES)}
    return AuthorizationStart(url=rewrite_url(f"{AUTHORIZE_URL}?{urlencode(params, quote_via=quote)}"), state=state)


def exchange_code(code: str, redirect_uri: str) -> TokenGrant:
    client_id, client_secret = _app()
    return _token({"grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri,
                   "client_id": client_id, "client_secret": client_secret}, secret=client_secret)


def refresh(refresh_token: str) -> TokenGrant:
    """Only partner apps get refresh tokens (365 days, not extended by refreshing); others reconnect."""
    if not refresh_token:
        raise NotSupported("LinkedIn gave this app no refresh token: reconnect the channel before the token's "
                           "60 days are up.", platform_code="no-refresh")
    client_id, client_secret = _app()
    grant = _token({"grant_type": "refresh_token", "refresh_token": refresh_token, "client_id": client_id,
                    "client_secret": client_secret}, secret=client_secret, old_refresh=refresh_token)
    return grant


def _token(form: dict[str, str], *, secret: str, old_refresh: str = "") -> TokenGrant:
    hidden = [secret, form.get("code", ""), old_refresh]
    session = build_session("linkedin")
    try:
        response = session.post(TOKEN_URL, data=form, headers={"Accept": "application/json"})
    except requests.RequestException as exc:
        raise translate(exc, create=False, secrets=hidden) from exc
    finally:
        session.close()
    body = _json(response)
    if response.status_code in (400, 401):
        why = str(body.get("error_description") or body.get("error") or error_detail(response)[0])
        raise AuthExpired(f"LinkedIn did not accept this sign-in ({why[:200]}); connect again.",
                          platform_code=str(body.get("error") or response.status_code))
    if response.status_code >= 400 or not body.get("access_token"):
        raise translate(PlatformError(f"LinkedIn's token endpoint answered {response.status_code}; try again."),
                        create=False, secrets=hidden)
    now = datetime.now(UTC)
    expires_in = body.get("expires_in")
    refresh_in = body.get("refresh_token_expires_in")
    scopes = tuple(s for s in str(body.get("scope") or "").replace(",", " ").split() if s)
    extra = {"refresh_expires_at": (now + timedelta(seconds=int(refresh_in))).isoformat()} if refresh_in else {}
    return TokenGrant(access_token=str(body["access_token"]), refresh_token=str(body.get("refresh_token") or
                                                                                    old_refresh),
                      expires_at=now + timedelta(seconds=int(expires_in)) if expires_in else None,
                      scopes=scopes, extra=extra)


def _json(response: requests.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def member(conn: Connection) -> AccountInfo:
    """The signed-in member (OpenID userinfo: `sub` is the person id)."""
    info = conn.json("GET", "/v2/userinfo")
    sub = str((info or {}).get("sub") or "")
    if not sub:
        raise NotSupported("LinkedIn did not say which member signed in; try connecting again.")
    name = str(info.get("name") or " ".join(filter(None, (info.get("given_name"), info.get("family_name"))))
               or sub)
    return AccountInfo(external_id=PERSON + sub, display_name=name, handle=name,
                       avatar_url=str(info.get("picture") or ""), info={"kind": "member"})


def organization(conn: Connection, urn: str) -> AccountInfo:
    org = conn.json("GET", f"/rest/organizations/{urn.removeprefix(ORGANIZATION)}")
    name = str((org or {}).get("localizedName") or urn)
    return AccountInfo(external_id=urn, display_name=name, handle=str(org.get("vanityName") or name),
                       info={"kind": "organization"})


def administered(conn: Connection) -> list[str]:
    """URNs of the organizations the member administers (approved ADMINISTRATOR role)."""
    answer = conn.json("GET", "/rest/organizationAcls", params={"q": "roleAssignee", "role": "ADMINISTRATOR",
                                                                "state": "APPROVED", "count": 100})
    urns = [str(row.get("organization") or "") for row in (answer or {}).get("elements") or []]
    return list(dict.fromkeys(urn for urn in urns if urn.startswith(ORGANIZATION)))


def list_pages(access_token: str) -> list[PageGrant]:
    conn = connect(access_token)
    accounts = [member(conn)] + [organization(conn, urn) for urn in administered(conn)]
    return [PageGrant(account=account, access_token=access_token) for account in accounts]
