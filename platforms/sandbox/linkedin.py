"""The LinkedIn dialect (reference §4) under ``/linkedin`` (api.linkedin.com and www.linkedin.com).

Accounts are members (``urn:li:person:{id}``) and organizations (``urn:li:organization:{id}``); tokens
always belong to a member, who may act for the organizations they administer. ``/rest/*`` calls need
``LinkedIn-Version: YYYYMM`` (an active version: the last 12 months) and ``X-Restli-Protocol-Version:
2.0.0``; errors are ``{"status", "code", "serviceErrorCode"?, "message"}``. The OAuth pages and the token
endpoint are here, the REST API in ``linkedin_api.py``.
"""

from __future__ import annotations

import secrets
import time
from html import escape
from typing import Any, ClassVar
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from aiohttp import web

from .control import ControlError
from .dialect import Dialect, json_response
from .faults import FaultEngine
from .feeds import consent_form, page
from .linkedin_api import LinkedInApi
from .linkedin_common import ORGANIZATION, PERSON, error
from .state import Account, AuthCode, Post, Store

TOKEN_LIFETIME_S = 60 * 24 * 3600
REFRESH_LIFETIME_S = 365 * 24 * 3600
CODE_LIFETIME_S = 30 * 60  # LinkedIn's authorization codes live 30 minutes
SEED_MEMBERS = (("smo_demo", "smoDemo0001", "SMO Demo"), ("sandbox_fan", "sAndFan0002", "Sandbox Fan"))
SEED_ORGS = (("smo_demo_company", "100000001", "SMO Demo Company"),
             ("smo_second_company", "100000002", "SMO Second Company"))
DEFAULT_SCOPES = ("openid", "profile", "w_member_social", "w_organization_social", "r_organization_social",
                  "rw_organization_admin")
def urn_of(account: Account, organizations: dict[str, set[str]]) -> str:
    return (ORGANIZATION if account.id in organizations else PERSON) + account.id


class LinkedInDialect(Dialect):
    name = "linkedin"
    title = "LinkedIn"
    prefixes = ("/linkedin",)
    audience_kinds: tuple[str, ...] = ("comments", "replies")
    # linkedin_processing_polls: status reads answering PROCESSING for documents and videos;
    # linkedin_refresh_tokens: issue refresh tokens (LinkedIn does for approved partner apps only);
    # linkedin_duplicate_check: refuse the same commentary and content from one author within a day.
    switches: ClassVar[dict[str, Any]] = {"linkedin_processing_polls": 1, "linkedin_refresh_tokens": False,
                                          "linkedin_duplicate_check": True}

    def __init__(self, store: Store, faults: FaultEngine) -> None:
        super().__init__(store, faults)
        self.api = LinkedInApi(self)
        self.organizations: dict[str, set[str]] = {}  # org id -> ids of the members who administer it

    def seed(self, store: Store) -> None:
        self.api.reset()
        self.organizations = {}
        for username, account_id, name in SEED_MEMBERS:
            store.add_account(self.name, username, account_id=account_id, name=name)
        for username, account_id, name in SEED_ORGS:
            store.add_account(self.name, username, account_id=account_id, name=name)
            self.organizations[account_id] = {SEED_MEMBERS[0][1]}

    def register(self, app: web.Application) -> None:
        p = self.prefix
        app.router.add_get(p + "/oauth/v2/authorization", self.authorize)
        app.router.add_post(p + "/oauth/v2/authorization", self.decide)
        app.router.add_post(p + "/oauth/v2/accessToken", self.token)
        app.router.add_get(p + "/feed/update/{urn}", self.permalink)
        self.api.register(app, p)
        app.router.add_route("*", p + "/{tail:.*}", self.not_found)

    async def not_found(self, request: web.Request) -> web.Response:
        return error(404, f"No virtual resource found for {request.path.removeprefix(self.prefix)}",
                     code="RESOURCE_NOT_FOUND")

    # -- who is calling -------------------------------------------------------------------------

    def urn(self, account: Account) -> str:
        return urn_of(account, self.organizations)

    def account_for_urn(self, urn: str) -> Account | None:
        for prefix in (PERSON, ORGANIZATION):
            if urn.startswith(prefix):
                account = self.store.accounts[self.name].get(urn.removeprefix(prefix))
                if account is not None and (prefix == ORGANIZATION) == (account.id in self.organizations):
                    return account
        return None

    def may_act_as(self, member: Account, urn: str) -> bool:
        """A member acts as themself and as the organizations they administer."""
        if urn == PERSON + member.id:
            return True
        return urn.startswith(ORGANIZATION) and member.id in self.organizations.get(urn.removeprefix(ORGANIZATION),
                                                                                   set())

    def identify(self, request: web.Request) -> Account | None:
        scheme, _, value = request.headers.get("Authorization", "").partition(" ")
        token = self.store.find_token(value.strip(), "access") if scheme.lower() == "bearer" else None
        if token is None or token.platform != self.name:
            return None
        return self.store.accounts[self.name].get(token.account_id)

    def fault_response(self, request: web.Request, status: int, reset_at: int | None) -> web.Response:
        if status == 401:
            return error(401, service_code=65600)
        return error(status)

    def mint_tokens(self, account: Account, scopes: list[str] | None, expires_in: int | None,
                    client_id: str) -> dict[str, Any]:
        """Tokens of the member; for an organization, of its first administrator, acting as the organization."""
        admins = sorted(self.organizations.get(account.id, set()))
        member = self.store.accounts[self.name][admins[0]] if admins else account
        granted = tuple(scopes) if scopes is not None else DEFAULT_SCOPES
        lifetime = TOKEN_LIFETIME_S if expires_in is None else expires_in
        refresh = bool(self.faults.switch("linkedin_refresh_tokens"))
        access, refresh_token = self.store.issue_tokens(member, granted, client_id=client_id, expires_in=lifetime,
                                                        refresh=refresh, grant=f"mint:{self.store.ids.next()}")
        minted = {"platform": self.name, "account_id": self.urn(account), "username": account.username,
                  "member_urn": PERSON + member.id, "access_token": access.value, "token_type": "Bearer",
                  "expires_in": lifetime, "scope": ",".join(granted)}
        if refresh_token is not None:
            minted["refresh_token"] = refresh_token.value
        return minted

    # -- OAuth 2.0 (www.linkedin.com) -------------------------------------------------------------

    async def authorize(self, request: web.Request) -> web.Response:
        params = {name: request.query.get(name, "") for name in ("response_type", "client_id", "redirect_uri",
                                                                   "state", "scope")}
        missing = [name for name in ("response_type", "client_id", "redirect_uri", "scope") if not params[name]]
        if missing or params["response_type"] != "code":
            return page("LinkedIn sandbox - error", f"<h1>Invalid request</h1><p class='error'>Missing or invalid: "
                        f"{escape(', '.join(missing) or 'response_type')}</p>", status=400)
        return self._consent(request.path, params)

    def _consent(self, action: str, params: dict[str, str]) -> web.Response:
        members = tuple(a.username for a in self.store.accounts[self.name].values() if a.id not in self.organizations)
        body = (f"<h1>Sign in with LinkedIn</h1><p>The app <strong>{escape(params['client_id'])}</strong> would like "
                f"to: <code>{escape(params['scope'])}</code></p>"
                + consent_form(action, params, "smo_demo", label="Sign in as (an existing or a new sandbox member)",
                               suggestions=members, approve="Allow", deny="Cancel"))
        return page("LinkedIn sandbox - authorize", body)

    async def decide(self, request: web.Request) -> web.Response:
        form = await request.post()
        params = {name: str(form.get(name, "")) for name in ("client_id", "redirect_uri", "state", "scope")}
        if form.get("decision") != "approve":
            return _redirect(params["redirect_uri"], error="user_cancelled_authorize",
                             error_description="The user cancelled the authorization", state=params["state"])
        username = str(form.get("username") or "").strip().lstrip("@")
        account = self.store.find_account(self.name, username)
        if not username or (account is not None and account.id in self.organizations):
            return self._consent(request.path, {**params, "response_type": "code"})
        account = account or self.store.add_account(self.name, username)
        code = AuthCode(value=secrets.token_urlsafe(48), platform=self.name, client_id=params["client_id"],
                        redirect_uri=params["redirect_uri"], scopes=tuple(params["scope"].split()), challenge="",
                        challenge_method="", account_id=account.id, expires_at=time.time() + CODE_LIFETIME_S)
        self.store.codes[code.value] = code
        return _redirect(params["redirect_uri"], code=code.value, state=params["state"])

    async def token(self, request: web.Request) -> web.Response:
        form = {k: str(v) for k, v in (await request.post()).items()}
        client_id, secret = form.get("client_id", ""), form.get("client_secret", "")
        expected = self.store.clients.get(self.name, {}).get(client_id)
        if not client_id or not secret or (expected is not None and expected != secret):
            return _oauth_error(401, "invalid_client", "Client authentication failed")
        if form.get("grant_type") == "authorization_code":
            code = self.store.codes.get(form.get("code", ""))
            if code is None or code.used or code.client_id != client_id or time.time() > code.expires_at:
                return _oauth_error(400, "invalid_request", "Unable to retrieve access token: appid/redirect uri/"
                                    "code verifier does not match authorization code. Or authorization code "
                                    "expired. Or external member binding exists")
            if form.get("redirect_uri") != code.redirect_uri:
                return _oauth_error(400, "invalid_redirect_uri", "Unable to retrieve access token: appid/redirect "
                                    "uri/code verifier does not match authorization code")
            code.used = True
            account = self.store.accounts[self.name][code.account_id]
            return self._issue(account, code.scopes, client_id, code.value, REFRESH_LIFETIME_S)
        if form.get("grant_type") == "refresh_token":
            old = self.store.find_token(form.get("refresh_token", ""), "refresh")
            if old is None or old.revoked or old.platform != self.name:
                return _oauth_error(400, "invalid_request", "The provided authorization grant or refresh token is "
                                    "invalid, expired or revoked.")
            account = self.store.accounts[self.name][old.account_id]
            left = int(old.expires_at - time.time()) if old.expires_at else REFRESH_LIFETIME_S
            return self._issue(account, old.scopes, client_id, old.grant, left, refresh_token=old.value)
        return _oauth_error(400, "unsupported_grant_type", "Unsupported grant type")

    def _issue(self, account: Account, scopes: tuple[str, ...], client_id: str, grant: str, refresh_left: int,
               refresh_token: str = "") -> web.Response:
        with_refresh = bool(self.faults.switch("linkedin_refresh_tokens")) and not refresh_token
        access, refresh = self.store.issue_tokens(account, scopes, client_id=client_id, expires_in=TOKEN_LIFETIME_S,
                                                  refresh=with_refresh, grant=grant)
        payload: dict[str, Any] = {"access_token": access.value, "expires_in": TOKEN_LIFETIME_S,
                                   "scope": ",".join(scopes)}
        if refresh is not None:  # the refresh token's lifetime is fixed at the first grant
            refresh.expires_at = time.time() + refresh_left
            refresh_token = refresh.value
        if refresh_token:
            payload.update(refresh_token=refresh_token, refresh_token_expires_in=refresh_left)
        return json_response(payload, headers={"Cache-Control": "no-store"})

    # -- pages -----------------------------------------------------------------------------------

    async def permalink(self, request: web.Request) -> web.Response:
        post = self.store.get_post(self.name, request.match_info["urn"])
        account = self.store.accounts[self.name].get(post.account_id) if post else None
        if post is None or account is None:
            return page("LinkedIn sandbox - not found", "<h1>This post cannot be displayed</h1>", status=404)
        raise web.HTTPFound(f"{self.feed_path(account)}#p{post.id}")

    # -- the audience simulator --------------------------------------------------------------------

    def make_audience_item(self, kind: str, account: Account, post: Post | None, stranger: tuple[str, str, str],
                           text: str) -> dict[str, Any]:
        from .audience import audience_item

        if account.id not in self.organizations or post is None:
            raise ControlError("LinkedIn comments are simulated on organization posts only", 409)
        author_id, name, handle = stranger
        actor = PERSON + "m" + author_id[-10:]
        parent = None
        if kind == "replies":
            top = [c for c in self.store.comments_on(self.name, post.id) if c.parent_id is None and c.author_id !=
                   self.urn(account)]
            parent = top[-1] if top else None
        comment = self.api.add_comment(post, actor, name, handle, text, parent)
        return audience_item(kind, comment.id, actor, name, handle, text, post.id, post.id,
                             parent.id if parent else post.id, comment.created_at.isoformat())


def _redirect(uri: str, **params: str) -> web.Response:
    parts = urlsplit(uri)
    query = urlencode([*parse_qsl(parts.query, keep_blank_values=True), *params.items()])
    return web.Response(status=302, headers={"Location": urlunsplit(parts._replace(query=query))})


def _oauth_error(status: int, code: str, description: str) -> web.Response:
    return json_response({"error": code, "error_description": description}, status)
