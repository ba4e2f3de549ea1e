"""facebook-sdk's GraphAPI, built on the HTTP seam, for Facebook Pages and Instagram (Facebook Login).

facebook-sdk 3.1.0 (2018) refuses every current Graph API version in its constructor (it accepts only
2.8-3.1 and a single-digit major), but builds each path from `self.version` at call time, so the
version is assigned after construction. Its module-level base URL stays the real
`https://graph.facebook.com/`; the seam's session rewrites it where PLATFORM_ORIGINS says so.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Callable
from typing import Any, ClassVar, Protocol

import requests
from django.conf import settings

from platforms.errors import PlatformError
from platforms.http import build_session, rate_limits

with warnings.catch_warnings():
    # The library's own non-raw regex literal warns on import under Python 3.11.
    warnings.simplefilter("ignore", DeprecationWarning)
    import facebook

logger = logging.getLogger(__name__)


def graph_client(access_token: str, platform: str = "facebook") -> facebook.GraphAPI:
    """A GraphAPI whose every request goes through build_session(platform), at FACEBOOK_GRAPH_VERSION."""
    client = facebook.GraphAPI(access_token=access_token, session=build_session(platform))
    client.version = settings.FACEBOOK_GRAPH_VERSION
    return client


GRAPH_ERRORS = (facebook.GraphAPIError, requests.RequestException)


class GraphConnection(Protocol):
    graph: facebook.GraphAPI
    secrets: tuple[str, ...]


class GraphCalls:
    """What the Graph-based adapters (Facebook, Instagram) share: one translated call path and the
    first comment that never raises. Each subclass names its own error translation."""

    display_name: ClassVar[str]
    last_rate_limits: dict[str, str]

    @staticmethod
    def translate_error(exc: Exception, *, create: bool, secrets: tuple[str, ...], usage: dict[str, str]) -> Exception:
        raise NotImplementedError

    def _call(self, conn: GraphConnection, create: bool, call: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        try:
            return call(*args, **kwargs)
        except GRAPH_ERRORS as exc:
            usage = rate_limits(conn.graph.session)
            raise self.translate_error(exc, create=create, secrets=conn.secrets, usage=usage) from exc
        finally:
            self.last_rate_limits = rate_limits(conn.graph.session)

    def _first_comment(self, conn: GraphConnection, object_id: str, comment: str) -> str:
        """Returns a warning instead of raising: the post is live, and raising would make the engine
        publish it again."""
        if not comment:
            return ""
        try:
            self._call(conn, True, conn.graph.put_object, object_id, "comments", message=comment)
        except Exception as exc:  # deliberately broad, see the docstring
            reason = exc.message if isinstance(exc, PlatformError) else "an unexpected error in SMO"
            logger.warning("%s first comment on %s failed: %s", self.display_name, object_id, reason,
                           exc_info=not isinstance(exc, PlatformError))
            return f"{self.display_name} published the post, but the first comment failed: {reason}"
        return ""
