"""The Bluesky dialect's video service (video.bsky.app under ``/bluesky-video``) and getServiceAuth.

``com.atproto.server.getServiceAuth`` on the PDS issues a short JWT-shaped service token (``aud``,
``lxm``, ``exp``); ``app.bsky.video.uploadVideo?did=&name=`` takes the raw bytes with that token
(method ``com.atproto.repo.uploadBlob``) and answers a job; ``app.bsky.video.getJobStatus?jobId=``
reports ``JOB_STATE_ENCODING`` for ``PROCESSING_POLLS`` checks, then ``JOB_STATE_COMPLETED`` with the
blob. Uploading the same bytes again for the same DID answers 409 ``already_exists`` naming the
first job, as the service does. A file whose bytes start with ``corrupt`` fails processing
(``JOB_STATE_FAILED``), so that path can be exercised.
"""

from __future__ import annotations

import hashlib
import time
from typing import Any

from aiohttp import web

from .dialect import json_response

VIDEO_PREFIX = "/bluesky-video"
MAX_VIDEO_BYTES = 100_000_000
PROCESSING_POLLS = 1
SERVICE_TOKEN_MAX_S = 60 * 60
VIDEO_TYPES = ("video/mp4", "video/quicktime", "video/webm", "video/mpeg")


class BlueskyVideo:
    """Mixed into BlueskyDialect: service tokens, uploads and processing jobs."""

    service_tokens: dict[str, dict[str, Any]]
    jobs: dict[str, dict[str, Any]]
    blobs: dict[str, dict[str, Any]]

    def video_routes(self) -> list[tuple[str, str, Any]]:
        return [("GET", "com.atproto.server.getServiceAuth", self.service_auth)]

    def register_video(self, app: web.Application, endpoint: Any) -> None:
        app.router.add_route("POST", f"{VIDEO_PREFIX}/xrpc/app.bsky.video.uploadVideo", endpoint(self.upload_video))
        app.router.add_route("GET", f"{VIDEO_PREFIX}/xrpc/app.bsky.video.getJobStatus", endpoint(self.job_status))

    def service_account(self, request: web.Request) -> Any:
        """The account a service token was issued to (for fault targeting), or None."""
        _scheme, _, value = request.headers.get("Authorization", "").partition(" ")
        grant = self.service_tokens.get(value.strip())
        return self.by_did(grant["iss"]) if grant else None  # type: ignore[attr-defined]

    async def service_auth(self, request: web.Request) -> web.Response:
        account, _token = self.caller(request)  # type: ignore[attr-defined]
        aud, lxm = request.query.get("aud", ""), request.query.get("lxm", "")
        try:
            exp = int(request.query.get("exp") or time.time() + 60)
        except ValueError:
            return self.xrpc_error(400, "InvalidRequest", "exp must be an integer")  # type: ignore[attr-defined]
        if not aud.startswith("did:"):
            return self.xrpc_error(400, "InvalidRequest", "aud must be a DID")  # type: ignore[attr-defined]
        if exp > time.time() + SERVICE_TOKEN_MAX_S:
            return self.xrpc_error(400, "BadExpiration", "expiration is too far in the future")  # type: ignore[attr-defined]
        claims = {"iss": self.did(account), "aud": aud, "lxm": lxm, "exp": exp}  # type: ignore[attr-defined]
        token = ".".join((self.b64({"typ": "JWT", "alg": "ES256K"}), self.b64(claims),  # type: ignore[attr-defined]
                          hashlib.sha256(f"{claims}{time.time_ns()}".encode()).hexdigest()[:32]))
        self.service_tokens[token] = claims
        return json_response({"token": token})

    def _service_grant(self, request: web.Request, did: str) -> dict[str, Any] | None:
        _scheme, _, value = request.headers.get("Authorization", "").partition(" ")
        grant = self.service_tokens.get(value.strip())
        if grant is None or grant["exp"] < time.time() or grant["iss"] != did:
            return None
        return grant if grant["lxm"] == "com.atproto.repo.uploadBlob" else None

    async def upload_video(self, request: web.Request) -> web.Response:
        did = request.query.get("did", "")
        if self._service_grant(request, did) is None:
            return json_response({"error": "Unauthorized", "message": "invalid or expired service token"}, 401)
        data = await request.read()
        mime = request.headers.get("Content-Type", "")
        if mime not in VIDEO_TYPES:
            return json_response({"error": "InvalidRequest", "message": f"unsupported video type {mime!r}"}, 400)
        if not data or len(data) > MAX_VIDEO_BYTES:
            return json_response({"error": "InvalidRequest", "message": "video must be 1 byte to 100 MB"}, 400)
        job_id = "job-" + hashlib.sha256(did.encode() + data).hexdigest()[:20]
        if job_id in self.jobs:
            return json_response({"error": "already_exists", "message": "Video already processed",
                                  "jobId": job_id, "did": did, "state": self.jobs[job_id]["state"]}, 409)
        blob = {"$type": "blob", "ref": {"$link": self.cid(data)}, "mimeType": "video/mp4",  # type: ignore[attr-defined]
                "size": len(data)}
        self.jobs[job_id] = {"did": did, "state": "JOB_STATE_CREATED", "polls": 0, "blob": blob,
                             "failed": data.startswith(b"corrupt")}
        return json_response({"jobId": job_id, "did": did, "state": "JOB_STATE_CREATED"})

    async def job_status(self, request: web.Request) -> web.Response:
        job_id = request.query.get("jobId", "")
        job = self.jobs.get(job_id)
        if job is None:
            return json_response({"error": "NotFound", "message": "job not found"}, 404)
        job["polls"] += 1
        status: dict[str, Any] = {"jobId": job_id, "did": job["did"]}
        if job["failed"]:
            job["state"] = "JOB_STATE_FAILED"
            status |= {"state": job["state"], "error": "Video could not be processed"}
        elif job["polls"] <= PROCESSING_POLLS:
            job["state"] = "JOB_STATE_ENCODING"
            status |= {"state": job["state"], "progress": 50}
        else:
            job["state"] = "JOB_STATE_COMPLETED"
            self.blobs[job["blob"]["ref"]["$link"]] = job["blob"]
            status |= {"state": job["state"], "progress": 100, "blob": job["blob"]}
        return json_response({"jobStatus": status})

    def video_embed_problem(self, embed: dict[str, Any]) -> str:
        ref = ((embed.get("video") or {}).get("ref") or {}).get("$link")
        if str(ref) not in self.blobs or self.blobs[str(ref)]["mimeType"] != "video/mp4":
            return "Record/embed/video must be a processed video blob"
        if "alt" in embed and not isinstance(embed["alt"], str):
            return "Record/embed/video/alt must be a string"
        return ""
