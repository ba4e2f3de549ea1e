"""The inbox, its sync health page and the saved replies, read in German.

German headings, German navbar (with "Posteingang" and the sync health item), German dates (03.06.2030 09:30)
while English keeps SMO's ISO style; the messages the inbox services write (validation, reply limits, the
attention reason and its e-mail) follow the language too.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import translation

from inbox import triage
from inbox.attention import alert_email
from inbox.models import Conversation, SyncState
from inbox.replies import reply_problems
from inbox.services import inbox_ingest
from platforms.models import Channel, Health
from platforms.types import InboxEntry
from scheduler.models import DeliveryState
from tests.factories import ChannelFactory, DeliveryFactory, PostFactory
from tests.i18n.conftest import client_as
from tests.i18n.test_feature_pages_de import NAV, heading
from workspaces.models import Role, Workspace

pytestmark = [pytest.mark.django_db]
# Monday 2030-06-03 08:00 UTC = 10:00 in Berlin (CEST); the items were written half an hour earlier.
NOW = datetime(2030, 6, 3, 8, 0, tzinfo=UTC)
INBOX = "/w/acme/inbox/"
HEALTH = "/w/acme/inbox/health/"
SAVED = "/w/acme/inbox/saved-replies/"
# This workspace does not require approval, so its navbar has no "Approvals" item.
INBOX_NAV = [pair for pair in NAV if pair[0] != "Approvals"]
NEGATIVE = "This is terrible, I hate it. Worst company ever, total scam!"


@pytest.fixture
def clock() -> Iterator[Any]:
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def x(workspace: Workspace) -> Channel:
    return ChannelFactory(workspace=workspace, platform="x", external_id="acct-acme", display_name="Acme on X")


def entry(n: int, kind: str = "comment", text: str = "", **overrides: Any) -> InboxEntry:
    values: dict[str, Any] = {
        "external_id": f"item-{n}", "kind": kind, "conversation_id": f"thread-{n}", "author_id": f"u{n}",
        "author_name": f"Fan {n}", "author_handle": f"fan{n}", "text": text or f"Nachricht {n}",
        "created_at": NOW - timedelta(minutes=30), "post_external_id": "",
    }
    return InboxEntry(**{**values, **overrides})


@pytest.fixture
def inbox(workspace: Workspace, x: Channel, clock: Any) -> dict[str, Conversation]:
    """An open comment thread, a snoozed direct message and a saved reply."""
    inbox_ingest(x, [entry(1), entry(2, kind="message")])
    first, second = (Conversation.objects.get(external_id=f"thread-{n}") for n in (1, 2))
    triage.conversation_set_status(second, "snoozed", actor=None, snoozed_until=NOW + timedelta(days=1))
    triage.saved_reply_create(workspace, "Danke", "Hallo {author_name}, danke!", actor=None)
    return {"open": first, "snoozed": second}


def german_admin(workspace: Workspace) -> Client:
    client, _user = client_as(workspace, language="de", role=Role.ADMIN, accept="en")
    return client


def assert_german_navbar(html: str) -> None:
    assert '<html lang="de">' in html
    assert [german for _english, german in INBOX_NAV if f">{german}</" not in html] == []
    assert [english for english, _german in INBOX_NAV if f">{english}</" in html] == []


def test_inbox_page_is_german(workspace: Workspace, inbox: dict[str, Conversation]) -> None:
    response = german_admin(workspace).get(f"{INBOX}?conversation={inbox['open'].pk}")
    assert response.status_code == 200
    html = response.content.decode()
    assert heading(html) == "Posteingang"
    assert_german_navbar(html)
    assert 'data-status-tab="open">Offen <span' in html and 'data-status-tab="snoozed">Zurückgestellt <span' in html
    assert 'data-status-tab="done">Erledigt <span' in html and 'data-status-tab="all">Alle <span' in html
    for text in ("Alle Kanäle", "Jede Stimmung", "Alle Tags", ">Kommentare</option>", ">Direktnachrichten</option>",
                 "Name, Benutzername oder Text suchen", "Unterhaltungen für Sammelaktionen ankreuzen",
                 ">Gespeicherte Antworten</a>", ">Synchronisierung</a>", "Tastenkürzel",
                 "Nächste / vorige Unterhaltung"):
        assert text in html, text
    # The open conversation: its actions, the reply box and the note form.
    for text in ("Mit Fan 1 (@fan1)", ">Mir zuweisen</button>", ">Zurückstellen</span>", ">Morgen 09:00</button>",
                 ">Nächsten Montag 09:00</button>", "Tag hinzufügen", ">Antwort an Fan 1</label>",
                 ">Gespeicherte Antwort</label>", ">Einfügen…</option>", ">Antwort senden</button>",
                 "Interne Notiz (nur Ihr Team sieht sie; wird nie gesendet)", ">Notiz hinzufügen</button>",
                 "<kbd>Strg</kbd>/<kbd>⌘</kbd>+<kbd>Eingabe</kbd>"):
        assert text in html, text
    assert "03.06.2030 09:30" in html and "2030-06-03 09:30" not in html
    for english in ("Keyboard shortcuts", "Send reply", "Assign to me", "Snooze", "Saved replies", "Internal note"):
        assert english not in html, english


def test_snoozed_tab_and_empty_states_are_german(workspace: Workspace, inbox: dict[str, Conversation]) -> None:
    client = german_admin(workspace)
    snoozed = client.get(f"{INBOX}?status=snoozed").content.decode()
    assert "Zurückgestellt bis 04.06.2030 10:00" in snoozed and ">Direktnachricht</span>" in snoozed
    assert "Fan 1" not in snoozed
    done = client.get(f"{INBOX}?status=done").content.decode()
    assert "Hier ist nichts. Neue Kommentare und Nachrichten erscheinen von selbst." in done
    assert "Wählen Sie links eine Unterhaltung (oder drücken Sie j und Eingabe)." in done
    filtered = client.get(f"{INBOX}?q=niemand").content.decode()
    assert "Keine Unterhaltung passt zu diesen Filtern." in filtered and ">Filter zurücksetzen</a>" in filtered


def test_inbox_actions_answer_in_german(workspace: Workspace, inbox: dict[str, Conversation]) -> None:
    client = german_admin(workspace)
    base = f"{INBOX}c/{inbox['open'].pk}/"
    past = client.post(f"{base}status/", {"status": "snoozed", "until": "2030-06-01T09:00"}).content.decode()
    assert "Wählen Sie zum Zurückstellen einen Zeitpunkt in der Zukunft." in past
    assert 'value="2030-06-01T09:00"' in past  # what was typed stays
    note = client.post(f"{base}notes/", {"text": " "}).content.decode()
    assert "Schreiben Sie zuerst etwas in die Notiz." in note
    bulk = client.post(f"{INBOX}bulk/", {"action": "done", "ids": [inbox["open"].pk]}, follow=True)
    assert "1 Unterhaltung geändert." in bulk.content.decode()


def test_sync_health_page_is_german(workspace: Workspace, x: Channel, clock: Any) -> None:
    SyncState.objects.create(channel=x, last_synced_at=NOW - timedelta(minutes=7),
                             last_success_at=NOW - timedelta(minutes=7), items_last_sync=4,
                             next_sync_at=NOW + timedelta(minutes=3))
    ChannelFactory(workspace=workspace, platform="x", display_name="Altes Konto", health=Health.NEEDS_RECONNECT)
    html = german_admin(workspace).get(HEALTH).content.decode()
    assert heading(html) == "Posteingang-Synchronisierung"
    assert_german_navbar(html)
    for text in ("Letzte Synchronisierung", "Letzter Erfolg", "Rückstand", "Fehler in Folge",
                 "Nächste Synchronisierung", ">Synchronisiert</span>", "7\xa0Minuten",
                 "Die Posteingang-Synchronisierung ist für 1 Kanal angehalten.",
                 "Synchronisierung angehalten: Verbinden Sie den Kanal neu.", "Kanal neu verbinden oder prüfen",
                 "Zeiten werden in Europe/Berlin angezeigt."):
        assert text in html, text
    assert "03.06.2030 09:53" in html and "03.06.2030 10:03" in html and "2030-06-03 09:53" not in html
    assert "Last sync" not in html and "minutes" not in html


def test_saved_replies_page_is_german_and_keeps_what_was_typed(workspace: Workspace,
                                                               inbox: dict[str, Conversation]) -> None:
    client = german_admin(workspace)
    html = client.get(SAVED).content.decode()
    assert heading(html) == "Gespeicherte Antworten"
    assert_german_navbar(html)
    for text in ("Diese Platzhalter werden für die Unterhaltung ausgefüllt", ">Neue gespeicherte Antwort</h2>",
                 ">Titel</label>", ">Speichern</button>", ">Löschen</button>", ">Hinzufügen</button>",
                 "Hallo {author_name}, danke für Ihre Nachricht! — {my_name}"):
        assert text in html, text
    refused = client.post(f"{SAVED}new/", {"title": "", "body": "Mein Text"})
    assert refused.status_code == 422
    page = refused.content.decode()
    assert "Geben Sie der gespeicherten Antwort einen Titel." in page and ">Mein Text</textarea>" in page
    taken = client.post(f"{SAVED}new/", {"title": "Danke", "body": "Noch einmal"}).content.decode()
    assert "Eine gespeicherte Antwort namens Danke gibt es bereits." in taken
    added = client.post(f"{SAVED}new/", {"title": "Gruß", "body": "Hallo!"}, follow=True).content.decode()
    assert "Gespeicherte Antwort Gruß hinzugefügt." in added


def test_english_inbox_is_unchanged(workspace: Workspace, inbox: dict[str, Conversation]) -> None:
    client, _user = client_as(workspace, language="en", role=Role.ADMIN)
    html = client.get(f"{INBOX}?conversation={inbox['open'].pk}").content.decode()
    assert heading(html) == "Inbox" and ">Inbox sync health</a>" in html
    assert "2030-06-03 09:30" in html and "With Fan 1 (@fan1)" in html and ">Send reply</button>" in html
    assert "<kbd>Ctrl</kbd>/<kbd>⌘</kbd>+<kbd>Enter</kbd>" in html
    snoozed = client.get(f"{INBOX}?status=snoozed").content.decode()
    assert "Snoozed until 2030-06-04 10:00" in snoozed


def test_reply_limits_are_german_with_german_numbers(workspace: Workspace, x: Channel) -> None:
    comments = Conversation(workspace=workspace, channel=x, kind="comment", external_id="c")
    messages = Conversation(workspace=workspace, channel=x, kind="message", external_id="m")
    with translation.override("de"):
        (comment_problem,) = reply_problems(x, comments, "a" * 281)
        (message_problem,) = reply_problems(x, messages, "b" * 10_001)
    assert comment_problem.startswith("X erlaubt 280 Zeichen pro Antwort; diese Antwort hat 281.")
    assert "X zählt jeden Link als 23 Zeichen" in comment_problem
    assert message_problem == "X erlaubt 10.000 Zeichen pro Direktnachricht; diese Antwort hat 10.001."
    with translation.override("en"):
        (english,) = reply_problems(x, messages, "b" * 10_001)
    assert english == "X allows 10,000 characters in a direct message; this reply has 10,001."


def test_triage_validation_is_german(workspace: Workspace, inbox: dict[str, Conversation]) -> None:
    with translation.override("de"), pytest.raises(ValidationError) as caught:
        triage.conversation_set_status(inbox["open"], "snoozed", actor=None)
    assert caught.value.messages == ["Wählen Sie, wann die Unterhaltung zurückkommen soll."]


def test_attention_reason_and_alert_mail_follow_the_workspace_language(workspace: Workspace, x: Channel,
                                                                        clock: Any) -> None:
    Workspace.objects.filter(pk=workspace.pk).update(language="de")
    when = NOW - timedelta(hours=3)
    DeliveryFactory(post=PostFactory(workspace=workspace, text="Große Neuigkeit"), channel=x,
                    state=DeliveryState.PUBLISHED, external_id="post-1", due_at=when, scheduled_for=when,
                    published_at=when)
    inbox_ingest(x, [entry(7, text=NEGATIVE, conversation_id="post-1", post_external_id="post-1")])
    conversation = Conversation.objects.select_related("workspace", "channel").get(external_id="post-1")
    assert conversation.needs_attention
    assert re.fullmatch(r"Negativer Kommentar zu unserem vor 3 Std\. veröffentlichten Beitrag "
                        r"\(Stimmung -0\.\d\d\)\.", conversation.attention_reason), conversation.attention_reason
    alert_email(conversation, ["team@example.com"]).send()
    (message,) = mail.outbox
    assert message.subject == "SMO: Eine Unterhaltung in Acme braucht Aufmerksamkeit"
    assert "Eine Unterhaltung auf Acme on X in Acme braucht Aufmerksamkeit:" in message.body
    assert "Öffnen Sie den Posteingang, um zu antworten:" in message.body
    html = message.alternatives[0][0]
    assert '<html lang="de">' in html and "Pro Unterhaltung wird höchstens eine Warnung pro Stunde gesendet." in html
