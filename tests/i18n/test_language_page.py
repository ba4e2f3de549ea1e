"""/account/language/ and the navbar menu: save the choice, keep the user where they were, refuse bad input."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.loader import render_to_string
from django.test import Client, RequestFactory
from django.utils import translation

from tests.i18n.conftest import client_as
from workspaces.models import UserPreference, Workspace
from workspaces.preferences import user_language, user_set_language

pytestmark = [pytest.mark.django_db]
PAGE = "/account/language/"


def test_page_needs_a_signed_in_user() -> None:
    response = Client().get(PAGE)
    assert response.status_code == 302 and response["Location"].startswith("/login/")


def test_page_offers_automatic_and_each_language_by_its_own_name(workspace: Workspace) -> None:
    client, _user = client_as(workspace, language="de")
    html = client.get(PAGE).content.decode()
    assert "Sprache der Oberfläche" in html
    assert 'value="de" id="language-de" checked' in html
    assert 'lang="en">English</label>' in html and 'lang="de">Deutsch</label>' in html
    assert 'value="" id="language-auto"' in html


def test_choosing_german_saves_sets_the_cookie_and_returns_to_next(workspace: Workspace) -> None:
    client, user = client_as(workspace, accept="en")
    response = client.post(PAGE, {"language": "de", "next": "/w/acme/calendar/?view=week"})
    assert response.status_code == 302 and response["Location"] == "/w/acme/calendar/?view=week"
    assert UserPreference.objects.get(user=user).language == "de"
    cookie = response.cookies[settings.LANGUAGE_COOKIE_NAME]
    assert cookie.value == "de" and cookie["httponly"] and cookie["samesite"] == "Lax"
    page = client.get("/w/acme/calendar/?view=week").content.decode()
    assert "Die Sprache der Oberfläche wurde gespeichert." in page  # confirmed in the new language
    assert ">Kalender</a>" in page


def test_automatic_clears_the_choice_and_the_cookie(workspace: Workspace) -> None:
    client, user = client_as(workspace, language="de")
    response = client.post(PAGE, {"language": ""})
    assert response.status_code == 302 and response["Location"] == PAGE
    assert UserPreference.objects.get(user=user).language == ""
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == ""  # deleted
    assert user_language(user.pk) == ""


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/x", "javascript:alert(1)"])
def test_next_outside_this_site_is_ignored(workspace: Workspace, target: str) -> None:
    client, _user = client_as(workspace)
    response = client.post(PAGE, {"language": "en", "next": target})
    assert response["Location"] == PAGE


def test_unknown_language_is_refused_and_nothing_is_saved(workspace: Workspace) -> None:
    client, user = client_as(workspace, language="de")
    response = client.post(PAGE, {"language": "fr", "next": "/w/acme/calendar/"})
    assert response.status_code == 400
    html = response.content.decode()
    assert "Wählen Sie eine der angebotenen Sprachen." in html  # still in the saved language
    assert 'name="next" value="/w/acme/calendar/"' in html  # where the user came from is kept
    assert UserPreference.objects.get(user=user).language == "de"


def test_service_validates_and_updates_in_place(workspace: Workspace) -> None:
    _client, user = client_as(workspace)
    user_set_language(user=user, language="de")
    user_set_language(user=user, language=" en ")
    assert list(UserPreference.objects.filter(user=user).values_list("language", flat=True)) == ["en"]
    with pytest.raises(ValidationError) as refused:
        user_set_language(user=user, language="klingon")
    assert refused.value.code == "language"


def test_navbar_menu_posts_each_language_and_marks_the_current_one(workspace: Workspace) -> None:
    _client, user = client_as(workspace)
    request = RequestFactory().get("/w/acme/calendar/?view=list")
    request.user = user
    with translation.override("de"):
        html = render_to_string("workspaces/_language_menu.html", request=request)
    assert 'action="/account/language/"' in html and 'method="post"' in html
    assert 'name="csrfmiddlewaretoken"' in html
    assert 'name="next" value="/w/acme/calendar/?view=list"' in html
    assert 'value="de" lang="de"\n            class="dropdown-item active" aria-current="true">Deutsch</button>' in html
    assert 'value="en" lang="en"\n            class="dropdown-item">English</button>' in html
    assert "Sprache der Oberfläche" in html and 'href="/account/language/"' in html


def test_posting_the_menu_form_switches_back_to_english(workspace: Workspace) -> None:
    german, _user = client_as(workspace, language="de")
    response = german.post(PAGE, {"language": "en", "next": "/w/acme/calendar/"}, follow=True)
    html = response.content.decode()
    assert ">Calendar</a>" in html and "Your interface language is saved." in html
