"""The German catalogue: complete, well-formed, compiled without GNU gettext, and loaded by Django."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import polib
import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.utils import translation

from tests.i18n.conftest import reset_translation_caches

PO_PATH = Path(settings.BASE_DIR) / "locale" / "de" / "LC_MESSAGES" / "django.po"
PLACEHOLDER = re.compile(r"%\(\w+\)[sdfr]|%%|%[sdf]|\$0")


def placeholders(text: str) -> list[str]:
    return sorted(PLACEHOLDER.findall(text))


@pytest.fixture(scope="module")
def catalogue() -> polib.POFile:
    return polib.pofile(str(PO_PATH))


def test_every_entry_is_translated_and_none_is_fuzzy(catalogue: polib.POFile) -> None:
    assert len(catalogue) > 300  # the whole interface, not a sample
    assert [e.msgid for e in catalogue.untranslated_entries()] == []
    assert [e.msgid for e in catalogue.fuzzy_entries()] == []
    assert [e.msgid for e in catalogue.obsolete_entries()] == []


def test_plurals_use_german_rules_and_have_both_forms(catalogue: polib.POFile) -> None:
    assert catalogue.metadata["Plural-Forms"] == "nplurals=2; plural=(n != 1);"
    assert catalogue.metadata["Language"] == "de"
    plurals = [e for e in catalogue if e.msgid_plural]
    assert plurals
    for entry in plurals:
        assert sorted(entry.msgstr_plural) == [0, 1], entry.msgid
        assert all(form.strip() for form in entry.msgstr_plural.values()), entry.msgid


def test_translations_keep_every_placeholder(catalogue: polib.POFile) -> None:
    # A lost or misspelt %(name)s raises KeyError at run time, only in German: catch it here.
    broken = []
    for entry in catalogue:
        if entry.msgid_plural:
            pairs = [(entry.msgid_plural, entry.msgstr_plural[1])]
            if not set(placeholders(entry.msgstr_plural[0])) <= set(placeholders(entry.msgid)):
                broken.append(entry.msgid)
        else:
            pairs = [(entry.msgid, entry.msgstr)]
        broken += [source for source, target in pairs if placeholders(source) != placeholders(target)]
    assert broken == []


def test_glossary_terms_are_used(catalogue: polib.POFile) -> None:
    german = {e.msgid: e.msgstr for e in catalogue if not e.msgid_plural}
    assert german["Calendar"] == "Kalender"
    assert german["Post"] == "Beitrag"
    assert german["Channel"] == "Kanal"
    assert german["Campaign"] == "Kampagne"
    assert german["Workspace"] == "Arbeitsbereich"
    assert german["Scheduled"] == "Geplant"
    assert german["Published"] == "Veröffentlicht"
    assert german["Deliveries"] == "Zustellungen"
    assert german["Approval"] == "Freigabe"


def test_compile_command_writes_a_catalogue_django_loads(tmp_path: Path, settings: Any) -> None:
    target = tmp_path / "de" / "LC_MESSAGES"
    target.mkdir(parents=True)
    (target / "django.po").write_bytes(PO_PATH.read_bytes())
    settings.LOCALE_PATHS = [tmp_path]
    call_command("compile_translations", verbosity=0)
    mo = target / "django.mo"
    assert mo.is_file() and mo.stat().st_mode & 0o044 == 0o044  # readable by the web server's user
    reset_translation_caches()
    try:
        with translation.override("de"):
            assert translation.gettext("Calendar") == "Kalender"
            assert translation.ngettext("%(count)d photo", "%(count)d photos", 3) % {"count": 3} == "3 Fotos"
        with translation.override("en"):
            assert translation.gettext("Calendar") == "Calendar"
    finally:
        settings.LOCALE_PATHS = [Path(settings.BASE_DIR) / "locale"]
        reset_translation_caches()


def test_compile_command_leaves_out_fuzzy_entries_and_strict_fails(tmp_path: Path, settings: Any) -> None:
    target = tmp_path / "de" / "LC_MESSAGES"
    target.mkdir(parents=True)
    po = polib.POFile()
    po.metadata = {"Content-Type": "text/plain; charset=UTF-8", "Plural-Forms": "nplurals=2; plural=(n != 1);"}
    po.append(polib.POEntry(msgid="Calendar", msgstr="Kalender"))
    po.append(polib.POEntry(msgid="Compose", msgstr="Komponieren", flags=["fuzzy"]))
    po.save(str(target / "django.po"))
    settings.LOCALE_PATHS = [tmp_path]
    call_command("compile_translations", verbosity=0)
    compiled = polib.mofile(str(target / "django.mo"))
    assert {e.msgid: e.msgstr for e in compiled} == {"Calendar": "Kalender"}
    with pytest.raises(CommandError, match="1 untranslated or fuzzy"):
        call_command("compile_translations", "--strict", verbosity=0)


def test_compile_command_refuses_when_there_is_nothing_to_compile(tmp_path: Path, settings: Any) -> None:
    settings.LOCALE_PATHS = [tmp_path]
    with pytest.raises(CommandError, match="No .po files"):
        call_command("compile_translations", verbosity=0)
