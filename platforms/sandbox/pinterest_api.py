"""Pinterest API v5 handlers of the sandbox: account, boards, Pins, video media and the S3 form upload,
plus the boards page and Pin permalinks (reference §6, §14)."""

from __future__ import annotations

import base64
import secrets
from html import escape
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from aiohttp import web

from .dialect import Handler, json_response, sandbox_ui
from .feeds import FEED_REFRESH_S, page
from .pinterest_common import UPLOAD_ORIGIN, Media, PinInfo, error
from .state import Account, Post

if TYPE_CHECKING:
    from .pinterest import PinterestDialect

V5 = "/pinterest/v5"
LIMITS = {"title": 100, "description": 800, "link": 2048, "alt_text": 500}
MIN_ITEMS, MAX_ITEMS = 2, 5
PAGE_DEFAULT, PAGE_MAX = 25, 250


class Refused(Exception):  # a control-flow signal carrying the error answer
    def __init__(self, response: web.Response) -> None:
        super().__init__(response.status)
        self.response = response


class PinterestApi:
    def __init__(self, dialect: PinterestDialect) -> None:
        self.p = dialect
        self.store = dialect.store

    def routes(self) -> list[tuple[str, str, Handler]]:
        return [("GET", V5 + "/user_account", self.user_account), ("GET", V5 + "/boards", self.list_boards),
                ("GET", V5 + "/boards/{id}/pins", self.board_pins), ("POST", V5 + "/pins", self.create_pin),
                ("GET", V5 + "/pins", self.list_pins), ("GET", V5 + "/pins/{id}", self.get_pin),
                ("POST", V5 + "/media", self.register_media), ("GET", V5 + "/media/{id}", self.media_status),
                ("POST", "/pinterest-upload/", self.s3_upload),
                ("GET", "/pinterest/boards/{username}", self.boards_page),
                ("GET", "/pinterest/pin/{id}/", self.permalink), ("*", V5 + "/{tail:.*}", self.not_found)]

    async def not_found(self, request: web.Request) -> web.Response:
        return error(404)

    # -- account and boards -------------------------------------------------------------------

    async def user_account(self, request: web.Request) -> web.Response:
        account, failed, headers = self.p.caller(request)
        if failed:
            return failed
        pins = self.store.timeline(self.p.name, account.id)
        return json_response({"account_type": "BUSINESS", "id": account.id, "username": account.username,
                              "business_name": account.name, "profile_image": account.profile_image_url,
                              "website_url": "", "board_count": len(self.p.boards_of(account.id)),
                              "pin_count": len(pins)}, headers=headers)

    async def list_boards(self, request: web.Request) -> web.Response:
        account, failed, headers = self.p.caller(request)
        if failed:
            return failed
        boards = [{"id": b.id, "name": b.name, "description": "", "privacy": b.privacy,
                   "owner": {"username": account.username}} for b in self.p.boards_of(account.id)]
        return _paged(request, boards, headers)

    async def board_pins(self, request: web.Request) -> web.Response:
        account, failed, headers = self.p.caller(request)
        if failed:
            return failed
        board = self.p.boards.get(request.match_info["id"])
        if board is None or board.account_id != account.id:
            return error(404, "Board not found.", headers=headers)
        pins = [self.pin_json(post) for post in self.store.timeline(self.p.name, account.id)
                if self.p.pins[post.id].board_id == board.id]
        return _paged(request, pins, headers)

    # -- Pins -------------------------------------------------------------------------------

    async def create_pin(self, request: web.Request) -> web.Response:
        account, failed, headers = self.p.caller(request)
        if failed:
            return failed
        try:
            body = await request.json()
            info = self._pin_info(account, body if isinstance(body, dict) else {})
        except ValueError:
            return error(400, "Request body is not valid JSON.", headers=headers)
        except Refused as refused:
            refused.response.headers.update(headers)
            return refused.response
        post = Post(platform=self.p.name, id=self.p.next_id(), account_id=account.id,
                    text=str(body.get("description") or ""), request_id=request["request_id"],
                    media_ids=(info.video_id,) if info.video_id else ())
        self.p.pins[post.id] = info
        self.store.add_post(post)
        return json_response(self.pin_json(post), 201, headers=headers)

    def _pin_info(self, account: Account, body: dict[str, Any]) -> PinInfo:
        for name, limit in LIMITS.items():
            value = body.get(name)
            if value is not None and (not isinstance(value, str) or len(value) > limit):
                raise Refused(error(400, f"{name}: constraint: maxLength={limit}"))
        link = str(body.get("link") or "")
        if link and urlsplit(link).scheme not in ("http", "https"):
            raise Refused(error(400, "link: not a valid URL"))
        board = self.p.boards.get(str(body.get("board_id") or ""))
        if board is None or board.account_id != account.id:
            raise Refused(error(404, "Board not found."))
        info = PinInfo(board_id=board.id, title=str(body.get("title") or ""), link=link,
                       alt_text=str(body.get("alt_text") or ""))
        return self._with_media(account, info, body.get("media_source"))

    def _with_media(self, account: Account, info: PinInfo, source: Any) -> PinInfo:
        source = source if isinstance(source, dict) else {}
        kind = source.get("source_type")
        if kind == "image_url":
            info.urls = (_reachable(source.get("url")),)
        elif kind == "multiple_image_urls":
            items = source.get("items") if isinstance(source.get("items"), list) else []
            if not MIN_ITEMS <= len(items) <= MAX_ITEMS:
                bound = f"maxItems={MAX_ITEMS}" if len(items) > MAX_ITEMS else f"minItems={MIN_ITEMS}"
                raise Refused(error(400, f"media_source.items: constraint: {bound}"))
            info.media_type = "multiple_images"
            info.urls = tuple(_reachable(item.get("url") if isinstance(item, dict) else None) for item in items)
        elif kind == "video_id":
            media = self.p.media.get(str(source.get("media_id") or ""))
            if media is None or media.account_id != account.id:
                raise Refused(error(400, "Invalid media_id: media not found."))
            if media.status != "succeeded":
                raise Refused(error(400, f"Media upload is not ready (status: {media.status})."))
            cover = source.get("cover_image_url")
            if not cover and source.get("cover_image_key_frame_time") is None:
                raise Refused(error(400, "cover_image_url or cover_image_key_frame_time is required for video."))
            info.media_type, info.video_id = "video", media.id
            info.urls = (_reachable(cover),) if cover else ()
        else:
            raise Refused(error(400, f"media_source.source_type: unsupported value {kind!r}."))
        return info

    async def list_pins(self, request: web.Request) -> web.Response:
        account, failed, headers = self.p.caller(request)
        if failed:
            return failed
        return _paged(request, [self.pin_json(p) for p in self.store.timeline(self.p.name, account.id)], headers)

    async def get_pin(self, request: web.Request) -> web.Response:
        account, failed, headers = self.p.caller(request)
        if failed:
            return failed
        post = self.store.get_post(self.p.name, request.match_info["id"])
        if post is None:
            return error(404, "Pin not found.", headers=headers)
        return json_response(self.pin_json(post), headers=headers)

    def pin_json(self, post: Post) -> dict[str, Any]:
        info = self.p.pins[post.id]
        owner = self.store.accounts[self.p.name][post.account_id]
        images = [{"images": {"originals": {"url": url, "width": 1000, "height": 1500}}} for url in info.urls]
        media: dict[str, Any] = {"media_type": info.media_type}
        if info.media_type == "video":
            media.update(cover_image_url=info.urls[0] if info.urls else "", duration=10000, width=1080, height=1920)
        elif info.media_type == "multiple_images":
            media["items"] = [{"item_type": "image", **item} for item in images]
        else:
            media.update(images[0] if images else {})
        return {"id": post.id, "created_at": post.created_at.strftime("%Y-%m-%dT%H:%M:%S"), "link": info.link or None,
                "title": info.title, "description": post.text, "alt_text": info.alt_text or None,
                "board_id": info.board_id, "board_section_id": None, "board_owner": {"username": owner.username},
                "is_owner": True, "dominant_color": "#e4e4e4", "parent_pin_id": None, "note": "",
                "creative_type": {"video": "VIDEO", "multiple_images": "CAROUSEL"}.get(info.media_type, "REGULAR"),
                "media": media}

    # -- video media and the S3 form upload ---------------------------------------------------

    async def register_media(self, request: web.Request) -> web.Response:
        account, failed, headers = self.p.caller(request)
        if failed:
            return failed
        try:
            body = await request.json()
        except ValueError:
            body = None
        if not isinstance(body, dict) or body.get("media_type") != "video":
            return error(400, "media_type: must be 'video'.", headers=headers)
        media = Media(self.p.next_id(), account.id, key="", signature=secrets.token_hex(32))
        media.key = f"uploads/{media.id[-4:]}/{media.id}"
        self.p.media[media.id] = media
        policy = base64.b64encode(f'{{"conditions":[{{"key":"{media.key}"}}]}}'.encode()).decode()
        parameters = {"x-amz-date": "20260101T000000Z", "x-amz-signature": media.signature,
                      "x-amz-security-token": secrets.token_urlsafe(24), "x-amz-algorithm": "AWS4-HMAC-SHA256",
                      "key": media.key, "policy": policy, "x-amz-credential": "ASIASANDBOX/20260101/us-east-1/s3/",
                      "Content-Type": "multipart/form-data"}
        return json_response({"media_id": media.id, "media_type": "video", "upload_url": UPLOAD_ORIGIN + "/",
                              "upload_parameters": parameters}, 201, headers=headers)

    async def media_status(self, request: web.Request) -> web.Response:
        account, failed, headers = self.p.caller(request)
        if failed:
            return failed
        media = self.p.media.get(request.match_info["id"])
        if media is None or media.account_id != account.id:
            return error(404, "Media not found.", headers=headers)
        if media.status == "processing":
            if media.polls_left > 0:
                media.polls_left -= 1
            else:
                media.status = str(self.p.faults.switch("pinterest_media_final") or "succeeded")
        return json_response({"media_id": media.id, "media_type": "video", "status": media.status}, headers=headers)

    async def s3_upload(self, request: web.Request) -> web.Response:
        form = await request.post()
        media = next((m for m in self.p.media.values() if m.key == form.get("key")), None)
        if media is None or media.status != "registered" or form.get("x-amz-signature") != media.signature:
            return _s3_error(403, "AccessDenied", "Invalid according to Policy: Policy Condition failed")
        upload = form.get("file")
        data = upload.file.read() if isinstance(upload, web.FileField) else b""
        if not data:
            return _s3_error(400, "InvalidArgument", "POST requires exactly one file upload per request.")
        media.size, media.status = len(data), "processing"
        media.polls_left = int(self.p.faults.switch("pinterest_media_processing_polls") or 0)
        return web.Response(status=204)

    # -- pages --------------------------------------------------------------------------------

    @sandbox_ui
    async def permalink(self, request: web.Request) -> web.Response:
        post = self.store.get_post(self.p.name, request.match_info["id"])
        if post is None:
            raise web.HTTPNotFound(text="No such Pin in the sandbox.")
        owner = self.store.accounts[self.p.name][post.account_id]
        raise web.HTTPFound(f"{self.p.feed_path(owner)}#p{post.id}")

    @sandbox_ui
    async def boards_page(self, request: web.Request) -> web.Response:
        account = self.store.find_account(self.p.name, request.match_info["username"])
        if account is None:
            return page("Unknown account", "<h1>No such Pinterest account</h1><p><a href='/'>All accounts</a></p>",
                        status=404)
        pins = self.store.timeline(self.p.name, account.id)
        sections = []
        for board in self.p.boards_of(account.id):
            on_board = [self._pin_html(post) for post in pins if self.p.pins[post.id].board_id == board.id]
            sections.append(f"<h2>{escape(board.name)} <span class='meta'>board {escape(board.id)} · "
                            f"{len(on_board)} Pins</span></h2>" + ("".join(on_board) or "<p>No Pins yet.</p>"))
        body = (f"<p><a href='/'>All accounts</a></p><h1>{escape(account.name)} <span class='meta'>"
                f"@{escape(account.username)} on Pinterest</span></h1><p class='meta'>{len(pins)} Pins, newest first "
                f"per board; refreshes every {FEED_REFRESH_S} s.</p>" + "".join(sections))
        return page(f"@{account.username} on Pinterest", body, refresh_s=FEED_REFRESH_S)

    def _pin_html(self, post: Post) -> str:
        info = self.p.pins[post.id]
        media = "".join(f"<li><code>{escape(url)}</code></li>" for url in info.urls)
        return (f"<div class='post' id='p{escape(post.id)}'><strong>{escape(info.title)}</strong>"
                f"<p>{escape(post.text)}</p><div class='meta'>{escape(info.media_type)}"
                + (f" · video {escape(info.video_id)}" if info.video_id else "")
                + (f" · links to <code>{escape(info.link)}</code>" if info.link else "")
                + (f" · alt: {escape(info.alt_text)}" if info.alt_text else "")
                + f" · id {escape(post.id)}</div><ul class='meta'>{media}</ul></div>")


def _reachable(url: Any) -> str:
    if not isinstance(url, str) or urlsplit(url).scheme not in ("http", "https") or not urlsplit(url).netloc:
        raise Refused(error(400, "Unable to reach the URL. Please check that it is a public image URL."))
    return url


def _paged(request: web.Request, items: list[dict[str, Any]], headers: dict[str, str]) -> web.Response:
    """Bookmark pagination: an opaque bookmark names the next page, null on the last."""
    try:
        size = min(max(int(request.query.get("page_size") or PAGE_DEFAULT), 1), PAGE_MAX)
        start = int(base64.urlsafe_b64decode(request.query["bookmark"]).decode()) if request.query.get(
            "bookmark") else 0
    except (ValueError, UnicodeDecodeError):
        return error(400, "Invalid bookmark or page_size.", headers=headers)
    end = start + size
    bookmark = base64.urlsafe_b64encode(str(end).encode()).decode() if end < len(items) else None
    return json_response({"items": items[start:end], "bookmark": bookmark}, headers=headers)


def _s3_error(status: int, code: str, message: str) -> web.Response:
    body = (f'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>{escape(code)}</Code>'
            f"<Message>{escape(message)}</Message><RequestId>{secrets.token_hex(8).upper()}</RequestId></Error>")
    return web.Response(text=body, status=status, content_type="application/xml")
