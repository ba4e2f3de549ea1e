"""Pick the interface language for each request.

Order: the signed-in user's own choice, else the language of the workspace whose page this is
(/w/<slug>/…, members only), else what LocaleMiddleware already chose from the language cookie and
the browser's Accept-Language. Must run after AuthenticationMiddleware; LocaleMiddleware, earlier in
the chain, still sets Content-Language and Vary on the way out from the language active then.

The answers live in the session: filled at sign-in (the user's choice and the languages of their
workspaces) and read again after REFRESH_SECONDS, so a page, even one that polls every few seconds,
costs no extra query. One's own new choice applies at once (the switcher forgets the entry); a
workspace's new language, or a choice made on another device, within REFRESH_SECONDS.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import translation

from workspaces.preferences import member_workspace_languages, user_language, workspace_language

WORKSPACE_PATH = re.compile(r"^/w/(?P<slug>[-\w]+)/")
SESSION_KEY = "_smo_language"
REFRESH_SECONDS = 60
MAX_WORKSPACES = 50  # workspace languages remembered per session; others are looked up when visited


def remember_languages(request: HttpRequest, user: Any) -> dict[str, Any]:
    """Read the user's choice and their workspaces' languages (2 queries) into the session."""
    entry = {"user": user.pk, "at": time.time(), "pref": user_language(user.pk),
             "ws": member_workspace_languages(user.pk, MAX_WORKSPACES)}
    request.session[SESSION_KEY] = entry
    return entry


def remember_on_login(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    """user_logged_in receiver: the first page after signing in is then as cheap as every other one."""
    if request is not None and hasattr(request, "session"):
        remember_languages(request, user)


def _entry(request: HttpRequest, user: Any) -> dict[str, Any]:
    entry = request.session.get(SESSION_KEY)
    fresh = (isinstance(entry, dict) and entry.get("user") == user.pk
             and time.time() - entry.get("at", 0) < REFRESH_SECONDS)
    return entry if fresh else remember_languages(request, user)


def _workspace_language(request: HttpRequest, entry: dict[str, Any], user_id: int, slug: str) -> str:
    known = entry["ws"]
    if slug not in known:  # joined since the entry was made, or not a member (then "" and 404 anyway)
        if len(known) >= MAX_WORKSPACES:
            known.pop(next(iter(known)))
        known[slug] = workspace_language(user_id, slug)
        request.session.modified = True  # a nested change is not noticed by the session on its own
    return known[slug]


def preferred_language(request: HttpRequest) -> str:
    """The language this request should use, or "" to keep LocaleMiddleware's choice."""
    # Without a session cookie nobody is signed in: skip touching request.user, so cookie-less requests
    # (webhooks, signed media links) neither query the database nor get Vary: Cookie.
    if settings.SESSION_COOKIE_NAME not in request.COOKIES:
        return ""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return ""
    entry = _entry(request, user)
    if entry["pref"]:
        return entry["pref"]
    match = WORKSPACE_PATH.match(request.path_info)
    return _workspace_language(request, entry, user.pk, match["slug"]) if match else ""


def forget_language(request: HttpRequest) -> None:
    """Drop the remembered answers, e.g. after the user chose a language, so the next request reads again."""
    request.session.pop(SESSION_KEY, None)


class UserLanguageMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        language = preferred_language(request)
        if language and language in dict(settings.LANGUAGES):  # a remembered code may have been dropped since
            translation.activate(language)
            request.LANGUAGE_CODE = translation.get_language()
        return self.get_response(request)
