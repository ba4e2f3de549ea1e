"""Roles over the API: every member reads; writes need one of the view's `write_roles`."""

from __future__ import annotations

from typing import Any

from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.request import Request

from api.tokens import ApiAccess
from workspaces.models import Role

# The composer's roles: marketers write posts and campaigns, admins everything.
EDITORS: tuple[str, ...] = (Role.ADMIN, Role.MARKETER)


class WorkspaceRole(BasePermission):
    message = "Your role in this workspace (or this token) is read-only for this endpoint."

    def has_permission(self, request: Request, view: Any) -> bool:
        if not isinstance(request.auth, ApiAccess):
            return False
        if request.method in SAFE_METHODS:
            return True
        return request.auth.role in getattr(view, "write_roles", EDITORS)
