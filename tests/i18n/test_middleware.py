"""Which language a request gets: the user's choice, else the workspace's on its pages, else the browser's."""

from __future__ import annotations

import time
from typing import Any

import pytest
from django.conf import settings
from django.test import Client, RequestFactory

from tests.factories import MemberFactory, WorkspaceFactory
from tests.i18n.conftest import client_as
from workspaces.middleware import preferred_language
from workspaces.models import Workspace

pytestmark = [pytest.mark.django_db]
CALENDAR = "/w/acme/calendar/"


def nav_language(response: Any) -> str:
    """The language the page was rendered in, judged by the navbar's "Calendar" link."""
    html = response.content.decode()
    assert response.status_code == 200, html[:500]
    if ">Kalender</a>" in html:
        return "de"
    assert ">Calendar</a>" in html
    return "en"


def test_anonymous_visitor_gets_the_browser_language() -> None:
    response = Client(HTTP_ACCEPT_LANGUAGE="de-DE,de;q=0.9").get("/login/")
    assert "Bei SMO anmelden" in response.content.decode()
    assert response["Content-Language"] == "de"
    assert "Log in to SMO" in Client(HTTP_ACCEPT_LANGUAGE="en").get("/login/").content.decode()


def test_user_preference_beats_workspace_and_browser(workspace: Workspace) -> None:
    workspace.language = "en"
    workspace.save()
    client, _user = client_as(workspace, language="de", accept="en")
    response = client.get(CALENDAR)
    assert nav_language(response) == "de"
    assert response["Content-Language"] == "de"
    assert '<html lang="de">' in response.content.decode()


def test_english_preference_beats_a_german_workspace_and_browser(workspace: Workspace) -> None:
    workspace.language = "de"
    workspace.save()
    client, _user = client_as(workspace, language="en", accept="de")
    assert nav_language(client.get(CALENDAR)) == "en"


def test_without_preference_the_workspace_language_applies_on_its_pages(workspace: Workspace) -> None:
    workspace.language = "de"
    workspace.save()
    client, _user = client_as(workspace, accept="en")
    assert nav_language(client.get(CALENDAR)) == "de"
    # Outside the workspace's pages the browser decides again.
    assert "Interface language" in client.get("/account/language/").content.decode()


def test_workspace_language_beats_the_browser_on_its_pages_only(workspace: Workspace) -> None:
    client, _user = client_as(workspace, accept="de")  # the workspace works in English
    assert nav_language(client.get(CALENDAR)) == "en"
    assert "Sprache der Oberfläche" in client.get("/account/language/").content.decode()


def test_a_foreign_workspace_language_is_never_applied(workspace: Workspace) -> None:
    WorkspaceFactory(slug="rival", language="de")
    client, _user = client_as(workspace, accept="en")
    response = client.get("/w/rival/calendar/")
    assert response.status_code == 404
    assert response["Content-Language"] == "en"  # not even the 404 tells that the rival works in German


def test_requests_without_a_session_cookie_skip_the_database(django_assert_num_queries: Any) -> None:
    request = RequestFactory().get(CALENDAR)
    with django_assert_num_queries(0):
        assert preferred_language(request) == ""


def test_a_language_no_longer_offered_is_ignored(workspace: Workspace, settings: Any) -> None:
    client, _user = client_as(workspace, language="de", accept="en")
    settings.LANGUAGES = [("en", "English")]
    response = client.get(CALENDAR)
    assert nav_language(response) == "en"


def test_language_cookie_name_is_djangos_default() -> None:
    # The switcher writes this cookie; LocaleMiddleware reads it for signed-out visitors.
    assert settings.LANGUAGE_COOKIE_NAME == "django_language"


def test_pages_pay_no_extra_query_the_answers_are_remembered_at_sign_in(
        workspace: Workspace, django_assert_num_queries: Any) -> None:
    client, _user = client_as(workspace, accept="en")  # no choice: the workspace's language applies
    feed = {"start": "2030-07-01T00:00:00", "end": "2030-07-08T00:00:00"}
    # session, user, membership, deliveries: the same 4 as without the language middleware, from the first page
    for _ in range(2):
        with django_assert_num_queries(4):
            assert client.get("/w/acme/calendar/feed/", feed).status_code == 200


def test_a_workspace_joined_after_sign_in_is_looked_up_once(workspace: Workspace) -> None:
    client, user = client_as(workspace, accept="en")
    later = WorkspaceFactory(slug="later", language="de")
    MemberFactory(workspace=later, user=user)
    assert nav_language(client.get("/w/later/calendar/")) == "de"
    assert client.session["_smo_language"]["ws"] == {"acme": "en", "later": "de"}


def test_a_choice_made_on_another_device_applies_within_the_refresh_interval(workspace: Workspace) -> None:
    import time_machine

    from workspaces.middleware import REFRESH_SECONDS

    laptop, user = client_as(workspace, language="de")
    phone = Client(HTTP_ACCEPT_LANGUAGE="en")
    phone.force_login(user)
    with time_machine.travel(time.time(), tick=False) as clock:
        assert nav_language(phone.get(CALENDAR)) == "de"
        laptop.post("/account/language/", {"language": "en"})
        assert nav_language(laptop.get(CALENDAR)) == "en"  # at once where it was chosen
        assert nav_language(phone.get(CALENDAR)) == "de"  # remembered for a little while
        clock.shift(REFRESH_SECONDS + 1)
        assert nav_language(phone.get(CALENDAR)) == "en"


def test_a_workspace_language_change_applies_within_the_refresh_interval(workspace: Workspace) -> None:
    import time_machine

    from workspaces.middleware import REFRESH_SECONDS

    client, _user = client_as(workspace, accept="en")
    with time_machine.travel(time.time(), tick=False) as clock:
        assert nav_language(client.get(CALENDAR)) == "en"
        Workspace.objects.filter(pk=workspace.pk).update(language="de")
        clock.shift(REFRESH_SECONDS + 1)
        assert nav_language(client.get(CALENDAR)) == "de"
