"""The pages of campaigns, queues, approvals, bulk import, audit log, members and settings, read in German.

Each page gets a German heading and a German navbar with no English label left over, and shows its dates in
the German short formats (03.06.2030 10:00) while English keeps SMO's ISO style (2030-06-03 10:00).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import Client
from django.utils import translation

from approvals.services import approval_request
from imports.models import ImportJob, ImportState
from imports.parsing import parse_upload
from imports.validation import validate_file
from platforms.models import Channel
from scheduler import queues
from scheduler.models import Delivery, DeliveryState
from tests.factories import CampaignFactory, ChannelFactory, PostFactory
from tests.i18n.conftest import client_as
from workspaces.models import Role, Workspace

pytestmark = [pytest.mark.django_db]
# Monday 2030-06-03 08:00 UTC = 10:00 in Berlin (CEST).
NOW = datetime(2030, 6, 3, 8, 0, tzinfo=UTC)
MONDAY, TUESDAY = 0, 1

PAGES = {
    "campaigns": ("/w/acme/campaigns/", "Kampagnen"),
    "queues": ("/w/acme/queues/", "Veröffentlichungs-Warteschlangen"),
    "approvals": ("/w/acme/approvals/", "Freigaben"),
    "import": ("/w/acme/import/", "Beiträge importieren"),
    "audit": ("/w/acme/audit/", "Prüfprotokoll"),
    "members": ("/w/acme/members/", "Mitglieder"),
    "settings": ("/w/acme/settings/", "Einstellungen des Arbeitsbereichs"),
}
# The navbar as an admin of a workspace that requires approval sees it: (English, German).
NAV = [("Calendar", "Kalender"), ("Compose", "Verfassen"), ("Queues", "Warteschlangen"),
       ("Campaigns", "Kampagnen"), ("Deliveries", "Zustellungen"), ("Approvals", "Freigaben"),
       ("Inbox", "Posteingang"), ("Channels", "Kanäle"), ("Media", "Medien"), ("Workspace", "Arbeitsbereich"),
       ("Bulk import", "Massenimport"), ("Members", "Mitglieder"),
       ("Inbox sync health", "Posteingang-Synchronisierung"), ("Settings", "Einstellungen"),
       ("Audit log", "Prüfprotokoll"), ("Log out", "Abmelden")]


@pytest.fixture
def clock() -> Iterator[Any]:
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def x(workspace: Workspace) -> Channel:
    return ChannelFactory(workspace=workspace, platform="x", display_name="Acme on X")


@pytest.fixture
def world(workspace: Workspace, x: Channel, clock: Any) -> Workspace:
    """One of everything the pages list, made at NOW: a campaign, a queued post, a pending approval, an
    import; the audit events come from the services. Approval is switched on last so the queue accepts."""
    CampaignFactory(workspace=workspace, name="Frühling", starts_on=date(2030, 6, 3), ends_on=date(2030, 6, 30))
    queues.queue_set_slots(x, [(MONDAY, time(17)), (TUESDAY, time(9))])
    queues.post_add_to_queue(PostFactory(workspace=workspace, text="Aus der Warteschlange"), [x])
    _client, author = client_as(workspace, role=Role.MARKETER)
    post = PostFactory(workspace=workspace, text="Bitte freigeben")
    Delivery.objects.create(workspace=workspace, post=post, channel=x, state=DeliveryState.DRAFT)
    approval_request(post, author)
    ImportJob.objects.create(workspace=workspace, created_by=author, filename="plan.csv", format="csv",
                             content=b"-", state=ImportState.VALIDATED, total_rows=2, valid_rows=2)
    Workspace.objects.filter(pk=workspace.pk).update(requires_approval=True)
    return workspace


def german_admin(workspace: Workspace) -> Client:
    client, _user = client_as(workspace, language="de", role=Role.ADMIN, accept="en")
    return client


def heading(html: str) -> str:
    found = re.search(r"<h1[^>]*>(.*?)</h1>", html, re.S)
    assert found, "the page has no <h1>"
    return re.sub(r"<small.*?</small>", "", found.group(1), flags=re.S).strip()


@pytest.mark.parametrize("page", PAGES)
def test_each_page_has_a_german_heading_and_a_german_navbar(world: Workspace, page: str) -> None:
    client = german_admin(world)
    url, title = PAGES[page]
    response = client.get(url)
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="de">' in html
    assert heading(html) == title
    assert [german for _english, german in NAV if f">{german}</" not in html] == []
    assert [english for english, _german in NAV if f">{english}</" in html] == []


def test_campaign_dates_are_german(world: Workspace) -> None:
    html = german_admin(world).get(PAGES["campaigns"][0]).content.decode()
    assert "03.06.2030 – 30.06.2030" in html and "2030-06-03" not in html
    assert ">Alle außer archivierten</option>" in html and "läuft" in html


def test_queue_times_use_the_german_date_format(world: Workspace) -> None:
    html = german_admin(world).get(PAGES["queues"][0]).content.decode()
    assert "Mo, 3. Jun 2030, 17:00 CEST" in html
    assert "Der nächste hinzugefügte Beitrag geht am Di, 4. Jun 2030, 09:00 CEST hinaus." in html
    assert "Montag 17:00" in html and "Warteschlange pausieren" in html
    assert "Mon 3 Jun" not in html


def test_queue_placement_message_is_german(workspace: Workspace, x: Channel, clock: Any) -> None:
    queues.queue_set_slots(x, [(MONDAY, time(17))])
    placements = queues.post_add_to_queue(PostFactory(workspace=workspace), [x])
    zone = ZoneInfo("Europe/Berlin")
    with translation.override("de"):
        assert queues.placements_text(placements, zone) == (
            "Zur Warteschlange hinzugefügt: Acme on X am Mo, 3. Jun 2030, 17:00 CEST.")
    with translation.override("en"):
        assert queues.placements_text(placements, zone) == (
            "Added to the queue: Acme on X on Mon 3 Jun 2030, 17:00 CEST.")


def test_approval_queue_is_german(world: Workspace) -> None:
    html = german_admin(world).get(PAGES["approvals"][0]).content.decode()
    assert "Wartet auf Freigabe" in html and "Bitte freigeben" in html
    assert "03.06.2030 10:00" in html and "2030-06-03" not in html
    assert ">Freigeben</button>" in html and ">Ablehnen</button>" in html


def test_import_history_and_job_page_are_german(world: Workspace) -> None:
    client = german_admin(world)
    html = client.get(PAGES["import"][0]).content.decode()
    assert "Frühere Importe" in html and "Geprüft, bereit zum Import" in html
    assert "03.06.2030 10:00" in html and "2030-06-03 10:00" not in html
    job = ImportJob.objects.get(workspace=world)
    page = client.get(f"/w/acme/import/{job.pk}/").content.decode()
    assert re.search(r"Hochgeladen am 03\.06\.2030 10:00 CEST von \S+ · 2 Zeilen", page)
    assert ">Probelauf</h2>" in page


def test_import_row_errors_name_times_in_german(workspace: Workspace, x: Channel, clock: Any) -> None:
    data = ("date,time,channels,text\n2020-01-15,10:00,Acme on X,Alt\n2036-03-30,02:30,Acme on X,Lücke\n"
            ).encode()
    with translation.override("de"):
        past, gap = (result.errors for result in validate_file(workspace, parse_upload("t.csv", data)))
    assert past == ["Dieser Zeitpunkt (15.01.2020 10:00 CET) liegt bereits in der Vergangenheit. "
                    "Wählen Sie einen späteren."]
    assert gap == ["02:30 gibt es am 30.03.2036 in Europe/Berlin nicht: Die Uhren werden dann vorgestellt. "
                   "Wählen Sie eine andere Uhrzeit."]


def test_audit_log_is_german(world: Workspace) -> None:
    html = german_admin(world).get(PAGES["audit"][0]).content.decode()
    assert "Freigabe angefordert" in html and "Warteschlange geändert" in html
    assert "03.06.2030 10:00:00" in html and "2030-06-03 10:00:00" not in html
    assert "Prüfprotokoll filtern" in html


def test_members_and_settings_are_german(world: Workspace) -> None:
    client = german_admin(world)
    members = client.get(PAGES["members"][0]).content.decode()
    assert "Mitglied seit" in members and "03.06.2030" in members and "Freigeber" in members
    settings_page = client.get(PAGES["settings"][0]).content.decode()
    assert "Zeitzone" in settings_page and "Beiträge brauchen eine Freigabe" in settings_page
    assert ">Einstellungen speichern</button>" in settings_page


def test_english_keeps_iso_dates_on_the_same_pages(world: Workspace) -> None:
    client, _user = client_as(world, language="en", role=Role.ADMIN)
    assert "2030-06-03 – 2030-06-30" in client.get(PAGES["campaigns"][0]).content.decode()
    assert "Mon 3 Jun 2030, 17:00 CEST" in client.get(PAGES["queues"][0]).content.decode()
    assert "2030-06-03 10:00" in client.get(PAGES["approvals"][0]).content.decode()
    assert "2030-06-03 10:00:00" in client.get(PAGES["audit"][0]).content.decode()
    assert heading(client.get(PAGES["audit"][0]).content.decode()) == "Audit log"
