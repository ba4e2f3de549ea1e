"""facebook-sdk's GraphAPI, built on the HTTP seam, for Facebook Pages and Instagram (Facebook Login).

facebook-sdk 3.1.0 (2018) refuses every current Graph API version in its constructor (it accepts only
2.8-3.1 and a single-digit major), but builds each path from `self.version` at call time, so the
version is assigned after construction. Its module-level base URL stays the real
`https://graph.facebook.com/`; the seam's session rewrites it where PLATFORM_ORIGINS says so.
"""

from __future__ import annotations

import warnings

from django.conf import settings

from platforms.http import build_session

with warnings.catch_warnings():
    # The library's own non-raw regex literal warns on import under Python 3.11.
    warnings.simplefilter("ignore", DeprecationWarning)
    import facebook


def graph_client(access_token: str, platform: str = "facebook") -> facebook.GraphAPI:
    """A GraphAPI whose every request goes through build_session(platform), at FACEBOOK_GRAPH_VERSION."""
    client = facebook.GraphAPI(access_token=access_token, session=build_session(platform))
    client.version = settings.FACEBOOK_GRAPH_VERSION
    return client
