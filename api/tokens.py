"""API tokens: create (the secret is returned once), revoke, and resolve a presented secret.

Secrets are 256 random bits, so a plain SHA-256 is enough to store them: there is nothing to brute-force
that a slow hash would protect, and the lookup by hash stays one indexed query per request.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from api.models import ApiToken
from workspaces.audit import audit_record
from workspaces.models import Member, Role, Workspace

PREFIX = "smo_"
# Writing last_used_at on every request would turn each read into a write; once a minute is enough.
LAST_USED_GRANULARITY = timedelta(minutes=1)


@dataclass(frozen=True)
class ApiAccess:
    """What a request authenticated by token may touch: one workspace, with one role."""

    token: ApiToken
    workspace: Workspace
    role: str


def hash_key(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8", "surrogatepass")).hexdigest()


def token_create(member: Member, name: str, *, read_only: bool = False) -> tuple[ApiToken, str]:
    """A new token for the member's workspace; returns (token, secret). The secret is never stored."""
    name = (name or "").strip()
    if not name:
        raise ValidationError(_("Give the token a name, e.g. the script or tool that will use it."), code="name")
    secret = PREFIX + secrets.token_urlsafe(32)
    role = Role.VIEWER if read_only else member.role
    token = ApiToken.objects.create(user_id=member.user_id, workspace_id=member.workspace_id, name=name[:100],
                                    role=role, prefix=secret[:12], key_hash=hash_key(secret))
    # Only the public prefix is logged, never the secret.
    audit_record(workspace=member.workspace_id, actor=member.user, action="api_token.created", target=token,
                 details={"role": role, "read_only": read_only})
    return token, secret


def token_revoke(token: ApiToken, *, actor: Any = None) -> ApiToken:
    """Revoke at once; revoking twice keeps the first time (and is recorded once)."""
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        if ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=token.revoked_at):
            audit_record(workspace=token.workspace_id, actor=actor, action="api_token.revoked", target=token)
    return token


def tokens_of_user(user_id: int) -> QuerySet[ApiToken]:
    return ApiToken.objects.filter(user_id=user_id).select_related("workspace").order_by("-created_at", "-pk")


def access_for_secret(secret: str) -> ApiAccess | None:
    """The access a presented secret grants, or None (unknown, revoked, inactive user, no longer a member)."""
    if not secret.startswith(PREFIX) or len(secret) > 200:
        return None
    token = (ApiToken.objects.select_related("user", "workspace")
             .filter(key_hash=hash_key(secret), revoked_at__isnull=True).first())
    if token is None or not token.user.is_active:
        return None
    member_role = (Member.objects.filter(workspace_id=token.workspace_id, user_id=token.user_id)
                   .values_list("role", flat=True).first())
    if member_role is None:
        return None
    _touch(token)
    return ApiAccess(token=token, workspace=token.workspace, role=effective_role(token.role, member_role))


def effective_role(token_role: str, member_role: str) -> str:
    """A token keeps its role only while the member still has it; after any role change it can only read."""
    return token_role if token_role == member_role else Role.VIEWER


def _touch(token: ApiToken) -> None:
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_GRANULARITY:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
