"""Per-user preferences: the interface language (reads and the one write, `user_set_language`).

A blank language means "automatic": the workspace's language on its pages, else the browser's.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from workspaces.models import UserPreference, Workspace

AUTOMATIC = ""


def supported_languages() -> tuple[str, ...]:
    return tuple(code for code, _name in settings.LANGUAGES)


def user_language(user_id: int | None) -> str:
    """The user's chosen language code, or "" when they chose none (or are anonymous)."""
    if user_id is None:
        return AUTOMATIC
    language = UserPreference.objects.filter(user_id=user_id).values_list("language", flat=True).first()
    # A code dropped from settings.LANGUAGES since it was saved is treated as no choice.
    return language if language in supported_languages() else AUTOMATIC


def workspace_language(user_id: int | None, slug: str) -> str:
    """The language of workspace `slug` if the user is a member; "" otherwise, so non-members learn nothing."""
    if user_id is None:
        return AUTOMATIC
    language = (
        Workspace.objects.filter(slug=slug, members__user_id=user_id).values_list("language", flat=True).first()
    )
    return language if language in supported_languages() else AUTOMATIC


def member_workspace_languages(user_id: int, limit: int) -> dict[str, str]:
    """slug -> language of (up to `limit` of) the workspaces the user is a member of."""
    rows = Workspace.objects.filter(members__user_id=user_id).order_by("pk").values_list("slug", "language")[:limit]
    offered = supported_languages()
    return {slug: (language if language in offered else AUTOMATIC) for slug, language in rows}


def user_set_language(*, user: Any, language: str) -> UserPreference:
    """Save the user's interface language; "" returns to automatic. Raises ValidationError for unknown codes."""
    language = (language or "").strip()
    if language != AUTOMATIC and language not in supported_languages():
        raise ValidationError(_("Pick one of the languages offered."), code="language")
    preference, _created = UserPreference.objects.update_or_create(user=user, defaults={"language": language})
    return preference
