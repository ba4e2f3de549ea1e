"""The calendar page: config handed to calendar.js, filters from the URL, roles, escaping, scoping."""

from __future__ import annotations

import json
import re

import pytest
from django.test import Client

from workspaces.models import Workspace

pytestmark = [pytest.mark.django_db]
PAGE = "/w/acme/calendar/"


def config_of(html: str) -> dict:
    found = re.search(r'<script id="calendar-config" type="application/json">(.*?)</script>', html, re.S)
    assert found
    return json.loads(found.group(1))


def test_page_hands_config_and_keeps_filters(marketer: Client, workspace: Workspace, channels, campaign) -> None:
    response = marketer.get(PAGE, {"view": "week", "date": "2030-07-01", "channel": channels[1].pk,
                                   "campaign": campaign.pk, "state": "scheduled"})
    assert response.status_code == 200
    html = response.content.decode()
    config = config_of(html)
    assert config["feedUrl"] == "/w/acme/calendar/feed/"
    assert config["moveUrl"] == "/w/acme/calendar/deliveries/0/move/"
    assert config["undoUrl"] == "/w/acme/calendar/undo/"
    assert config["composeUrl"] == "/w/acme/compose/"
    assert (config["timeZone"], config["initialView"], config["initialDate"]) == ("Europe/Berlin", "timeGridWeek",
                                                                                  "2030-07-01")
    assert config["canEdit"] is True
    assert set(config["legend"]["platforms"]) == {"x", "facebook"}
    assert f'<option value="{channels[1].pk}" selected>Acme &lt;b&gt;Page&lt;/b&gt; (facebook)</option>' in html
    assert f'<option value="{campaign.pk}" selected>Summer</option>' in html
    assert '<option value="scheduled" selected>' in html
    assert "Acme <b>Page</b>" not in html
    assert 'data-action="compose"' in html
    assert "static/js/calendar.js" in html and "vendor/fullcalendar/interaction.global.min.js" in html


def test_bad_view_and_date_fall_back(marketer: Client, workspace: Workspace) -> None:
    config = config_of(marketer.get(PAGE, {"view": "year", "date": "tomorrow"}).content.decode())
    assert (config["initialView"], config["initialDate"]) == ("dayGridMonth", "")


def test_viewer_reads_without_editing(viewer: Client, workspace: Workspace) -> None:
    html = viewer.get(PAGE).content.decode()
    assert config_of(html)["canEdit"] is False
    assert 'data-action="compose"' not in html


def test_outsider_gets_404(outsider: Client, workspace: Workspace) -> None:
    assert outsider.get(PAGE).status_code == 404
