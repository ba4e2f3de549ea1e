"""Logging filter that keeps tokens out of log output, whatever a library decides to log."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable

_PATTERNS = [
    re.compile(r"(?i)(bearer\s+)[A-Za-z0-9._~+/=-]+"),
    re.compile(r"(?i)((?:access|refresh)_token[\"']?\s*[:=]\s*[\"']?)[^\s&\"',}]+"),
    re.compile(r"(?i)(oauth_token=\"?)[^\s\",&]+"),
    re.compile(r"(?i)(client_secret[\"']?\s*[:=]\s*[\"']?)[^\s&\"',}]+"),
]


def redact(text: str) -> str:
    for pattern in _PATTERNS:
        text = pattern.sub(r"\1[redacted]", text)
    return text


def scrub(message: str, secrets: Iterable[str]) -> str:
    """Remove these exact values (the caller's tokens) and anything token-shaped from a message."""
    for secret in secrets:
        if secret:
            message = message.replace(secret, "[redacted]")
    return redact(message)


class RedactSecretsFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True
