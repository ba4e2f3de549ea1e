"""Public webhook receivers: /webhooks/meta/ (Facebook Pages, Instagram) and /webhooks/x/.

No login and no CSRF token: the platforms authenticate by signing the raw body with the app secret,
and that signature is checked before anything is parsed or stored. Answers never name a channel or
workspace: the caller is anonymous until the signature is checked and only a platform afterwards.

Order of checks: secret configured (503 naming the setting) -> body size (413) -> signature (403)
-> JSON shape (400) -> store, replay-safe (200). Anything refused stores nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from platforms import services, webhook_events, webhook_signatures
from platforms.webhook_events import MalformedPayload

logger = logging.getLogger(__name__)
MAX_BODY_BYTES = 1024 * 1024  # Meta batches stay far below this; anything bigger is not a platform


def _error(status: int, message: str) -> JsonResponse:
    return JsonResponse({"error": message}, status=status)


def _not_configured(setting: str) -> JsonResponse:
    # Never fall back to accepting unsigned events: say what the operator has to set instead.
    logger.warning("Webhook refused: %s is not configured", setting)
    return _error(503, f"Webhooks are not configured: set {setting}.")


def _read_body(request: HttpRequest) -> bytes | None:
    """The raw body, or None when it is over MAX_BODY_BYTES (decided before reading it all)."""
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    if declared > MAX_BODY_BYTES:
        return None
    body = request.read(MAX_BODY_BYTES + 1)
    return None if len(body) > MAX_BODY_BYTES else body


def _receive(request: HttpRequest, platform: str, secret: str, header: str,
             valid: Callable[[str, bytes, str | None], bool]) -> tuple[bytes, dict[str, Any]] | HttpResponse:
    """Read, verify and parse a delivery: (raw body, JSON object) or the refusal to send back."""
    body = _read_body(request)
    if body is None:
        return _error(413, f"The body is larger than {MAX_BODY_BYTES} bytes.")
    if not valid(secret, body, request.headers.get(header)):
        logger.warning("Webhook refused: bad or missing %s signature", platform)
        return _error(403, "Invalid signature.")
    try:
        return body, webhook_events.parse_object(body)
    except MalformedPayload as exc:
        return _error(400, str(exc))


def _store(body: bytes, events: list[tuple[str, dict[str, Any]]]) -> JsonResponse:
    # One statement, atomic by itself: a batch is stored whole or not at all, and the platform's retry
    # fills it in. No BEGIN/COMMIT around it: two round trips less on the hot path.
    stored = services.webhook_events_store(body, events)
    for pk in stored:  # a replay was enqueued when first stored; the inbox sweeper covers lost messages
        transaction.on_commit(lambda pk=pk: _enqueue_processing(pk))
    return JsonResponse({"received": len(events), "stored": len(stored)})


def _enqueue_processing(event_id: int) -> None:
    """Hand the stored event to the inbox worker. The platform already has its 200 coming: a broker
    outage must not turn into an error it would retry, so failures are logged and the inbox's
    process_pending_webhooks tick picks the event up later."""
    from inbox.tasks import process_webhook_event  # the inbox app builds on platforms, not the reverse

    try:
        process_webhook_event.delay(event_id)
    except Exception:  # noqa: BLE001 - any broker error; the event row is safe in the database
        logger.exception("Could not enqueue processing of webhook event %s", event_id)


@csrf_exempt
@require_http_methods(["GET", "POST"])
def meta_webhook(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":
        return _meta_handshake(request)
    secret = settings.FACEBOOK_APP_SECRET
    if not secret:
        return _not_configured("FACEBOOK_APP_SECRET")
    received = _receive(request, "meta", secret, "X-Hub-Signature-256", webhook_signatures.meta_signature_valid)
    if isinstance(received, HttpResponse):
        return received
    body, payload = received
    try:
        events = webhook_events.meta_events(payload)
    except MalformedPayload as exc:
        return _error(400, str(exc))
    return _store(body, events)


def _meta_handshake(request: HttpRequest) -> HttpResponse:
    """Subscription check: echo `hub.challenge` only to a caller that knows our verify token."""
    expected = settings.META_WEBHOOK_VERIFY_TOKEN
    if not expected:
        logger.warning("Meta webhook handshake refused: META_WEBHOOK_VERIFY_TOKEN is not configured")
        return _error(403, "Webhook subscription refused: META_WEBHOOK_VERIFY_TOKEN is not configured.")
    token_ok = webhook_signatures.verify_token_valid(expected, request.GET.get("hub.verify_token"))
    if request.GET.get("hub.mode") != "subscribe" or not token_ok:
        return _error(403, "Webhook subscription refused: wrong hub.mode or hub.verify_token.")
    challenge = request.GET.get("hub.challenge")
    if not challenge:
        return _error(400, "hub.challenge is missing.")
    return HttpResponse(challenge, content_type="text/plain; charset=utf-8")


@csrf_exempt
@require_http_methods(["GET", "POST"])
def x_webhook(request: HttpRequest) -> HttpResponse:
    secret = settings.X_CONSUMER_SECRET
    if not secret:
        return _not_configured("X_CONSUMER_SECRET")
    if request.method == "GET":
        return _x_crc(request, secret)
    received = _receive(request, "x", secret, "x-twitter-webhooks-signature", webhook_signatures.x_signature_valid)
    if isinstance(received, HttpResponse):
        return received
    body, payload = received
    return _store(body, [("x", payload)])


def _x_crc(request: HttpRequest, secret: str) -> HttpResponse:
    """X's challenge-response check, sent at registration and then periodically."""
    crc_token = request.GET.get("crc_token")
    if not crc_token:
        return _error(400, "crc_token is missing.")
    return JsonResponse({"response_token": webhook_signatures.x_crc_response_token(secret, crc_token)})
