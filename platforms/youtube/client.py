"""One channel's connection to the YouTube Data API: bearer token, the seam's session and quota counting.

Every call is counted against the channel's daily quota (platforms.quota) whatever its answer, because
Google charges invalid requests too (reference §5.4).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import requests

from platforms import quota
from platforms.errors import TransientError
from platforms.http import build_session
from platforms.types import ChannelRef
from platforms.youtube.translate import from_response, translate

API = "https://www.googleapis.com/youtube/v3"
UPLOAD_API = "https://www.googleapis.com/upload/youtube/v3"
# Units per call (https://developers.google.com/youtube/v3/determine_quota_cost). videos.insert is counted
# at the older 1,600 so the page never shows more room than the project may have.
LIST_UNITS = 1
INSERT_VIDEO_UNITS = 1600
WRITE_UNITS = 50  # comments.insert, commentThreads.insert, comments.setModerationStatus, thumbnails.set


@dataclass
class Connection:
    channel_id: str
    token: str
    session: requests.Session = field(default_factory=lambda: build_session("youtube"))

    @property
    def secrets(self) -> list[str]:
        return [self.token] if self.token else []

    def call(self, method: str, url: str, *, units: int, create: bool = False, ok: tuple[int, ...] = (),
             headers: dict[str, str] | None = None, **kwargs: Any) -> requests.Response:
        """One request; an answer outside 2xx and `ok`, or a network failure, raises a platforms.errors class."""
        sent = {"Authorization": f"Bearer {self.token}", **(headers or {})}
        try:
            # Redirects stay off: a resumable upload's 308 means "resume incomplete", not "go elsewhere".
            response = self.session.request(method, url, headers=sent, allow_redirects=False, **kwargs)
        except requests.RequestException as exc:
            raise translate(exc, create=create, secrets=self.secrets) from exc
        finally:
            quota.spend("youtube", self.channel_id, units)
        if response.status_code >= 300 and response.status_code not in ok:
            raise translate(from_response(response, create=create), create=create, secrets=self.secrets)
        return response

    def json(self, method: str, url: str, **kwargs: Any) -> Any:
        response = self.call(method, url, **kwargs)
        if response.status_code == 204 or not response.content:
            return {}
        try:
            return response.json()
        except ValueError:
            raise TransientError("YouTube answered with something other than JSON; it will be retried.",
                                 platform_code="body") from None


def connect(channel: ChannelRef) -> Connection:
    return Connection(channel.external_id, channel.credentials.access_token)
