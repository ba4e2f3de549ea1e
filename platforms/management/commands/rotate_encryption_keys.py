"""Re-encrypt every stored credential with the newest key in FIELD_ENCRYPTION_KEYS.

Rotation: put the new key first in FIELD_ENCRYPTION_KEYS, keep the old ones after it, run this
command, then drop the old keys. Rows are rewritten in batches, each in its own transaction, with
the ciphertext read raw so nothing is decrypted into memory longer than one row.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction

from platforms.models import Channel
from smo import crypto

BATCH = 200


class Command(BaseCommand):
    help = "Re-encrypt all channel credentials with the first key of FIELD_ENCRYPTION_KEYS."

    def handle(self, *args: Any, **options: Any) -> None:
        table = connection.ops.quote_name(Channel._meta.db_table)
        rotated = last_id = 0
        while True:
            with transaction.atomic():
                rows = self._batch(table, last_id)
                if not rows:
                    break
                for pk, ciphertext in rows:
                    self._rotate_row(table, pk, ciphertext)
                    rotated += 1
                last_id = rows[-1][0]
        self.stdout.write(self.style.SUCCESS(f"Re-encrypted credentials of {rotated} channel(s)."))

    def _batch(self, table: str, after_id: int) -> list[tuple[int, str]]:
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT id, credentials FROM {table} WHERE id > %s ORDER BY id LIMIT %s",  # noqa: S608
                [after_id, BATCH],
            )
            return list(cursor.fetchall())

    def _rotate_row(self, table: str, pk: int, ciphertext: str) -> None:
        if not ciphertext:
            return
        try:
            fresh = crypto.rotate(ciphertext)
        except crypto.DecryptionError:
            raise CommandError(
                f"Channel {pk}: credentials match none of FIELD_ENCRYPTION_KEYS; "
                "add the key they were written with and run again."
            ) from None
        with connection.cursor() as cursor:
            cursor.execute(f"UPDATE {table} SET credentials = %s WHERE id = %s", [fresh, pk])  # noqa: S608
