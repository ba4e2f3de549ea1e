from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from workspaces import demo


class Command(BaseCommand):
    help = "Create the demo user, workspace, sandbox X channel and scheduled posts (DEBUG + embedded SQLite only)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--skip-if-refused", action="store_true", help="Print why seeding is not allowed and exit 0 instead of 1."
        )

    def handle(self, *args: Any, skip_if_refused: bool = False, **options: Any) -> None:
        reason = demo.refusal()
        if reason:
            if skip_if_refused:
                self.stdout.write(self.style.WARNING(f"No demo data: {reason}"))
                return
            raise CommandError(reason)
        result = demo.seed_demo()
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo workspace {result.workspace.name!r} (/w/{result.workspace.slug}/) with channel "
                f"{result.channel.display_name!r}; {result.created_posts} new scheduled post(s)."
            )
        )
        self.stdout.write(f"Log in as user {demo.DEMO_USERNAME!r} with password {demo.DEMO_PASSWORD!r}.")
