"""The Snapchat dialect: Snap's Public Profile API (businessapi.snapchat.com) under ``/snapchat`` and Snap's
OAuth (accounts.snapchat.com) under ``/snapchat-accounts`` (reference §11).

The real API is open to allowlisted apps only and its pages were only partly captured, so this dialect
speaks the documented shapes where they exist and the Marketing API's conventions elsewhere:
answers carry ``request_status``/``request_id``; entities come in ``{"sub_request_status", "<entity>"}``
wrappers; errors are ``{"request_status": "ERROR", "request_id", "debug_message", "display_message",
"error_code"}``. Endpoints: ``GET /v1/me/public_profiles``; media containers (``snapchat_media.py``);
``POST``/``GET /v1/public_profiles/{id}/stories`` (``{"media_id"}``) and ``.../spotlights``
(``{"media_id", "description" ≤160, "locale", "skip_save_to_profile"}``, video only). A profile's page
(``/snapchat/profile/{username}``) shows what was posted. unverified: the two list endpoints, the
``/v1/me/public_profiles`` path and every error code (Snap's codes are ``E`` + four digits).
"""

from __future__ import annotations

import json
import secrets
import time
import uuid
from html import escape
from typing import Any, ClassVar

from aiohttp import web

from .dialect import Dialect, json_response, sandbox_ui
from .faults import FaultEngine
from .feeds import FEED_REFRESH_S, page
from .snapchat_media import SnapMedia
from .snapchat_oauth import ACCESS_LIFETIME, SnapOAuth
from .state import Account, Post, Store, iso_z

SEED_PROFILES = (("smo_demo_snap", "5f1c2b3a-0d4e-4f5a-9b6c-7d8e9f000001", "SMO Demo"),
                 ("sandbox_snap_fan", "5f1c2b3a-0d4e-4f5a-9b6c-7d8e9f000002", "Snap Fan"))
DEFAULT_SCOPES = ("snapchat-profile-api",)
DESCRIPTION_LIMIT = 160
_MESSAGES = {400: ("E1001", "The request is invalid."), 401: ("E3001", "Unauthorized: the access token is invalid "
             "or expired."), 403: ("E3003", "This app may not act for this profile."), 404: ("E2002", "Not found."),
             429: ("E3005", "Too many requests."), 500: ("E4001", "Internal server error."),
             503: ("E4002", "Service unavailable.")}


class SnapchatDialect(Dialect):
    name = "snapchat"
    title = "Snapchat"
    prefixes = ("/snapchat", "/snapchat-accounts")
    # snapchat_media_polls: status reads a finalized video stays PROCESSING before it turns READY.
    switches: ClassVar[dict[str, Any]] = {"snapchat_media_polls": 1}

    def __init__(self, store: Store, faults: FaultEngine) -> None:
        super().__init__(store, faults)
        self.oauth = SnapOAuth(self)
        self.media = SnapMedia(self)

    def feed_path(self, account: Account) -> str:
        return f"{self.prefix}/profile/{account.username}"

    def seed(self, store: Store) -> None:
        self.media.reset()
        for username, profile_id, name in SEED_PROFILES:
            store.add_account(self.name, username, account_id=profile_id, name=name)

    def register(self, app: web.Application) -> None:
        api, accounts = self.prefixes
        for method, path, handler in self.oauth.routes():
            app.router.add_route(method, accounts + path, handler)
        for method, path, handler in self.media.routes():
            app.router.add_route(method, api + path, handler)
        app.router.add_get(api + "/v1/me/public_profiles", self.my_profiles)
        for plural in ("stories", "spotlights"):
            app.router.add_post(api + f"/v1/public_profiles/{{profile_id}}/{plural}", self.create)
            app.router.add_get(api + f"/v1/public_profiles/{{profile_id}}/{plural}", self.listing)
        app.router.add_get(api + "/profile/{username}", self.profile_page)

    # -- envelope, credentials, faults --------------------------------------------------------

    def success(self, payload: dict[str, Any]) -> web.Response:
        return json_response({"request_status": "SUCCESS", "request_id": str(uuid.uuid4()), **payload})

    def error(self, status: int, code: str = "", message: str = "", headers: dict[str, str] | None = None
              ) -> web.Response:
        default_code, default_message = _MESSAGES.get(status, ("E4001", "Error."))
        text = message or default_message
        return json_response({"request_status": "ERROR", "request_id": str(uuid.uuid4()), "debug_message": text,
                              "display_message": text, "error_code": code or default_code}, status, headers=headers)

    def identify(self, request: web.Request) -> Account | None:
        scheme, _, value = request.headers.get("Authorization", "").partition(" ")
        token = self.store.find_token(value.strip(), "access") if scheme.lower() == "bearer" else None
        if token is None or token.platform != self.name:
            return None
        return self.store.accounts[self.name].get(token.account_id)

    def caller(self, request: web.Request) -> tuple[Account, None] | tuple[None, web.Response]:
        """The token's profile, which must be the profile named in the path (when the path names one)."""
        scheme, _, value = request.headers.get("Authorization", "").partition(" ")
        token = self.store.find_token(value.strip(), "access") if scheme.lower() == "bearer" else None
        account = self.identify(request)
        if token is None or account is None or not token.is_active(time.time()):
            return None, self.error(401)
        named = request.match_info.get("profile_id")
        if named is not None and named != account.id:
            return None, self.error(403)
        return account, None

    async def json_body(self, request: web.Request) -> dict[str, Any]:
        try:
            body = json.loads(await request.read() or b"{}")
        except ValueError:
            return {}
        return body if isinstance(body, dict) else {}

    def fault_response(self, request: web.Request, status: int, reset_at: int | None) -> web.Response:
        headers = {"Retry-After": str(max(1, (reset_at or int(time.time()) + 60) - int(time.time())))} \
            if status == 429 else None
        return self.error(status, headers=headers)

    def mint_tokens(self, account: Account, scopes: list[str] | None, expires_in: int | None,
                    client_id: str) -> dict[str, Any]:
        granted = tuple(scopes) if scopes is not None else DEFAULT_SCOPES
        lifetime = ACCESS_LIFETIME if expires_in is None else expires_in
        grant = f"mint:{secrets.token_hex(8)}"
        return {"platform": self.name, "account_id": account.id, "username": account.username,
                **self.oauth.issue(account, granted, client_id, grant=grant, expires_in=lifetime)}

    # -- profiles and posts -------------------------------------------------------------------

    def profile_json(self, account: Account) -> dict[str, Any]:
        return {"id": account.id, "display_name": account.name, "snap_user_name": account.username,
                "profile_type": "PUBLIC_PROFILE", "profile_tier": "TIER_PUBLIC",
                "logo_urls": {"original_logo_url": account.profile_image_url},
                "created_at": iso_z(account.created_at)}

    def post_json(self, post: Post) -> dict[str, Any]:
        extra = post.poll or {}
        shaped = {"id": post.id, "profile_id": post.account_id, "media_id": post.media_ids[0],
                  "created_at": iso_z(post.created_at)}
        if extra.get("placement") == "spotlight":
            shaped.update(description=post.text, locale=extra.get("locale", ""))
        return shaped

    async def my_profiles(self, request: web.Request) -> web.Response:
        account, failed = self.caller(request)
        if failed:
            return failed
        return self.success({"public_profiles": [{"sub_request_status": "SUCCESS",
                                                  "public_profile": self.profile_json(account)}]})

    async def create(self, request: web.Request) -> web.Response:
        account, failed = self.caller(request)
        if failed:
            return failed
        spotlight = request.path.endswith("/spotlights")
        body = await self.json_body(request)
        item = self.media.usable(account, str(body.get("media_id") or ""))
        problem = self._refusal(item, body, spotlight)
        if problem:
            return self.error(400, problem[0], problem[1])
        description = str(body.get("description") or "") if spotlight else ""
        post = Post(platform=self.name, id=str(uuid.uuid4()), account_id=account.id, text=description,
                    request_id=request["request_id"], media_ids=(item["id"],),
                    poll={"placement": "spotlight" if spotlight else "story", "locale": str(body.get("locale") or ""),
                          "type": item["type"]})
        self.store.add_post(post)
        singular, plural = ("spotlight", "spotlights") if spotlight else ("story", "stories")
        return self.success({plural: [{"sub_request_status": "SUCCESS", singular: self.post_json(post)}]})

    @staticmethod
    def _refusal(item: dict[str, Any] | None, body: dict[str, Any], spotlight: bool) -> tuple[str, str] | None:
        if item is None:
            return "E2002", "media_id does not name a live media of this profile."
        if item["status"] != "READY":
            return "E1003", f"Media is not ready (media_status {item['status']})."
        if spotlight and item["type"] != "VIDEO":
            return "E1005", "Spotlight accepts video media only."
        if spotlight and len(str(body.get("description") or "")) > DESCRIPTION_LIMIT:
            return "E1006", f"description may hold at most {DESCRIPTION_LIMIT} characters."
        if spotlight and not body.get("locale"):
            return "E1001", "locale is required for a Spotlight."
        return None

    async def listing(self, request: web.Request) -> web.Response:
        account, failed = self.caller(request)
        if failed:
            return failed
        spotlight = request.path.endswith("/spotlights")
        placement = "spotlight" if spotlight else "story"
        limit = min(int(request.query.get("limit") or 50) if request.query.get("limit", "").isdigit() else 50, 100)
        posts = [p for p in self.store.timeline(self.name, account.id) if (p.poll or {}).get("placement") == placement]
        singular, plural = ("spotlight", "spotlights") if spotlight else ("story", "stories")
        return self.success({plural: [{"sub_request_status": "SUCCESS", singular: self.post_json(p)}
                                      for p in posts[:limit]]})

    @sandbox_ui
    async def profile_page(self, request: web.Request) -> web.Response:
        account = self.store.find_account(self.name, request.match_info["username"])
        if account is None:
            return page("Unknown profile", f"<h1>No profile @{escape(request.match_info['username'])}</h1>", status=404)
        posts = self.store.timeline(self.name, account.id)
        items = "".join(
            f'<div class="post" id="p{escape(p.id)}"><div class="meta">'
            f"{escape(str((p.poll or {}).get('placement', '')).title())} · "
            f"{escape(str((p.poll or {}).get('type', '')).lower())}</div>"
            + (f"<p>{escape(p.text)}</p>" if p.text else "")
            + f'<div class="meta">id {escape(p.id)} · media {escape(p.media_ids[0])} · {escape(iso_z(p.created_at))}'
              "</div></div>" for p in posts)
        body = (f'<p><a href="/">All accounts</a></p><h1>{escape(account.name)} <span class="meta">'
                f"@{escape(account.username)} on Snapchat</span></h1><p class='meta'>{len(posts)} stories and "
                f"spotlights, newest first; refreshes every {FEED_REFRESH_S} s.</p>" + (items or "<p>Nothing yet.</p>"))
        return page(f"@{account.username} on Snapchat", body, refresh_s=FEED_REFRESH_S)
