"""`Authorization: Bearer smo_…` authentication. A failed token answers 401 with a WWW-Authenticate header."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.request import Request

from api.tokens import ApiAccess, access_for_secret


class BearerTokenAuthentication(BaseAuthentication):
    keyword = b"bearer"

    def authenticate(self, request: Request) -> tuple[Any, ApiAccess] | None:
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() != self.keyword:
            return None
        if len(parts) != 2:
            raise AuthenticationFailed(_("Send the header as: Authorization: Bearer smo_…"))
        try:
            secret = parts[1].decode("ascii")
        except UnicodeDecodeError:
            raise AuthenticationFailed(_("This API token is not valid.")) from None
        access = access_for_secret(secret)
        if access is None:
            raise AuthenticationFailed(_("This API token is not valid, was revoked, or its owner left the workspace."))
        return access.token.user, access

    def authenticate_header(self, request: Request) -> str:
        return 'Bearer realm="api"'
