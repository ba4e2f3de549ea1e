"""Chromium: a user who chose German signs in, works in the German calendar and composer, then switches to English."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.test.utils import override_settings

import smo.settings as project
from scheduler.models import DeliveryState
from tests.calendar.conftest import JULY_1_10_UTC
from tests.factories import PASSWORD, ChannelFactory, DeliveryFactory, MemberFactory, PostFactory, WorkspaceFactory
from workspaces.models import Role, UserPreference

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
X_SCOPES = ["tweet.read", "tweet.write", "users.read", "offline.access"]


def _reload_middleware(live_server: Any) -> None:
    # The live server built its handler (and middleware chain) when the session started; the i18n fixtures
    # may have added the language middleware since, so the chain is rebuilt from the current settings.
    app = live_server.thread.httpd.get_app()
    while hasattr(app, "application"):  # static and media file wrappers around Django's WSGIHandler
        app = app.application
    app.load_middleware()


@pytest.fixture
def i18n_live_server(live_server: Any) -> Iterator[Any]:
    _reload_middleware(live_server)
    yield live_server
    # Leave the shared live server as the project's settings build it, for the browser tests that follow.
    with override_settings(MIDDLEWARE=project.MIDDLEWARE):
        _reload_middleware(live_server)


@pytest.fixture
def german_user(db: Any) -> Any:
    workspace = WorkspaceFactory(slug="acme", name="Acme", time_zone="Europe/Berlin", language="en")
    user = MemberFactory(workspace=workspace, role=Role.MARKETER).user
    UserPreference.objects.create(user=user, language="de")
    channel = ChannelFactory(workspace=workspace, platform="x", display_name="Acme auf X", scopes=X_SCOPES)
    post = PostFactory(workspace=workspace, text="Sommerfest")
    DeliveryFactory(post=post, channel=channel, state=DeliveryState.SCHEDULED, due_at=JULY_1_10_UTC,
                    scheduled_for=JULY_1_10_UTC)
    return user


def test_german_calendar_and_composer_then_english(page: Any, i18n_live_server: Any, german_user: Any) -> None:
    from playwright.sync_api import expect

    live_server = i18n_live_server

    # The browser asks for English; the user's own choice wins once they are signed in.
    page.goto(f"{live_server.url}/w/acme/calendar/?view=month&date=2030-07-01")
    page.get_by_label("Username").fill(german_user.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/w/acme/calendar/**")

    nav = page.locator("#main-nav")
    expect(nav.get_by_role("link", name="Kalender")).to_be_visible()
    expect(nav.get_by_role("link", name="Verfassen")).to_be_visible()
    expect(nav.get_by_role("button", name="Abmelden")).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Kalender")
    expect(page.locator(".fc-toolbar-title")).to_have_text("Juli 2030")  # FullCalendar speaks German too
    expect(page.get_by_role("button", name="Heute")).to_be_visible()
    expect(page.locator(".fc-col-header-cell").first).to_contain_text("Mo")  # weeks start on Monday
    expect(page.locator(".fc-event").first).to_contain_text("12:00")
    expect(page.locator(".fc-event").first).to_contain_text("Sommerfest")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "i18n-calendar-de.png"), full_page=True)

    nav.get_by_role("link", name="Verfassen").click()
    page.wait_for_url("**/w/acme/compose/**")
    expect(page.get_by_role("heading", level=1)).to_have_text("Verfassen")
    page.get_by_role("checkbox", name="Acme auf X").check()
    page.get_by_label("Text", exact=True).fill("x" * 281)
    counter = page.locator("[data-counter]")
    expect(counter).to_contain_text("Dieser Beitrag hat 281 von 280.")
    expect(page.get_by_role("button", name="Planen", exact=True)).to_be_disabled()
    page.get_by_label("Text", exact=True).fill("Sommerfest am Samstag")
    expect(page.get_by_role("button", name="Planen", exact=True)).to_be_enabled()
    page.get_by_role("button", name="Planen", exact=True).click()  # no time given: refused, in German
    expect(page.locator("#compose-errors")).to_contain_text(
        "Wählen Sie Datum und Uhrzeit, um diesen Beitrag zu planen, oder veröffentlichen Sie ihn sofort.")
    expect(page.get_by_label("Text", exact=True)).to_have_value("Sommerfest am Samstag")
    page.screenshot(path=str(ARTIFACTS / "i18n-composer-de.png"), full_page=True)

    page.goto(f"{live_server.url}/account/language/?next=/w/acme/compose/")
    page.get_by_role("radio", name="English").check()
    page.get_by_role("button", name="Speichern").click()
    page.wait_for_url("**/w/acme/compose/")
    expect(page.get_by_role("alert").first).to_contain_text("Your interface language is saved.")
    expect(page.get_by_role("heading", level=1)).to_have_text("Compose")
    expect(nav.get_by_role("link", name="Calendar")).to_be_visible()
    expect(page.get_by_role("button", name="Publish now")).to_be_visible()
    assert UserPreference.objects.get(user=german_user).language == "en"
