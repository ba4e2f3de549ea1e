"""i18n fixtures: the German catalogue compiled once, the language middleware and date formats switched on.

The middleware and FORMAT_MODULE_PATH belong in smo/settings.py; the fixtures add them when they are
missing so these tests exercise the code either way (test_settings.py checks the real settings).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import translation
from django.utils.translation import trans_real

from tests.factories import MemberFactory, UserFactory, WorkspaceFactory
from workspaces.models import Role, UserPreference, Workspace

MIDDLEWARE = "workspaces.middleware.UserLanguageMiddleware"
AUTH_MIDDLEWARE = "django.contrib.auth.middleware.AuthenticationMiddleware"
FORMATS = "workspaces.formats"
I18N_CONTEXT = "django.template.context_processors.i18n"  # LANGUAGE_CODE for <html lang>


def reset_translation_caches() -> None:
    """Forget loaded catalogues, as Django's own setting_changed handler does for LOCALE_PATHS."""
    trans_real._translations = {}
    trans_real._default = None
    trans_real._active = trans_real.Local()
    for cached in (trans_real.check_for_language, getattr(trans_real, "translation_catalog_exists", None)):
        if hasattr(cached, "cache_clear"):
            cached.cache_clear()


@pytest.fixture(scope="session", autouse=True)
def compiled_catalogue() -> None:
    # The .mo is git-ignored and built by the setup step; build it here too so the tests never depend on that.
    call_command("compile_translations", verbosity=0)
    reset_translation_caches()


@pytest.fixture(autouse=True)
def i18n_settings(settings: Any) -> Iterator[None]:
    if MIDDLEWARE not in settings.MIDDLEWARE:
        middleware = list(settings.MIDDLEWARE)
        middleware.insert(middleware.index(AUTH_MIDDLEWARE) + 1, MIDDLEWARE)
        settings.MIDDLEWARE = middleware
    paths = settings.FORMAT_MODULE_PATH or []
    paths = [paths] if isinstance(paths, str) else list(paths)
    if FORMATS not in paths:
        settings.FORMAT_MODULE_PATH = [FORMATS, *paths]
    processors = settings.TEMPLATES[0]["OPTIONS"]["context_processors"]
    if I18N_CONTEXT not in processors:
        templates = [dict(settings.TEMPLATES[0], OPTIONS={**settings.TEMPLATES[0]["OPTIONS"],
                                                          "context_processors": [*processors, I18N_CONTEXT]})]
        settings.TEMPLATES = templates + list(settings.TEMPLATES[1:])
    yield
    translation.activate(settings.LANGUAGE_CODE)  # never leak a language into the next test


@pytest.fixture
def workspace(db: Any) -> Workspace:
    return WorkspaceFactory(slug="acme", name="Acme", time_zone="Europe/Berlin", language="en")


def client_as(workspace: Workspace, *, language: str = "", role: str = Role.MARKETER,
              accept: str = "en") -> tuple[Client, Any]:
    """A signed-in client of a member of `workspace` with the given preference and Accept-Language."""
    user = UserFactory()
    MemberFactory(workspace=workspace, user=user, role=role)
    if language:
        UserPreference.objects.create(user=user, language=language)
    client = Client(HTTP_ACCEPT_LANGUAGE=accept)
    client.force_login(user)
    return client, user
