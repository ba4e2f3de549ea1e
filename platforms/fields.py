"""A model field whose JSON value is stored encrypted (see smo.crypto)."""

from __future__ import annotations

import json
from typing import Any

from django.db import models

from smo import crypto


class EncryptedJSONField(models.TextField):
    """Stores a JSON-serialisable dict as a Fernet token. Never shown in admin or forms."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("editable", False)
        kwargs.setdefault("default", dict)
        super().__init__(*args, **kwargs)

    def from_db_value(self, value: str | None, expression: Any, connection: Any) -> dict | None:
        if value is None or value == "":
            return {}
        return json.loads(crypto.decrypt(value))

    def to_python(self, value: Any) -> dict:
        if isinstance(value, dict):
            return value
        if not value:
            return {}
        return json.loads(crypto.decrypt(value))

    def get_prep_value(self, value: Any) -> str:
        return crypto.encrypt(json.dumps(value or {}, sort_keys=True).encode())
