"""The one way to write the audit log: `audit_record(...)`, called by services after a change commits."""

from __future__ import annotations

from typing import Any

from django.db import models

from workspaces.models import AuditEvent, Workspace


def _actor_label(actor: Any) -> str:
    if actor is None or not getattr(actor, "is_authenticated", False):
        return ""
    return actor.get_username()


def audit_record(
    *,
    workspace: Workspace | int,
    actor: Any,
    action: str,
    target: models.Model | None = None,
    target_label: str = "",
    details: dict[str, Any] | None = None,
    actor_label: str = "",
) -> AuditEvent:
    """Record that `actor` (a user, or None for the system) did `action` (e.g. "post.scheduled") to `target`.

    `actor_label` overrides the label for actors who are not users (an outside reviewer, "system").
    """
    workspace_id = workspace if isinstance(workspace, int) else workspace.pk
    user = actor if getattr(actor, "is_authenticated", False) else None
    return AuditEvent.objects.create(
        workspace_id=workspace_id,
        actor=user,
        actor_label=(actor_label or _actor_label(actor) or "system")[:200],
        action=action[:40],
        target_type=target._meta.model_name if target is not None else "",
        target_id=str(target.pk) if target is not None else "",
        target_label=(target_label or (str(target) if target is not None else ""))[:300],
        details=details or {},
    )
