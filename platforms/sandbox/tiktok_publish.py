"""TikTok direct posts (reference §7): creator info, ``video/init`` (FILE_UPLOAD or PULL_FROM_URL),
``content/init`` (PHOTO, PULL_FROM_URL only), chunked PUTs to the upload URL with strict sequential
``Content-Range`` (206 until the last chunk, then 201), and ``status/fetch`` moving through
PROCESSING_UPLOAD -> PROCESSING_DOWNLOAD -> PUBLISH_COMPLETE (or FAILED with the ``tiktok_fail_reason``
switch). A post becomes irreversible when TikTok has all of it: at a PULL init, or at the last chunk.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from aiohttp import web

from .dialect import Handler
from .state import Account, Post
from .tiktok_common import fail, ok

if TYPE_CHECKING:
    from .tiktok import TikTokDialect

MIB = 1024 * 1024
MIN_CHUNK, MAX_CHUNK, MAX_LAST_CHUNK = 5 * MIB, 64 * MIB, 128 * MIB
UPLOAD_ORIGIN = "https://open-upload.tiktokapis.com"
PRIVACY_LEVELS = ("PUBLIC_TO_EVERYONE", "MUTUAL_FOLLOW_FRIENDS", "FOLLOWER_OF_CREATOR", "SELF_ONLY")
_RANGE = re.compile(r"^bytes (\d+)-(\d+)/(\d+)$")


@dataclass
class Job:
    publish_id: str
    account_id: str
    media_type: str  # "VIDEO" | "PHOTO"
    source: str
    post_info: dict[str, Any]
    video_size: int = 0
    chunk_size: int = 0
    chunks: int = 0
    received: int = 0
    upload_id: str = ""
    polls_left: int = 0
    fail_reason: str = ""
    post_id: str = ""
    media: tuple[str, ...] = ()

    @property
    def uploaded(self) -> bool:
        return self.source != "FILE_UPLOAD" or self.received == self.video_size


def _utf16(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def chunk_problem(size: Any, chunk: Any, count: Any) -> str:
    """Why an upload plan breaks TikTok's media transfer rules, or ""."""
    if not all(isinstance(v, int) and not isinstance(v, bool) and v > 0 for v in (size, chunk, count)):
        return "video_size, chunk_size and total_chunk_count must be positive integers."
    if size < MIN_CHUNK:
        return "" if chunk == size and count == 1 else "Videos under 5 MB are uploaded whole in one chunk."
    if chunk > size:
        return "chunk_size cannot exceed video_size."
    if not (MIN_CHUNK <= chunk <= MAX_CHUNK) and chunk != size:
        return "chunk_size must be between 5 MB and 64 MB."
    if count != size // chunk or not 1 <= count <= 1000:
        return "total_chunk_count must be floor(video_size / chunk_size), between 1 and 1000."
    if size - chunk * (count - 1) > MAX_LAST_CHUNK:
        return "The last chunk may be at most 128 MB."
    return ""


class TikTokPublishing:
    def __init__(self, dialect: TikTokDialect) -> None:
        self.tiktok = dialect
        self.store = dialect.store
        self.jobs: dict[str, Job] = {}

    def routes(self) -> list[tuple[str, str, Handler]]:
        return [("POST", "/v2/post/publish/creator_info/query/", self.creator_info),
                ("POST", "/v2/post/publish/video/init/", self.video_init),
                ("POST", "/v2/post/publish/content/init/", self.content_init),
                ("POST", "/v2/post/publish/status/fetch/", self.status)]

    def switch(self, name: str) -> Any:
        return self.tiktok.faults.switch(name)

    def creator_json(self, account: Account) -> dict[str, Any]:
        return {"creator_avatar_url": account.profile_image_url, "creator_username": account.username,
                "creator_nickname": account.name, "privacy_level_options": list(self.switch("tiktok_privacy_levels")),
                "comment_disabled": False, "duet_disabled": False, "stitch_disabled": False,
                "max_video_post_duration_sec": int(self.switch("tiktok_max_video_s"))}

    async def creator_info(self, request: web.Request) -> web.Response:
        account, failed = self.tiktok.caller(request, "video.publish")
        return failed or ok(self.creator_json(account))

    async def _start(self, request: web.Request) -> tuple[Account | None, dict[str, Any], web.Response | None]:
        account, failed = self.tiktok.caller(request, "video.publish")
        if failed:
            return None, {}, failed
        limit = int(self.switch("tiktok_init_per_minute"))
        if not self.store.hit_window((self.tiktok.name, account.id, "init"), limit, 60).allowed:
            return None, {}, fail("rate_limit_exceeded")
        try:
            body = await request.json()
        except ValueError:
            body = None
        if not isinstance(body, dict) or not isinstance(body.get("post_info"), dict) or not isinstance(
                body.get("source_info"), dict):
            return None, {}, fail("invalid_params", "post_info and source_info are required.")
        info = body["post_info"]
        privacy = info.get("privacy_level")
        if privacy not in PRIVACY_LEVELS:
            return None, {}, fail("invalid_params", "privacy_level is required.")
        if privacy not in self.switch("tiktok_privacy_levels"):
            return None, {}, fail("privacy_level_option_mismatch")
        if self.switch("tiktok_unaudited") and privacy != "SELF_ONLY":
            return None, {}, fail("unaudited_client_can_only_post_to_private_accounts")
        return account, body, None

    def _pull_allowed(self, urls: list[Any]) -> bool:
        prefixes = self.switch("tiktok_verified_prefixes") or []
        return not prefixes or all(any(str(u).startswith(p) for p in prefixes) for u in urls)

    async def video_init(self, request: web.Request) -> web.Response:
        account, body, failed = await self._start(request)
        if failed:
            return failed
        info, source = body["post_info"], body["source_info"]
        if _utf16(str(info.get("title") or "")) > 2200:
            return fail("invalid_params", "title exceeds 2200 UTF-16 runes.")
        job = Job(publish_id=f"v_pub_{'url' if source.get('source') == 'PULL_FROM_URL' else 'file'}~v2-1."
                  + self.store.ids.next(), account_id=account.id, media_type="VIDEO",
                  source=str(source.get("source")), post_info=info)
        if job.source == "PULL_FROM_URL":
            if not source.get("video_url") or not self._pull_allowed([source["video_url"]]):
                return fail("url_ownership_unverified" if source.get("video_url") else "invalid_params")
            job.media = (str(source["video_url"]),)
            return self._accepted(job, request, {"publish_id": job.publish_id})
        if job.source != "FILE_UPLOAD":
            return fail("invalid_params", "source must be FILE_UPLOAD or PULL_FROM_URL.")
        size, chunk, count = source.get("video_size"), source.get("chunk_size"), source.get("total_chunk_count")
        problem = chunk_problem(size, chunk, count)
        if problem:
            return fail("invalid_params", problem)
        job.video_size, job.chunk_size, job.chunks = size, chunk, count
        job.upload_id = self.store.ids.next()
        self.jobs[job.publish_id] = job
        url = f"{UPLOAD_ORIGIN}/video/?upload_id={job.upload_id}&upload_token={secrets.token_urlsafe(16)}"
        return ok({"publish_id": job.publish_id, "upload_url": url})

    async def content_init(self, request: web.Request) -> web.Response:
        account, body, failed = await self._start(request)
        if failed:
            return failed
        info, source = body["post_info"], body["source_info"]
        images = source.get("photo_images")
        if body.get("media_type") != "PHOTO" or body.get("post_mode") not in ("DIRECT_POST", "MEDIA_UPLOAD"):
            return fail("invalid_params", "media_type must be PHOTO and post_mode DIRECT_POST or MEDIA_UPLOAD.")
        if source.get("source") != "PULL_FROM_URL" or not isinstance(images, list) or not 1 <= len(images) <= 35:
            return fail("invalid_params", "Photos are PULL_FROM_URL only, with 1 to 35 photo_images.")
        if _utf16(str(info.get("title") or "")) > 90 or _utf16(str(info.get("description") or "")) > 4000:
            return fail("invalid_params", "title exceeds 90 or description exceeds 4000 UTF-16 runes.")
        if not self._pull_allowed(images):
            return fail("url_ownership_unverified")
        job = Job(publish_id="p_pub_url~v2." + self.store.ids.next(), account_id=account.id, media_type="PHOTO",
                  source="PULL_FROM_URL", post_info=info, media=tuple(str(i) for i in images))
        return self._accepted(job, request, {"publish_id": job.publish_id})

    def _accepted(self, job: Job, request: web.Request, data: dict[str, Any]) -> web.Response:
        self.jobs[job.publish_id] = job
        self._commit(job, request["request_id"])
        return ok(data)

    def _commit(self, job: Job, request_id: str) -> None:
        """TikTok has everything: the post will be published (or fail in processing)."""
        job.polls_left = int(self.switch("tiktok_status_polls"))
        job.fail_reason = str(self.switch("tiktok_fail_reason") or "")
        if job.fail_reason:
            return
        info = job.post_info
        text = str(info.get("description") if job.media_type == "PHOTO" else info.get("title") or "")
        post = Post(platform=self.tiktok.name, id=self.store.ids.next(), account_id=job.account_id, text=text,
                    request_id=request_id, media_ids=job.media,
                    poll={"media_type": job.media_type, "privacy_level": info.get("privacy_level"),
                          "title": str(info.get("title") or ""), "publish_id": job.publish_id})
        self.store.add_post(post)
        job.post_id = post.id

    async def upload(self, request: web.Request) -> web.Response:
        job = self.job_for_upload(request)
        if job is None:
            return fail("invalid_params", "The upload URL is unknown or expired.", 404)
        match = _RANGE.match(request.headers.get("Content-Range", ""))
        data = await request.read()
        if request.headers.get("Content-Type") not in ("video/mp4", "video/quicktime", "video/webm"):
            return fail("invalid_params", "Content-Type must be video/mp4, video/quicktime or video/webm.")
        if match is None or job.uploaded:
            return fail("invalid_params", "Content-Range must be 'bytes first-last/total' for a pending upload.", 416)
        first, last, total = (int(g) for g in match.groups())
        index = first // job.chunk_size
        expected_end = job.video_size if index == job.chunks - 1 else first + job.chunk_size
        exact = len(data) == last - first + 1 and last + 1 == expected_end
        if total != job.video_size or first != job.received or not exact:
            return fail("invalid_params", f"Expected the chunk starting at byte {job.received}.", 416)
        job.received = last + 1
        if not job.uploaded:
            return web.Response(status=206)
        self._commit(job, request["request_id"])
        return web.Response(status=201)

    def job_for_upload(self, request: web.Request) -> Job | None:
        upload_id = request.query.get("upload_id", "")
        return next((j for j in self.jobs.values() if upload_id and j.upload_id == upload_id), None)

    async def status(self, request: web.Request) -> web.Response:
        account, failed = self.tiktok.caller(request, "video.publish")
        if failed:
            return failed
        if not self.store.hit_window((self.tiktok.name, account.id, "status"), 30, 60).allowed:
            return fail("rate_limit_exceeded")
        try:
            body = await request.json()
        except ValueError:
            body = {}
        job = self.jobs.get(str((body or {}).get("publish_id") or ""))
        if job is None or job.account_id != account.id:
            return fail("invalid_params", "publish_id is invalid.")
        return ok(self.status_json(job))

    def status_json(self, job: Job) -> dict[str, Any]:
        data: dict[str, Any] = {"fail_reason": "", "publicaly_available_post_id": [],
                                "uploaded_bytes": job.received, "downloaded_bytes": 0}
        if not job.uploaded:
            return {**data, "status": "PROCESSING_UPLOAD"}
        if job.polls_left > 0:
            job.polls_left -= 1
            return {**data, "status": "PROCESSING_DOWNLOAD"}
        if job.fail_reason:
            return {**data, "status": "FAILED", "fail_reason": job.fail_reason}
        public = job.post_info.get("privacy_level") != "SELF_ONLY"  # private posts get no public id
        return {**data, "status": "PUBLISH_COMPLETE", "downloaded_bytes": job.video_size,
                "publicaly_available_post_id": [int(job.post_id)] if public else []}
