"""The TikTok dialect (reference §7): Login Kit v2 under ``/tiktok`` (www.tiktok.com and
open.tiktokapis.com), the Content Posting API, the Display API's user info and video list, and the
upload host (open-upload.tiktokapis.com) under ``/tiktok-upload``. Every API answer is the envelope
``{"data", "error": {"code", "message", "log_id"}}``. Switches: ``tiktok_status_polls`` (status reads
answering PROCESSING_DOWNLOAD first), ``tiktok_fail_reason`` (posts end FAILED with it),
``tiktok_privacy_levels``, ``tiktok_max_video_s``, ``tiktok_unaudited`` (only SELF_ONLY allowed),
``tiktok_verified_prefixes`` (URL prefixes PULL_FROM_URL accepts; empty: any), ``tiktok_init_per_minute``.
"""

from __future__ import annotations

import time
from typing import Any, ClassVar

from aiohttp import web

from .dialect import Dialect
from .faults import FaultEngine
from .state import Account, Store
from .tiktok_common import DEFAULT_SCOPES, code_for_status, fail, ok
from .tiktok_oauth import TikTokOAuth
from .tiktok_publish import PRIVACY_LEVELS, TikTokPublishing

SEED_ACCOUNTS = (("smo_demo", "SMO Demo"), ("sandbox_fan", "Sandbox Fan"))


class TikTokDialect(Dialect):
    name = "tiktok"
    title = "TikTok"
    prefixes = ("/tiktok", "/tiktok-upload")
    switches: ClassVar[dict[str, Any]] = {
        "tiktok_status_polls": 1, "tiktok_fail_reason": "", "tiktok_privacy_levels": list(PRIVACY_LEVELS),
        "tiktok_max_video_s": 600, "tiktok_unaudited": False, "tiktok_verified_prefixes": [],
        "tiktok_init_per_minute": 6,
    }

    def __init__(self, store: Store, faults: FaultEngine) -> None:
        super().__init__(store, faults)
        self.oauth = TikTokOAuth(self)
        self.publishing = TikTokPublishing(self)

    def seed(self, store: Store) -> None:
        self.publishing.jobs.clear()
        for username, name in SEED_ACCOUNTS:
            store.add_account(self.name, username, name=name)

    def register(self, app: web.Application) -> None:
        p = self.prefix
        for method, path, handler in [*self.oauth.routes(), *self.publishing.routes()]:
            app.router.add_route(method, p + path, handler)
        app.router.add_get(p + "/v2/user/info/", self.user_info)
        app.router.add_post(p + "/v2/video/list/", self.video_list)
        app.router.add_put(self.prefixes[1] + "/video/", self.publishing.upload)

    # -- credentials --------------------------------------------------------------------------

    def identify(self, request: web.Request) -> Account | None:
        if request.path.startswith(self.prefixes[1] + "/"):
            job = self.publishing.job_for_upload(request)
            return self.store.accounts[self.name].get(job.account_id) if job else None
        scheme, _, value = request.headers.get("Authorization", "").partition(" ")
        token = self.store.find_token(value.strip(), "access") if scheme.lower() == "bearer" else None
        if token is None or token.platform != self.name:
            return None
        return self.store.accounts[self.name].get(token.account_id)

    def caller(self, request: web.Request, scope: str) -> tuple[Any, web.Response | None]:
        """The account behind an active bearer token holding `scope`, or the error answer."""
        scheme, _, value = request.headers.get("Authorization", "").partition(" ")
        token = self.store.find_token(value.strip(), "access") if scheme.lower() == "bearer" else None
        account = self.identify(request)
        if token is None or account is None or not token.is_active(time.time()):
            return None, fail("access_token_invalid")
        if scope not in token.scopes:
            return None, fail("scope_not_authorized")
        return account, None

    def fault_response(self, request: web.Request, status: int, reset_at: int | None) -> web.Response:
        return fail(code_for_status(status), status=status)

    def mint_tokens(self, account: Account, scopes: list[str] | None, expires_in: int | None,
                    client_id: str) -> dict[str, Any]:
        granted = tuple(scopes) if scopes is not None else DEFAULT_SCOPES
        payload = self.oauth.tokens(account.id, granted, client_id, grant=f"mint:{self.store.ids.next()}",
                                    expires_in=86400 if expires_in is None else expires_in)
        return {"platform": self.name, "account_id": account.id, "username": account.username, **payload}

    # -- Display API --------------------------------------------------------------------------

    async def user_info(self, request: web.Request) -> web.Response:
        account, failed = self.caller(request, "user.info.basic")
        if failed:
            return failed
        user = {"open_id": account.id, "union_id": f"u{account.id}", "avatar_url": account.profile_image_url,
                "display_name": account.name}
        fields = [f for f in request.query.get("fields", "").split(",") if f]
        return ok({"user": {k: v for k, v in user.items() if not fields or k in fields}})

    async def video_list(self, request: web.Request) -> web.Response:
        account, failed = self.caller(request, "video.list")
        if failed:
            return failed
        try:
            body = await request.json()
        except ValueError:
            body = {}
        count = min(int((body or {}).get("max_count") or 10), 20)
        cursor = int((body or {}).get("cursor") or 0)
        posts = [p for p in self.store.timeline(self.name, account.id)
                 if not cursor or int(p.created_at.timestamp() * 1000) < cursor]
        page = posts[:count]
        videos = [{"id": p.id, "title": (p.poll or {}).get("title") or p.text, "video_description": p.text,
                   "create_time": int(p.created_at.timestamp()),
                   "share_url": f"https://www.tiktok.com/@{account.username}/video/{p.id}"} for p in page]
        next_cursor = int(page[-1].created_at.timestamp() * 1000) if page else cursor
        return ok({"videos": videos, "cursor": next_cursor, "has_more": len(posts) > count})
