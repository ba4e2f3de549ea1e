"""Encryption at rest for credentials: MultiFernet over FIELD_ENCRYPTION_KEYS (newest key first).

Old keys stay in the list until `manage.py rotate_encryption_keys` has re-encrypted every row with
the newest one; then they can be dropped.
"""

from __future__ import annotations

from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


class DecryptionError(Exception):
    """A stored ciphertext matches none of the configured keys."""


def validate_keys(keys: list[str]) -> None:
    """Fail start-up on a malformed key instead of at the first decrypt."""
    _multifernet(tuple(keys))


@lru_cache(maxsize=4)
def _multifernet(keys: tuple[str, ...]) -> MultiFernet:
    fernets = []
    for position, key in enumerate(keys, start=1):
        try:
            fernets.append(Fernet(key.encode()))
        except (ValueError, TypeError):
            raise ImproperlyConfigured(
                f"FIELD_ENCRYPTION_KEYS: key #{position} is not a valid Fernet key "
                "(32 url-safe base64-encoded bytes; make one with "
                "`python -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())'`)."
            ) from None
    if not fernets:
        raise ImproperlyConfigured("FIELD_ENCRYPTION_KEYS must hold at least one key.")
    return MultiFernet(fernets)


def keyring() -> MultiFernet:
    return _multifernet(tuple(settings.FIELD_ENCRYPTION_KEYS))


def encrypt(plaintext: bytes) -> str:
    return keyring().encrypt(plaintext).decode()


def decrypt(ciphertext: str) -> bytes:
    try:
        return keyring().decrypt(ciphertext.encode())
    except InvalidToken:
        raise DecryptionError("stored credentials match none of FIELD_ENCRYPTION_KEYS") from None


def rotate(ciphertext: str) -> str:
    """Re-encrypt with the newest key (keeps the original timestamp, as MultiFernet.rotate does)."""
    try:
        return keyring().rotate(ciphertext.encode()).decode()
    except InvalidToken:
        raise DecryptionError("stored credentials match none of FIELD_ENCRYPTION_KEYS") from None
