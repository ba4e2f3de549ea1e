"""OpenAPI: the bearer scheme, and the schema view's settings (no SPECTACULAR_SETTINGS needed)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.utils import extend_schema
from drf_spectacular.views import SpectacularAPIView
from rest_framework.request import Request
from rest_framework.response import Response

SCHEMA_SETTINGS = {
    "TITLE": "SMO API",
    "VERSION": "1.0.0",
    "DESCRIPTION": (
        "Schedule and publish posts, manage campaigns and follow deliveries. Authenticate with "
        "`Authorization: Bearer smo_…` (create a token at /api/v1/tokens/). A token belongs to one workspace. "
        "Times are answered in the workspace's time zone; times sent without an offset are read in it too. "
        "Errors are JSON: {\"code\", \"detail\", \"errors\"}."
    ),
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
}


class BearerTokenScheme(OpenApiAuthenticationExtension):
    target_class = "api.authentication.BearerTokenAuthentication"
    name = "bearerAuth"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {"type": "http", "scheme": "bearer", "description": "A personal API token: smo_…"}


class SchemaView(SpectacularAPIView):
    """The schema, public (it holds no data), without an entry for itself."""

    custom_settings = SCHEMA_SETTINGS

    @extend_schema(exclude=True)
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)
