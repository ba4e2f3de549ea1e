"""Webhook signature checks: pure functions over the raw request bytes.

They run on the exact bytes received, before any JSON parsing: Meta signs an escaped-unicode form of
its payload, so re-serialising parsed JSON would not reproduce what was signed. Every comparison is
constant-time so a forger cannot learn the expected value byte by byte from response timings.

- Meta (Facebook, Instagram): `X-Hub-Signature-256: sha256=<hex HMAC-SHA256(app secret, body)>`.
- X: `x-twitter-webhooks-signature: sha256=<base64 HMAC-SHA256(consumer secret, body)>`; the CRC
  answer is the same construction over the `crc_token`.
"""

from __future__ import annotations

import base64
import hashlib
import hmac

PREFIX = "sha256="


def _digest(secret: str, message: bytes) -> bytes:
    return hmac.new(secret.encode("utf-8"), message, hashlib.sha256).digest()


def _same(expected: str, given: str | None) -> bool:
    if not given:
        return False
    # Bytes, not str: compare_digest refuses non-ASCII strings, and a header may hold anything.
    return hmac.compare_digest(expected.encode("utf-8"), given.encode("utf-8", "replace"))


def meta_signature(app_secret: str, body: bytes) -> str:
    return PREFIX + _digest(app_secret, body).hex()


def x_signature(consumer_secret: str, body: bytes) -> str:
    return PREFIX + base64.b64encode(_digest(consumer_secret, body)).decode("ascii")


def x_crc_response_token(consumer_secret: str, crc_token: str) -> str:
    return x_signature(consumer_secret, crc_token.encode("utf-8"))


def meta_signature_valid(app_secret: str, body: bytes, header: str | None) -> bool:
    """True only for a `sha256=` signature of these bytes; the legacy `sha1=` header is refused."""
    return _same(meta_signature(app_secret, body), header)


def x_signature_valid(consumer_secret: str, body: bytes, header: str | None) -> bool:
    return _same(x_signature(consumer_secret, body), header)


def verify_token_valid(expected: str | None, given: str | None) -> bool:
    """Meta's subscription handshake token; an unset expected token never matches."""
    return bool(expected) and _same(expected or "", given)
