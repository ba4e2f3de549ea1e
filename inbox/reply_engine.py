"""Sending replies with the publishing engine's never-twice rules (ARCHITECTURE.md, "The publishing engine").

    queued --CAS(token)--> sending      short transaction: attempt count, sending lease, attempt row
    commit; adapter.reply() with no transaction open
    sending --CAS(token)--> sent | retry_wait | failed | needs_reconnect | unknown   (short transaction)

Every state change is a compare-and-set on (state, attempt_token), so a redelivered, duplicate or late
message cannot send twice or overwrite a newer state. Lease expiry and the reconciler live in
inbox/reply_sweep.py; the user-facing services in inbox/replies.py.
"""

from __future__ import annotations

import logging
import time
import uuid
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from inbox.cleaning import clean_field, clean_text, clean_url
from inbox.models import InboxItem, ItemKind, Reply, ReplyAttempt, ReplyState
from inbox.services import inbox_ingest
from platforms.errors import (
    AuthExpired,
    ContentRejected,
    NotReady,
    NotSupported,
    OutcomeUnknown,
    PlatformError,
    RateLimited,
    TransientError,
)
from platforms.models import Channel, Health
from platforms.registry import get_adapter
from platforms.types import ChannelRef, InboxEntry, PublishResult, ReplyTarget
from scheduler.engine.channels import channel_mark_needs_reconnect, channel_ref, channel_refresh_token
from scheduler.engine.common import platform_name, sentence
from scheduler.engine.retry import attempts_exhausted, retry_delay
from smo.failpoints import failpoint

log = logging.getLogger(__name__)
SENDING = (ReplyState.SENDING,)
STALE_MESSAGE = "send message for reply %s is stale or a duplicate; ignored"
REFRESH_MARGIN_SECONDS = 120  # the engine's margin: a create must not fail on a login about to expire
# Certainly not applied: each maps to retry_wait, failed or needs_reconnect. Anything else may have
# been applied and goes to `unknown`, settled only by the reconciler.
_NOT_APPLIED = (RateLimited, TransientError, AuthExpired, ContentRejected, NotSupported, NotReady)


def cas(reply_id: int, token: Any, states: tuple[str, ...], **changes: Any) -> bool:
    """Change the reply only if it is still in one of `states` under this token."""
    changes.setdefault("updated_at", timezone.now())
    return bool(Reply.objects.filter(pk=reply_id, state__in=states, attempt_token=token).update(**changes))


def enqueue_send(reply_id: int, token: uuid.UUID) -> None:
    """Ring the doorbell. A lost message is not fatal: the queued lease expires and the sweep re-queues."""
    from inbox.tasks import send_reply  # the task module imports the services

    try:
        send_reply.delay(reply_id, str(token))
    except Exception:
        log.exception("could not enqueue reply %s; it is queued again when its lease expires", reply_id)


def queue_on_commit(reply_id: int, token: uuid.UUID) -> None:
    transaction.on_commit(lambda: enqueue_send(reply_id, token))


def queued_lease(now: datetime) -> datetime:
    return now + timedelta(seconds=settings.QUEUED_LEASE_SECONDS)


def reply_send(reply_id: int, token: str) -> str | None:
    """Send one queued reply. Returns the new state, or None for a stale or duplicate message."""
    try:
        token_uuid = uuid.UUID(str(token))
    except ValueError:
        log.warning("send message for reply %s has a malformed token; ignored", reply_id)
        return None
    failpoint("reply.received")
    reply = _start_sending(reply_id, token_uuid)
    if reply is None:
        return None
    try:
        ref = _fresh_ref(reply.channel)
        target = reply_target(reply)
    except PlatformError as exc:  # nothing reached the platform: certainly not applied
        return record(reply, token_uuid, exc, duration_ms=0)
    return _send(reply, token_uuid, ref, target)


def _send(reply: Reply, token: uuid.UUID, ref: ChannelRef, target: ReplyTarget) -> str | None:
    """The one irreversible call, with no transaction open, bracketed by crash-test failpoints."""
    failpoint("reply.before_send")
    started = time.monotonic()
    try:
        result: object = get_adapter(reply.channel.platform).reply(ref, target, reply.text)
    except Exception as exc:  # every exception is an outcome; unexpected ones mean "may have been applied"
        result = exc
    failpoint("reply.after_send")
    return record(reply, token, result, duration_ms=int((time.monotonic() - started) * 1000))


def _start_sending(reply_id: int, token: uuid.UUID) -> Reply | None:
    reply = (Reply.objects.select_related("channel", "conversation", "in_reply_to")
             .filter(pk=reply_id, state=ReplyState.QUEUED, attempt_token=token).first())
    if reply is None:
        log.info(STALE_MESSAGE, reply_id)
        return None
    now = timezone.now()
    with transaction.atomic():
        moved = cas(reply_id, token, (ReplyState.QUEUED,), state=ReplyState.SENDING,
                    attempt_count=F("attempt_count") + 1, next_attempt_at=None,
                    lease_expires_at=now + timedelta(seconds=settings.SENDING_LEASE_SECONDS))
        if not moved:
            log.info(STALE_MESSAGE, reply_id)
            return None
        Reply.objects.filter(pk=reply_id, first_sent_at__isnull=True).update(first_sent_at=now)
        ReplyAttempt.objects.create(reply_id=reply_id, token=token, started_at=now)
    reply.attempt_count += 1
    reply.first_sent_at = reply.first_sent_at or now
    return reply


def _fresh_ref(channel: Channel) -> ChannelRef:
    """The channel's credentials, refreshed first when the login expires within the margin."""
    if channel.health == Health.NEEDS_RECONNECT:
        raise AuthExpired("the channel is waiting to be reconnected", platform_code="needs_reconnect")
    expires = channel.token_expires_at
    margin = timezone.now() + timedelta(seconds=REFRESH_MARGIN_SECONDS)
    if expires is None or expires > margin or not (channel.credentials or {}).get("refresh_token"):
        return channel_ref(channel)
    try:
        return channel_ref(channel_refresh_token(channel))
    except PlatformError:
        raise
    except Exception as exc:
        log.warning("token refresh for channel %s failed: %r", channel.pk, exc)
        raise TransientError(f"Refreshing the account's login failed ({type(exc).__name__})") from None


def reply_target(reply: Reply) -> ReplyTarget:
    """What the adapter answers: the chosen item in public, or the other party of a message thread."""
    conversation, item = reply.conversation, reply.in_reply_to
    if conversation.kind == ItemKind.MESSAGE:
        person = conversation.author_id or (item.author_id if item is not None and not item.from_us else "")
        # A thread SMO keyed by its author ("dm:<id>") has no platform thread id to name.
        thread = "" if conversation.external_id.startswith("dm:") else conversation.external_id
        return ReplyTarget("message", item.external_id if item else "", thread, person)
    if item is not None:
        return ReplyTarget(item.kind, item.external_id, conversation.external_id, item.author_id)
    post = conversation.post_external_id or conversation.external_id
    return ReplyTarget(ItemKind.COMMENT, post, conversation.external_id, conversation.author_id)


# -- outcomes ------------------------------------------------------------------------------------

def record(reply: Reply, token: uuid.UUID, result: object, *, duration_ms: int) -> str | None:
    """Apply the outcome in one short transaction; None when a newer state already won."""
    now = timezone.now()
    with transaction.atomic():
        if isinstance(result, PublishResult):
            state, message = _sent(reply, token, result, now)
        elif isinstance(result, _NOT_APPLIED):
            state, message = _refused(reply, token, result, now)
        else:
            state, message = _unknown(reply, token, result, now)
        if state is None:
            log.warning("reply %s changed while its send was in flight; outcome %r dropped", reply.pk, result)
            return None
        finish_attempt(reply.pk, token, state, now=now, message=message, duration_ms=duration_ms,
                       exc=result if isinstance(result, BaseException) else None)
    if state == ReplyState.SENT and isinstance(result, PublishResult):
        store_thread_item(reply, result.external_id, result.permalink, result.published_at or now)
    return state


def finish_attempt(reply_id: int, token: Any, outcome: str, *, now: datetime, message: str = "",
                   duration_ms: int | None = None, exc: BaseException | None = None) -> None:
    changes: dict[str, Any] = {"outcome": outcome, "finished_at": now, "error_message": message}
    if exc is not None:
        changes["error_class"] = type(exc).__name__[:64]
    if duration_ms is not None:
        changes["duration_ms"] = duration_ms
    ReplyAttempt.objects.filter(reply_id=reply_id, token=token, outcome="").update(**changes)


def _sent(reply: Reply, token: uuid.UUID, result: PublishResult, now: datetime) -> tuple[str | None, str]:
    # A success that lands after the sending lease moved the reply to `unknown` still settles it.
    ok = cas(reply.pk, token, (ReplyState.SENDING, ReplyState.UNKNOWN), state=ReplyState.SENT,
             external_id=clean_field(result.external_id, 200), permalink=clean_url(result.permalink),
             sent_at=result.published_at or now, lease_expires_at=None, next_attempt_at=None,
             error_code="", error_message="")
    return (ReplyState.SENT if ok else None), ""


def _refused(reply: Reply, token: uuid.UUID, exc: PlatformError, now: datetime) -> tuple[str | None, str]:
    name = platform_name(reply.channel)
    if isinstance(exc, RateLimited):
        due = exc.retry_at if exc.retry_at and exc.retry_at > now else now + retry_delay(reply.attempt_count)
        message = (f"{name} asked SMO to slow down for this account ({sentence(exc.message)}) "
                   "SMO sends the reply once the platform allows it again.")
        return _retry_later(reply, token, exc, due, message)
    if isinstance(exc, TransientError | NotReady):
        if attempts_exhausted(reply.attempt_count):
            return _fail(reply, token, exc, f"{name} could not be reached after {reply.attempt_count} attempts "
                         f"(last error: {sentence(exc.message)}) Check the platform's status, then retry.")
        message = f"{name} was unavailable ({sentence(exc.message)}) SMO tries again automatically."
        return _retry_later(reply, token, exc, now + retry_delay(reply.attempt_count), message)
    if isinstance(exc, AuthExpired):
        return _needs_reconnect(reply, token, exc, name)
    verb = "cannot send" if isinstance(exc, NotSupported) else "rejected"
    return _fail(reply, token, exc, f"{name} {verb} this reply: {sentence(exc.message)} "
                 "Write a new reply that fits, or answer on the platform.")


def _code(exc: BaseException) -> str:
    return (getattr(exc, "platform_code", "") or type(exc).__name__)[:64]


def _fail(reply: Reply, token: uuid.UUID, exc: BaseException, message: str) -> tuple[str | None, str]:
    ok = cas(reply.pk, token, SENDING, state=ReplyState.FAILED, lease_expires_at=None, error_code=_code(exc),
             error_message=message)
    return (ReplyState.FAILED if ok else None), message


def _retry_later(reply: Reply, token: uuid.UUID, exc: PlatformError, due: datetime,
                 message: str) -> tuple[str | None, str]:
    ok = cas(reply.pk, token, SENDING, state=ReplyState.RETRY_WAIT, next_attempt_at=due, lease_expires_at=None,
             error_code=_code(exc), error_message=message)
    return (ReplyState.RETRY_WAIT if ok else None), message


def _needs_reconnect(reply: Reply, token: uuid.UUID, exc: AuthExpired, name: str) -> tuple[str | None, str]:
    message = (f"{name} no longer accepts this channel's login ({sentence(exc.message)}) "
               "An admin reconnects the channel; the reply is sent as soon as they do.")
    ok = cas(reply.pk, token, SENDING, state=ReplyState.NEEDS_RECONNECT, lease_expires_at=None,
             error_code=_code(exc), error_message=message)
    if not ok:
        return None, message
    if reply.channel.health == Health.OK:  # an already flagged channel keeps its own reason
        channel_mark_needs_reconnect(reply.channel, message)
    return ReplyState.NEEDS_RECONNECT, message


def _unknown(reply: Reply, token: uuid.UUID, result: object, now: datetime) -> tuple[str | None, str]:
    if not isinstance(result, OutcomeUnknown):
        log.error("unexpected result from the %s adapter for reply %s: %r", reply.channel.platform, reply.pk,
                  result, exc_info=isinstance(result, BaseException))
    message = (f"SMO lost contact with {platform_name(reply.channel)} while sending, so the reply may or may not "
               "have been posted. SMO is checking; nothing to do yet.")
    # The lease is kept; the reconciler's first look waits a moment for the platform to apply the create.
    first_check = now + timedelta(seconds=2 * settings.PLATFORM_READ_TIMEOUT)
    ok = cas(reply.pk, token, SENDING, state=ReplyState.UNKNOWN, error_code=_code(result), error_message=message,
             next_attempt_at=first_check)
    return (ReplyState.UNKNOWN if ok else None), message


# -- the thread ----------------------------------------------------------------------------------

def store_thread_item(reply: Reply, external_id: str, permalink: str, created_at: datetime,
                      entry: InboxEntry | None = None) -> InboxItem | None:
    """Our sent reply as an item of its thread (from_us), once: the later sync or webhook finds it stored.

    Runs after the outcome committed; a failure here only delays the item until the next sync.
    """
    channel, conversation = reply.channel, reply.conversation
    direct = conversation.kind == ItemKind.MESSAGE
    parent = reply.in_reply_to.external_id if reply.in_reply_to and not direct else ""
    entry = entry or InboxEntry(
        external_id=external_id, kind=ItemKind.MESSAGE if direct else ItemKind.REPLY,
        conversation_id=conversation.external_id, author_name=channel.display_name, author_handle=channel.handle,
        text=clean_text(reply.text), created_at=created_at, in_reply_to=parent, author_id=channel.external_id,
        post_external_id=conversation.post_external_id, permalink=permalink, from_us=True)
    try:
        inbox_ingest(channel, [entry], source="reply")
    except Exception:
        log.exception("reply %s was sent but could not be stored in its thread yet", reply.pk)
        return None
    item = InboxItem.objects.filter(channel=channel, external_id=entry.external_id).first()
    if item is not None:
        Reply.objects.filter(pk=reply.pk, sent_item__isnull=True).update(sent_item=item)
    return item
