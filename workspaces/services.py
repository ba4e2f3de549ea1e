"""Writes on a workspace: its members and their roles, and its settings. Each change is audited.

A workspace always keeps at least one admin: removing or demoting the last one is refused. The admins'
rows are locked while that is checked, so two admins demoting each other at once cannot both succeed.
"""

from __future__ import annotations

from functools import cache
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from workspaces.audit import audit_record
from workspaces.models import Member, Role, Workspace

SETTINGS_FIELDS = ("name", "time_zone", "language", "requires_approval")
NAME_MAX = Workspace._meta.get_field("name").max_length
NOT_ZONES = {"localtime", "posixrules", "Factory"}  # files in the zoneinfo folder that are no place's zone


def _check_role(role: str) -> str:
    if role not in Role.values:
        raise ValidationError(_("Pick one of the roles offered."), code="role")
    return role


def _find_user(identifier: str) -> Any:
    """The user by exact username, else by e-mail address (case-insensitive); a clear error otherwise."""
    users = get_user_model().objects
    identifier = (identifier or "").strip()
    if not identifier:
        raise ValidationError(_("Enter the person's username or e-mail address."), code="identifier")
    user = users.filter(username=identifier, is_active=True).first()
    if user is not None:
        return user
    matches = list(users.filter(email__iexact=identifier, is_active=True)[:2]) if "@" in identifier else []
    if len(matches) > 1:
        raise ValidationError(_("Several accounts use this e-mail address; enter the username instead."),
                              code="ambiguous")
    if not matches:
        raise ValidationError(
            _("No active account has the username or e-mail address “%(who)s”. The person needs an account "
              "first (staff create accounts in the admin).") % {"who": identifier[:150]},
            code="no_user")
    return matches[0]


def member_add(workspace: Workspace, identifier: str, role: str, *, actor: Any) -> Member:
    """Add an existing user (by username or e-mail) to the workspace with `role`."""
    _check_role(role)
    user = _find_user(identifier)
    if Member.objects.filter(workspace=workspace, user=user).exists():
        raise ValidationError(_("%(user)s is already a member of this workspace.") % {"user": user.get_username()},
                              code="already_member")
    try:
        with transaction.atomic():
            member = Member.objects.create(workspace=workspace, user=user, role=role)
    except IntegrityError:  # added by someone else a moment ago
        raise ValidationError(_("%(user)s is already a member of this workspace.") % {"user": user.get_username()},
                              code="already_member") from None
    audit_record(workspace=workspace, actor=actor, action="member.added", target=member,
                 target_label=user.get_username(), details={"role": role})
    return member


def _lock_admins(workspace: Workspace) -> list[int]:
    """Lock the workspace's admin rows (call inside a transaction); returns their ids."""
    return list(Member.objects.select_for_update().filter(workspace=workspace, role=Role.ADMIN)
                .order_by("pk").values_list("pk", flat=True))


def _refuse_last_admin(admin_ids: list[int], member: Member, message: str) -> None:
    if admin_ids == [member.pk]:
        raise ValidationError(message, code="last_admin")


def member_set_role(member: Member, role: str, *, actor: Any) -> Member:
    """Give the member another role; the last admin cannot be demoted. Setting the same role is a no-op."""
    _check_role(role)
    with transaction.atomic():
        admins = _lock_admins(member.workspace)
        current = Member.objects.select_for_update().select_related("user").get(pk=member.pk)
        if current.role == role:
            return current
        if current.role == Role.ADMIN:
            _refuse_last_admin(admins, current, _(
                "%(user)s is the only admin of this workspace. Make someone else an admin first.")
                % {"user": current.user.get_username()})
        previous, current.role = current.role, role
        current.save(update_fields=["role"])
    audit_record(workspace=current.workspace_id, actor=actor, action="member.role_changed", target=current,
                 target_label=current.user.get_username(), details={"role": {"from": previous, "to": role}})
    return current


def member_remove(member: Member, *, actor: Any) -> None:
    """Take the member out of the workspace; the last admin cannot leave. Their API tokens stop working at once
    (api.tokens checks membership on every request)."""
    with transaction.atomic():
        admins = _lock_admins(member.workspace)
        current = Member.objects.select_for_update().select_related("user").filter(pk=member.pk).first()
        if current is None:
            return  # removed by someone else meanwhile
        _refuse_last_admin(admins, current, _(
            "%(user)s is the only admin of this workspace and cannot be removed. Make someone else an admin first.")
            % {"user": current.user.get_username()})
        audit_record(workspace=current.workspace_id, actor=actor, action="member.removed", target=current,
                     target_label=current.user.get_username(), details={"role": current.role})
        current.delete()


def _clean_settings(changes: dict[str, Any]) -> dict[str, Any]:
    unknown = set(changes) - set(SETTINGS_FIELDS)
    if unknown:
        raise ValueError(f"workspace_update cannot change {', '.join(sorted(unknown))}.")
    errors: dict[str, str] = {}
    clean = dict(changes)
    if "name" in clean:
        clean["name"] = str(clean["name"] or "").strip()
        if not clean["name"]:
            errors["name"] = _("Give the workspace a name.")
        elif len(clean["name"]) > NAME_MAX:
            errors["name"] = _("The name may be at most %(max)d characters.") % {"max": NAME_MAX}
    if "time_zone" in clean:
        clean["time_zone"] = str(clean["time_zone"] or "").strip()
        if not is_time_zone(clean["time_zone"]):
            errors["time_zone"] = _("“%(zone)s” is not a time zone; pick one such as Europe/Berlin.") % {
                "zone": clean["time_zone"][:64]}
    if "language" in clean and clean["language"] not in dict(settings.LANGUAGES):
        errors["language"] = _("Pick one of the languages offered.")
    if "requires_approval" in clean:
        clean["requires_approval"] = bool(clean["requires_approval"])
    if errors:
        raise ValidationError(errors)
    return clean


@cache
def time_zone_names() -> list[str]:
    """The IANA zones this machine's zoneinfo knows, sorted (the settings form offers them)."""
    return sorted(available_timezones() - NOT_ZONES)


def is_time_zone(name: str) -> bool:
    if not name or len(name) > 64 or name not in time_zone_names():
        return False
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def workspace_update(workspace: Workspace, *, actor: Any, **changes: Any) -> Workspace:
    """Change the workspace's settings (SETTINGS_FIELDS); the log records each changed field, before and after.

    A new time zone applies to wall-clock times entered from now on; already scheduled posts keep their instant.
    """
    clean = _clean_settings(changes)
    changed = {name: (getattr(workspace, name), value) for name, value in clean.items()
               if getattr(workspace, name) != value}
    if not changed:
        return workspace
    for name, (_old, value) in changed.items():
        setattr(workspace, name, value)
    workspace.save(update_fields=list(changed))
    audit_record(workspace=workspace, actor=actor, action="workspace.updated", target=workspace,
                 details={name: {"from": old, "to": new} for name, (old, new) in changed.items()})
    return workspace
