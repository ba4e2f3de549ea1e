from __future__ import annotations

import signal
import sys
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from workspaces import demo


class Command(BaseCommand):
    help = (
        "Mint a sandbox token for the demo X channel and store it. The sandbox keeps accounts in memory, "
        "so `make run` runs this after every sandbox start."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--timeout", type=float, default=60.0, help="Seconds to wait for the sandbox.")
        parser.add_argument(
            "--wait", action="store_true", help="Stay running afterwards (honcho stops everything when one exits)."
        )

    def handle(self, *args: Any, timeout: float = 60.0, wait: bool = False, **options: Any) -> None:
        try:
            self._link(timeout)
        except CommandError as exc:
            if not wait:
                raise
            self.stderr.write(self.style.ERROR(str(exc)))
        if wait:
            signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
            while True:
                signal.pause()

    def _link(self, timeout: float) -> None:
        reason = demo.refusal()
        if reason:
            self.stdout.write(self.style.WARNING(f"No demo channel to link: {reason}"))
            return
        try:
            channel = demo.link_demo_channel(settings.SANDBOX_URL, timeout)
        except RuntimeError as exc:
            raise CommandError(str(exc)) from exc
        if channel is None:
            self.stdout.write(self.style.WARNING("No demo channel yet: run `manage.py seed_demo` first."))
            return
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo channel {channel.display_name!r} linked to the sandbox account {channel.external_id}. "
                f"SMO is up: http://127.0.0.1:8000/ (demo / demo), admin http://127.0.0.1:8000/admin/, "
                f"sandbox feed {settings.SANDBOX_URL.rstrip('/')}/x/feed/{demo.DEMO_ACCOUNT}"
            )
        )
