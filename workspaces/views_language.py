"""The interface language page (/account/language/) that the navbar's language menu also posts to."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from workspaces.middleware import forget_language
from workspaces.preferences import AUTOMATIC, user_language, user_set_language


def _safe_next(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    allowed = url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                              require_https=request.is_secure())
    return target if allowed else ""


def _options() -> list[dict[str, str]]:
    """Each language by its own name ("Deutsch"), so a user who cannot read the current one still finds theirs."""
    return [{"code": code, "name": translation.get_language_info(code)["name_local"]}
            for code, _name in settings.LANGUAGES]


def _remember(response: HttpResponse, language: str) -> None:
    # The cookie keeps the choice on the login page after signing out (LocaleMiddleware reads it).
    if language == AUTOMATIC:
        response.delete_cookie(settings.LANGUAGE_COOKIE_NAME, path=settings.LANGUAGE_COOKIE_PATH)
        return
    response.set_cookie(settings.LANGUAGE_COOKIE_NAME, language, max_age=settings.LANGUAGE_COOKIE_AGE,
                        path=settings.LANGUAGE_COOKIE_PATH, samesite="Lax",
                        secure=settings.SESSION_COOKIE_SECURE, httponly=True)


@login_required
@require_http_methods(["GET", "POST"])
def language_page(request: HttpRequest) -> HttpResponse:
    chosen = user_language(request.user.pk)
    error = ""
    if request.method == "POST":
        chosen = request.POST.get("language", "")
        try:
            user_set_language(user=request.user, language=chosen)
        except ValidationError as exc:
            error = " ".join(exc.messages)
        else:
            forget_language(request)  # the middleware's remembered answer is stale now
            if chosen != AUTOMATIC:
                translation.activate(chosen)  # confirm in the language just chosen
            messages.success(request, _("Your interface language is saved."))
            response = redirect(_safe_next(request) or "language")
            _remember(response, chosen)
            return response
    context = {"options": _options(), "chosen": chosen, "error": error, "next": _safe_next(request)}
    return render(request, "workspaces/language.html", context, status=400 if error else 200)
