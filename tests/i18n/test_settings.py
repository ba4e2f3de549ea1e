"""The project settings wire the language machinery in (read from smo/settings.py itself, not the fixtures)."""

from __future__ import annotations

import smo.settings as project


def test_language_middleware_runs_after_authentication_and_locale() -> None:
    middleware = project.MIDDLEWARE
    assert "workspaces.middleware.UserLanguageMiddleware" in middleware
    position = middleware.index("workspaces.middleware.UserLanguageMiddleware")
    assert middleware.index("django.contrib.auth.middleware.AuthenticationMiddleware") < position
    assert middleware.index("django.middleware.locale.LocaleMiddleware") < position


def test_formats_and_language_context_are_configured() -> None:
    paths = getattr(project, "FORMAT_MODULE_PATH", None) or []
    assert "workspaces.formats" in ([paths] if isinstance(paths, str) else paths)
    assert "django.template.context_processors.i18n" in project.TEMPLATES[0]["OPTIONS"]["context_processors"]
    assert [code for code, _name in project.LANGUAGES] == ["en", "de"]


def test_navbar_includes_the_language_menu() -> None:
    base = (project.BASE_DIR / "templates" / "base.html").read_text(encoding="utf-8")
    assert '{% include "workspaces/_language_menu.html" %}' in base
