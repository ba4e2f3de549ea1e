"""Snapchat media containers (reference §11, Profile Asset Management): create, multipart upload, finalize.

``POST /v1/public_profiles/{profile_id}/media`` takes ``{"type": "IMAGE"|"VIDEO", "name", "key", "iv"}``
(base64 32-byte key and 16-byte IV) and answers the ``media_id`` with the container's ``add_path`` and
``finalize_path``; parts (``part_number`` + ``file``, at most 32 MB each) go to ``add_path``; after
``finalize_path`` the sandbox decrypts the upload with the key and IV, exactly as Snap must, and checks
that a real JPEG, PNG or MP4 came out. A container lives 24 hours. Videos stay ``PROCESSING`` for
``snapchat_media_polls`` status reads, then turn ``READY`` (``FAILED`` when decryption fails).
unverified: the answer field names and media_status values are the sandbox's reading of Snap's pages.
"""

from __future__ import annotations

import base64
import binascii
import time
import uuid
from typing import TYPE_CHECKING, Any

from aiohttp import web
from cryptography.hazmat.primitives import padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from .dialect import Handler
from .state import Account

if TYPE_CHECKING:
    from .snapchat import SnapchatDialect

PART_LIMIT = 32 * 1024 * 1024
MAX_PARTS = 35
CONTAINER_LIFETIME_S = 24 * 3600
SIGNATURES = {"IMAGE": (b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n"), "VIDEO": ()}


def looks_like(kind: str, data: bytes) -> bool:
    if kind == "VIDEO":
        return data[4:8] == b"ftyp"  # every MP4 starts with an ftyp box
    return data.startswith(SIGNATURES["IMAGE"])


def decrypt(data: bytes, key: bytes, iv: bytes) -> bytes | None:
    """AES-256-CBC with PKCS#7 padding undone; None when the bytes were not encrypted with this key and IV."""
    if not data or len(data) % 16:
        return None
    decryptor = Cipher(algorithms.AES(key), modes.CBC(iv)).decryptor()
    padded = decryptor.update(data) + decryptor.finalize()
    unpadder = padding.PKCS7(128).unpadder()
    try:
        return unpadder.update(padded) + unpadder.finalize()
    except ValueError:
        return None


class SnapMedia:
    def __init__(self, dialect: SnapchatDialect) -> None:
        self.snap = dialect
        self.items: dict[str, dict[str, Any]] = {}

    def reset(self) -> None:
        self.items = {}

    def routes(self) -> list[tuple[str, str, Handler]]:
        base = "/v1/public_profiles/{profile_id}/media"
        return [("POST", base, self.create), ("POST", base + "/{media_id}/multipart-upload", self.upload),
                ("GET", base + "/{media_id}", self.read)]

    def usable(self, account: Account, media_id: str) -> dict[str, Any] | None:
        item = self.items.get(media_id)
        if item is None or item["profile_id"] != account.id or time.time() > item["expires_at"]:
            return None
        return item

    async def create(self, request: web.Request) -> web.Response:
        account, failed = self.snap.caller(request)
        if failed:
            return failed
        body = await self.snap.json_body(request)
        kind, name = str(body.get("type") or ""), str(body.get("name") or "")
        if kind not in ("IMAGE", "VIDEO") or not name:
            return self.snap.error(400, "E1001", "type must be IMAGE or VIDEO and name is required.")
        try:
            key = base64.b64decode(str(body.get("key") or ""), validate=True)
            iv = base64.b64decode(str(body.get("iv") or ""), validate=True)
        except (binascii.Error, ValueError):
            key = iv = b""
        if len(key) != 32 or len(iv) != 16:
            return self.snap.error(400, "E1001", "key must be 32 bytes and iv 16 bytes, base64 encoded.")
        media_id = str(uuid.uuid4())
        self.items[media_id] = {"id": media_id, "profile_id": account.id, "type": kind, "name": name, "key": key,
                                "iv": iv, "parts": {}, "status": "PENDING_UPLOAD", "polls_left": 0, "size": 0,
                                "created_at": time.time(), "expires_at": time.time() + CONTAINER_LIFETIME_S}
        path = f"/v1/public_profiles/{account.id}/media/{media_id}/multipart-upload"
        return self.snap.success({"media_id": media_id, "add_path": f"{path}?action=ADD",
                                  "finalize_path": f"{path}?action=FINALIZE"})

    async def upload(self, request: web.Request) -> web.Response:
        account, failed = self.snap.caller(request)
        if failed:
            return failed
        item = self.usable(account, request.match_info["media_id"])
        if item is None:
            return self.snap.error(404, "E2002", "Media not found or expired.")
        action = request.query.get("action", "")
        if item["status"] != "PENDING_UPLOAD":
            return self.snap.error(400, "E1003", "This media has already been finalized.")
        if action == "ADD":
            return await self._add(request, item)
        if action == "FINALIZE":
            return self._finalize(item)
        return self.snap.error(400, "E1001", "action must be ADD or FINALIZE.")

    async def _add(self, request: web.Request, item: dict[str, Any]) -> web.Response:
        form = await request.post()
        upload, number = form.get("file"), str(form.get("part_number") or "")
        if not isinstance(upload, web.FileField) or not number.isdigit() or not 1 <= int(number) <= MAX_PARTS:
            return self.snap.error(400, "E1001", "A part needs a file and a part_number between 1 and 35.")
        data = upload.file.read()
        if len(data) > PART_LIMIT:
            return self.snap.error(400, "E1004", "A part may hold at most 32 MB.")
        item["parts"][int(number)] = data
        return self.snap.success({})

    def _finalize(self, item: dict[str, Any]) -> web.Response:
        numbers = sorted(item["parts"])
        if not numbers or numbers != list(range(1, len(numbers) + 1)):
            return self.snap.error(400, "E1003", "Parts are missing: upload parts 1..N before finalizing.")
        encrypted = b"".join(item["parts"][n] for n in numbers)
        plain = decrypt(encrypted, item["key"], item["iv"])
        item["parts"], item["size"] = {}, len(plain or b"")
        if plain is None or not looks_like(item["type"], plain):
            item["status"] = "FAILED"
        elif item["type"] == "VIDEO":
            item["status"], item["polls_left"] = "PROCESSING", int(self.snap.faults.switch("snapchat_media_polls") or 0)
        else:
            item["status"] = "READY"
        return self.snap.success({})

    async def read(self, request: web.Request) -> web.Response:
        account, failed = self.snap.caller(request)
        if failed:
            return failed
        item = self.usable(account, request.match_info["media_id"])
        if item is None:
            return self.snap.error(404, "E2002", "Media not found or expired.")
        if item["status"] == "PROCESSING":
            if item["polls_left"] <= 0:
                item["status"] = "READY"
            else:
                item["polls_left"] -= 1
        return self.snap.success({"media": [{"sub_request_status": "SUCCESS", "media": self.media_json(item)}]})

    def media_json(self, item: dict[str, Any]) -> dict[str, Any]:
        return {"id": item["id"], "name": item["name"], "type": item["type"], "media_status": item["status"],
                "file_size_in_bytes": item["size"], "profile_id": item["profile_id"]}
