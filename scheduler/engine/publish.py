"""The publisher: one delivery, one token, at most one create.

    queued --CAS(token)--> sending   (short transaction: render, freeze payload, attempt row)
    commit; adapter.publish() with no transaction open
    sending --CAS(token)--> outcome  (short transaction, see outcomes.py)
"""

from __future__ import annotations

import logging
import time
import uuid
from dataclasses import dataclass, replace
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F, FilteredRelation, Q
from django.utils import timezone

from platforms.base import Adapter
from platforms.errors import AuthExpired, ContentRejected, PlatformError, RateLimited, TransientError
from platforms.media_probe import ProbeError
from platforms.preflight import check_media
from platforms.registry import get_adapter
from platforms.types import PublishRequest
from scheduler.engine import outcomes
from scheduler.engine.channels import channel_ref, channel_refresh_token
from scheduler.engine.common import cas, platform_name, sentence
from scheduler.models import Attempt, AttemptOutcome, Delivery, DeliveryState
from scheduler.rendering import payload_of, render_with
from smo.failpoints import failpoint

log = logging.getLogger(__name__)
# Refresh a login that expires this soon before sending: the create must not fail on a stale token.
REFRESH_MARGIN_SECONDS = 120
# Logged when a message's token no longer holds: a redelivery, a twin, or an edit/cancel that won.
STALE_MESSAGE = "publish message for delivery %s is stale or a duplicate; ignored"


@dataclass(frozen=True)
class Send:
    delivery: Delivery
    token: uuid.UUID
    adapter: Adapter
    request: PublishRequest


def delivery_publish(delivery_id: int, token: str) -> str | None:
    """Publish one claimed delivery. Returns the new state, or None for a stale/duplicate/cancelled message."""
    try:
        token_uuid = uuid.UUID(str(token))
    except ValueError:
        log.warning("publish message for delivery %s has a malformed token; ignored", delivery_id)
        return None
    failpoint("publish.received")
    send = _start_sending(delivery_id, token_uuid)
    if send is None:
        return None
    refreshed = _with_fresh_login(send)
    if isinstance(refreshed, PlatformError):
        return outcomes.record(send.delivery, send.token, refreshed, duration_ms=0)
    return _send(refreshed)


def _send(send: Send) -> str | None:
    """The one irreversible call, made with no transaction open, bracketed by crash-test failpoints."""
    failpoint("publish.before_send")
    started = time.monotonic()
    try:
        result: object = send.adapter.publish(send.request)
    except Exception as exc:  # every exception is an outcome; unexpected ones mean "may have been applied"
        result = exc
    failpoint("publish.after_send")
    duration_ms = int((time.monotonic() - started) * 1000)
    return outcomes.record(send.delivery, send.token, result, duration_ms=duration_ms)


def _start_sending(delivery_id: int, token: uuid.UUID) -> Send | None:
    """Render from a plain read, then claim with one CAS that also freezes the payload.

    Reading before the CAS is safe: an edit or cancel that lands in between clears the token, so the
    CAS fails and nothing is sent; one that comes after sees `sending` and is refused.
    """
    delivery = _claimed_delivery(delivery_id, token)
    if delivery is None:
        log.info(STALE_MESSAGE, delivery_id)
        return None
    try:
        send = _prepare(delivery, token)
    except Exception as exc:
        # Nothing has reached the platform, so failing here is safe; retrying would fail the same way.
        if isinstance(exc, ContentRejected):
            log.info("delivery %s failed its send-time checks: %s", delivery_id, exc.message)
        else:
            log.exception("could not prepare delivery %s", delivery_id)
        _fail_unprepared(delivery, token, exc)
        return None
    now = timezone.now()
    with transaction.atomic():
        moved = cas(
            delivery_id, token, (DeliveryState.QUEUED,),
            state=DeliveryState.SENDING, sending_at=now, attempt_count=F("attempt_count") + 1,
            lease_expires_at=now + timedelta(seconds=settings.SENDING_LEASE_SECONDS),
            payload=delivery.payload, fingerprint=delivery.fingerprint,
        )
        if not moved:
            log.info(STALE_MESSAGE, delivery_id)
            return None
        Attempt.objects.create(delivery=delivery, token=token, started_at=now)
    return send


def _claimed_delivery(delivery_id: int, token: uuid.UUID) -> Delivery | None:
    """The queued delivery with its channel, post, campaign and the channel's variant, in one query."""
    own_variant = FilteredRelation("post__variants", condition=Q(post__variants__channel=F("channel")))
    return (
        Delivery.objects.annotate(own_variant=own_variant)
        .select_related("channel", "post__campaign", "own_variant")
        .filter(pk=delivery_id, attempt_token=token, state=DeliveryState.QUEUED)
        .first()
    )


def _with_fresh_login(send: Send) -> Send | PlatformError:
    """Refresh an access token that expires within the margin (X's last two hours) before the create.

    Nothing has been posted yet, so any failure here is "certainly not applied": a revoked login
    flags the channel, anything else waits and retries.
    """
    channel = send.delivery.channel
    expires = channel.token_expires_at
    margin = timezone.now() + timedelta(seconds=REFRESH_MARGIN_SECONDS)
    if expires is None or expires > margin or not (channel.credentials or {}).get("refresh_token"):
        return send
    try:
        channel = channel_refresh_token(channel)
    except (AuthExpired, RateLimited, TransientError) as exc:
        return exc
    except Exception as exc:
        log.warning("token refresh for channel %s failed: %r", channel.pk, exc)
        return TransientError(f"Refreshing the account's login failed ({type(exc).__name__})")
    return replace(send, request=replace(send.request, channel=channel_ref(channel)))


def _prepare(delivery: Delivery, token: uuid.UUID) -> Send:
    """Render, check again what compose time checked (the channel or the files may have changed), freeze."""
    adapter = get_adapter(delivery.channel.platform)
    try:
        # Django leaves the attribute unset, not None, when the filtered join finds no variant.
        request = render_with(delivery.post, delivery.channel, getattr(delivery, "own_variant", None))
    except ProbeError as exc:
        raise ContentRejected(exc.message, platform_code="preflight") from None
    if delivery.progress:  # a media-processing check: validated on the first call, media already uploaded
        request = replace(request, progress=dict(delivery.progress))
    else:
        problems = adapter.validate(request) + check_media(delivery.channel.platform, adapter.display_name,
                                                           request.media)
        if problems:
            raise ContentRejected(" ".join(sentence(p) for p in dict.fromkeys(problems)), platform_code="preflight")
    delivery.payload = payload_of(request)
    delivery.fingerprint = adapter.fingerprint(request)
    return Send(delivery=delivery, token=token, adapter=adapter, request=request)


def _fail_unprepared(delivery: Delivery, token: uuid.UUID, exc: Exception) -> None:
    name = platform_name(delivery.channel)
    if isinstance(exc, ContentRejected):
        code = "preflight"
        message = f"{name} would not accept this post: {sentence(exc.message)} Edit the post, then retry."
    else:
        code = "prepare_error"
        message = (f"SMO could not prepare this post for {name} ({type(exc).__name__}). "
                   "Check the channel's connection and the post's content, then retry.")
    now = timezone.now()
    if not cas(delivery.pk, token, (DeliveryState.QUEUED,), state=DeliveryState.FAILED, lease_expires_at=None,
               attempt_count=F("attempt_count") + 1, error_code=code, error_message=message):
        return
    Attempt.objects.create(delivery=delivery, token=token, started_at=now, finished_at=now,
                           outcome=AttemptOutcome.FAILED, error_class=type(exc).__name__, error_message=message)
