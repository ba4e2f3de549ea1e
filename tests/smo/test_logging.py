"""Tokens never reach log output, whichever library logs them."""

from __future__ import annotations

import logging

import pytest

from platforms.types import Credentials
from smo.logging import RedactSecretsFilter, redact


@pytest.mark.parametrize(
    "line",
    [
        "Authorization: Bearer abc.DEF-123_secret",
        "POST body access_token=abc123secret&x=1",
        '{"refresh_token": "abc123secret"}',
        'OAuth oauth_consumer_key="k", oauth_token="abc123secret"',
        "client_secret=abc123secret",
    ],
)
def test_redact_removes_token_values(line: str) -> None:
    cleaned = redact(line)
    assert "abc123secret" not in cleaned and "abc.DEF-123_secret" not in cleaned
    assert "[redacted]" in cleaned


def test_filter_redacts_formatted_arguments(caplog: pytest.LogCaptureFixture) -> None:
    logger = logging.getLogger("smo.test.redaction")
    logger.addFilter(RedactSecretsFilter())
    with caplog.at_level(logging.INFO, logger="smo.test.redaction"):
        logger.info("sending %s", "Bearer topsecretvalue")
    assert "topsecretvalue" not in caplog.text
    assert "Bearer [redacted]" in caplog.text


def test_credentials_repr_hides_tokens() -> None:
    credentials = Credentials(access_token="topsecretvalue", refresh_token="other-secret")
    assert "topsecretvalue" not in repr(credentials)
    assert "other-secret" not in str(credentials)
