"""Webhook sender: signs and sends events exactly as Meta and X do (reference §1.3, §2.3, §12).

Standard library and ``requests`` only, like ``testing.py``. The HMACs are computed here on their
own rather than imported from SMO's verifier, so a mistake there cannot hide by being mirrored::

    check = meta_handshake(f"{base}/webhooks/meta/", "smo-sandbox-verify-token")
    assert check.ok
    send_meta_event(f"{base}/webhooks/meta/", "smo-sandbox-app-secret", {"object": "page", "entry": [...]})
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass
from typing import Any

import requests

TIMEOUT = 10.0


@dataclass(frozen=True)
class Check:
    """A verification request the platform sent, and whether the answer would satisfy it."""

    sent: str
    response: requests.Response
    ok: bool


def _mac(secret: str, message: bytes) -> bytes:
    return hmac.new(secret.encode("utf-8"), message, hashlib.sha256).digest()


def _body(payload: dict[str, Any] | bytes) -> bytes:
    # Meta and X send compact JSON with non-ASCII escaped; bytes go out untouched (for malformed bodies).
    return payload if isinstance(payload, bytes) else json.dumps(payload, separators=(",", ":")).encode("ascii")


def meta_signature(app_secret: str, body: bytes) -> str:
    return "sha256=" + _mac(app_secret, body).hex()


def x_signature(consumer_secret: str, body: bytes) -> str:
    return "sha256=" + base64.b64encode(_mac(consumer_secret, body)).decode("ascii")


def send_meta_event(url: str, app_secret: str, payload: dict[str, Any] | bytes) -> requests.Response:
    """POST a Meta webhook delivery (`{"object": "page", "entry": [...]}`) signed with the app secret."""
    body = _body(payload)
    headers = {"Content-Type": "application/json", "X-Hub-Signature-256": meta_signature(app_secret, body)}
    return requests.post(url, data=body, headers=headers, timeout=TIMEOUT)


def meta_handshake(url: str, verify_token: str, challenge: str | None = None) -> Check:
    """Meta's subscription check: the endpoint must answer 200 with the bare challenge."""
    challenge = challenge or str(secrets.randbelow(10**9))
    params = {"hub.mode": "subscribe", "hub.verify_token": verify_token, "hub.challenge": challenge}
    response = requests.get(url, params=params, timeout=TIMEOUT)
    return Check(challenge, response, response.status_code == 200 and response.text == challenge)


def x_crc(url: str, consumer_secret: str, crc_token: str | None = None) -> Check:
    """X's challenge-response check: 200 JSON whose `response_token` is the HMAC of the token."""
    crc_token = crc_token or secrets.token_urlsafe(32)
    response = requests.get(url, params={"crc_token": crc_token}, timeout=TIMEOUT)
    expected = x_signature(consumer_secret, crc_token.encode("utf-8"))
    try:
        answer = response.json() if response.status_code == 200 else None
    except ValueError:
        answer = None
    ok = isinstance(answer, dict) and answer.get("response_token") == expected
    return Check(crc_token, response, ok)


def send_x_event(url: str, consumer_secret: str, payload: dict[str, Any] | bytes) -> requests.Response:
    """POST an X Account Activity event signed with the consumer secret."""
    body = _body(payload)
    headers = {"Content-Type": "application/json", "x-twitter-webhooks-signature": x_signature(consumer_secret, body)}
    return requests.post(url, data=body, headers=headers, timeout=TIMEOUT)
