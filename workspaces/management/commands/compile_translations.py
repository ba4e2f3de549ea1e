"""Compile every locale/<lang>/LC_MESSAGES/*.po into its .mo in pure Python (polib), without GNU gettext.

`compilemessages` needs msgfmt, which a fresh machine may lack; the setup step runs this instead.
Fuzzy and untranslated entries are left out, as msgfmt does, so they fall back to English.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

import polib
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError


def po_files() -> list[Path]:
    found: list[Path] = []
    for root in settings.LOCALE_PATHS:
        found.extend(sorted(Path(root).glob("*/LC_MESSAGES/*.po")))
    return found


def compile_po(po_path: Path) -> tuple[Path, int, int]:
    """Write the .mo beside `po_path`; return (mo path, entries compiled, entries left out)."""
    catalog = polib.pofile(str(po_path))
    mo_path = po_path.with_suffix(".mo")
    # Write then rename, so a server reading the catalogue never sees half a file.
    handle, temporary = tempfile.mkstemp(dir=po_path.parent, suffix=".mo.tmp")
    os.close(handle)
    try:
        catalog.save_as_mofile(temporary)
        os.chmod(temporary, 0o644)  # mkstemp makes it private; the web server's user must read it
        os.replace(temporary, mo_path)
    finally:
        if os.path.exists(temporary):
            os.unlink(temporary)
    compiled = len(catalog.translated_entries())
    left_out = len([entry for entry in catalog if not entry.obsolete]) - compiled
    return mo_path, compiled, left_out


class Command(BaseCommand):
    help = "Compile the project's .po translation files into .mo files (pure Python; no gettext needed)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--strict", action="store_true",
                            help="Fail when any entry is untranslated or fuzzy.")

    def handle(self, *args: Any, **options: Any) -> None:
        files = po_files()
        if not files:
            raise CommandError(f"No .po files under {', '.join(str(p) for p in settings.LOCALE_PATHS)}.")
        incomplete = []
        for po_path in files:
            mo_path, compiled, left_out = compile_po(po_path)
            if options["verbosity"] >= 1:
                self.stdout.write(f"{mo_path}: {compiled} messages" + (f", {left_out} left out" if left_out else ""))
            if left_out:
                incomplete.append(f"{po_path} ({left_out} untranslated or fuzzy)")
        if incomplete and options["strict"]:
            raise CommandError("Incomplete translations: " + "; ".join(incomplete))
