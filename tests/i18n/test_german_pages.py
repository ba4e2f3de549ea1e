"""German dates, numbers and validation messages where users meet them: formats, composer, calendar."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime

import pytest
from django.utils import translation
from django.utils.formats import date_format, number_format

from platforms.facebook.text import problems as facebook_problems
from platforms.preflight import check_media
from platforms.types import ChannelRef, Credentials, MediaItem, PublishRequest
from tests.factories import ChannelFactory
from tests.i18n.conftest import client_as
from workspaces.models import Workspace

pytestmark = [pytest.mark.django_db]
MOMENT = datetime(2026, 5, 4, 9, 30, tzinfo=UTC)
MB = 1_000_000


def test_dates_follow_the_language() -> None:
    with translation.override("de"):
        assert date_format(MOMENT, "SHORT_DATETIME_FORMAT") == "04.05.2026 09:30"
        assert date_format(MOMENT, "DATE_FORMAT") == "4. Mai 2026"
    with translation.override("en"):  # SMO's English keeps ISO dates and the 24-hour clock
        assert date_format(MOMENT, "SHORT_DATETIME_FORMAT") == "2026-05-04 09:30"
        assert date_format(MOMENT, "TIME_FORMAT") == "09:30"


def test_numbers_follow_the_language() -> None:
    with translation.override("de"):
        assert number_format(1234.5, 1, force_grouping=True) == "1.234,5"
    with translation.override("en"):
        assert number_format(1234.5, 1, force_grouping=True) == "1,234.5"


def test_platform_rules_speak_german_with_german_numbers() -> None:
    photo = MediaItem(url="https://example.com/a.jpg", mime_type="image/jpeg", size_bytes=int(5.5 * MB))
    with translation.override("de"):
        assert check_media("x", "X", (photo,)) == ["X akzeptiert Fotos bis 5 MB; Foto 1 hat 5,5 MB."]
        gifs = tuple(MediaItem(url=f"https://example.com/{n}.gif", mime_type="image/gif") for n in range(2))
        assert check_media("x", "X", gifs) == ["X erlaubt höchstens 1 GIF pro Beitrag; dieser Beitrag hat 2."]
    with translation.override("en"):
        assert check_media("x", "X", (photo,)) == ["X accepts photos up to 5 MB; photo 1 is 5.5 MB."]


def test_long_facebook_post_counts_with_german_grouping() -> None:
    ref = ChannelRef(platform="facebook", external_id="1", handle="acme", credentials=Credentials())
    request = PublishRequest(channel=ref, text="x" * 63207)
    with translation.override("de"):
        assert facebook_problems(request) == [
            "Facebook erlaubt höchstens 63.206 Zeichen in einem Beitrag; dieser Beitrag hat 63.207."]


def test_composer_refusal_is_german_and_keeps_the_text(workspace: Workspace) -> None:
    channel = ChannelFactory(workspace=workspace, platform="x", display_name="Acme X",
                             scopes=["tweet.read", "tweet.write", "users.read", "offline.access"])
    client, _user = client_as(workspace, language="de")
    page = client.get("/w/acme/compose/").content.decode()
    assert "Jetzt veröffentlichen" in page and "Entwurf speichern" in page
    assert 'data-blocked-title="Beheben Sie zuerst die aufgeführten Probleme."' in page
    response = client.post("/w/acme/compose/submit/", {"text": "Frühlingsstart", "channels": [str(channel.pk)],
                                                        "at": "", "action": "schedule", "draft_key": "k1"})
    html = response.content.decode()
    assert "Wählen Sie Datum und Uhrzeit, um diesen Beitrag zu planen" in html
    assert "Frühlingsstart" in html  # nothing typed is lost


def test_composer_counter_reports_bad_input_in_german(workspace: Workspace) -> None:
    channel = ChannelFactory(workspace=workspace, platform="x")
    client, _user = client_as(workspace, language="de")
    answer = client.post("/w/acme/compose/counter/", {"text": "Hallo", "channels": [str(channel.pk)],
                                                      "media": "javascript:alert(1)"},
                         HTTP_ACCEPT="application/json").json()
    assert answer["errors"] == ["Basisbeitrag: Medienzeile 1 ist keine Webadresse (http:// oder https://)."]


def test_calendar_hands_fullcalendar_the_german_locale_and_texts(workspace: Workspace) -> None:
    client, _user = client_as(workspace, language="de")
    html = client.get("/w/acme/calendar/").content.decode()
    found = re.search(r'<script id="calendar-config" type="application/json">(.*?)</script>', html, re.S)
    assert found
    config = json.loads(found.group(1))
    assert (config["locale"], config["firstDay"]) == ("de", 1)  # Intl month names and weeks start Monday
    assert config["buttonText"]["today"] == "Heute" and config["allDayText"] == "ganztägig"
    assert config["messages"]["loadFailed"] == "Der Kalender konnte seine Beiträge nicht laden."
    assert config["legend"]["states"]["scheduled"]["label"] == "Geplant"
    english, _user = client_as(workspace, language="en")
    config = json.loads(re.search(r'"calendar-config" type="application/json">(.*?)</script>',
                                  english.get("/w/acme/calendar/").content.decode(), re.S).group(1))
    assert (config["locale"], config["firstDay"], config["buttonText"]["today"]) == ("en", 0, "Today")


def test_calendar_feed_errors_are_german(workspace: Workspace) -> None:
    client, _user = client_as(workspace, language="de")
    answer = client.get("/w/acme/calendar/feed/", {"start": "gestern", "end": "2030-07-08"}).json()
    assert answer["error"] == "Die Zeitangabe start 'gestern' ist kein Datum und keine Uhrzeit nach ISO 8601."
