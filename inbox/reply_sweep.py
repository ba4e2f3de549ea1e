"""The replies' clocks: lease expiry, due retries, resuming after a reconnect, and the reconciler.

Beat-driven and harmless if run twice: every move is a compare-and-set on (state, token), and a
re-queued reply gets a fresh token, so the old message (if it ever arrives) is ignored. A lease that
expires in `sending` goes to `unknown`, never back to the queue: the worker may have reached the
platform before it died, and only the reconciler may decide whether the reply exists.
"""

from __future__ import annotations

import html
import logging
import re
import unicodedata
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from inbox.cleaning import clean_field, clean_url
from inbox.models import InboxItem, ItemKind, Reply, ReplyAttempt, ReplyState
from inbox.reply_engine import cas, queue_on_commit, queued_lease, store_thread_item
from platforms.errors import AuthExpired, NotSupported
from platforms.models import Health
from platforms.registry import UnknownPlatform, get_adapter
from platforms.types import InboxEntry, PublishRequest
from scheduler.engine.channels import channel_mark_needs_reconnect, channel_ref
from scheduler.engine.common import platform_name
from scheduler.models import Delivery

log = logging.getLogger(__name__)
BATCH = 500
RECONCILE_BATCH = 50
RECHECK_SECONDS = 60  # between two looks at the platform for the same reply: reads cost quota too
# Where a public reply is a post on the account's own timeline, find_published() can see it as well.
REPLIES_ARE_POSTS = {"x"}
_WHITESPACE = re.compile(r"\s+")


def replies_due(now: datetime | None = None) -> dict[str, int]:
    """One sweep: expired leases, retries whose time came, replies held for a channel now reconnected."""
    now = now or timezone.now()
    with transaction.atomic():
        counts = {
            "requeued": _requeue(Reply.objects.filter(state=ReplyState.QUEUED, lease_expires_at__lt=now), now),
            "lost": _expire_sending(now),
            "retried": _requeue(_sendable(Reply.objects.filter(state=ReplyState.RETRY_WAIT, next_attempt_at__lte=now),
                                          now), now),
            "resumed": _requeue(_sendable(Reply.objects.filter(state=ReplyState.NEEDS_RECONNECT), now), now),
        }
    return counts


def _sendable(replies, now: datetime):
    """Only where the channel is healthy and not paused by a platform's rate limit."""
    return replies.filter(Q(channel__paused_until__isnull=True) | Q(channel__paused_until__lte=now),
                          channel__health=Health.OK)


def _requeue(replies, now: datetime) -> int:
    """Back to `queued` under a fresh token, each with its own message on commit."""
    moved = 0
    for pk, state, token in replies.order_by("pk").values_list("pk", "state", "attempt_token")[:BATCH]:
        fresh = uuid.uuid4()
        if cas(pk, token, (state,), state=ReplyState.QUEUED, attempt_token=fresh, lease_expires_at=queued_lease(now),
               next_attempt_at=None, updated_at=now):
            queue_on_commit(pk, fresh)
            moved += 1
    return moved


def _expire_sending(now: datetime) -> int:
    rows = list(Reply.objects.filter(state=ReplyState.SENDING, lease_expires_at__lt=now)
                .order_by("lease_expires_at", "pk").values_list("pk", "attempt_token")[:BATCH])
    message = ("The worker stopped while sending this reply; SMO is checking with the platform whether it was "
               "posted. Nothing to do yet.")
    lost = 0
    for pk, token in rows:
        if cas(pk, token, (ReplyState.SENDING,), state=ReplyState.UNKNOWN, error_code="lease_expired",
               error_message=message, next_attempt_at=now, updated_at=now):
            ReplyAttempt.objects.filter(reply_id=pk, token=token, outcome="").update(
                outcome=ReplyState.UNKNOWN, finished_at=now, error_message="The worker was lost before it reported.")
            lost += 1
    if lost:
        log.warning("expired %d sending reply lease(s)", lost)
    return lost


# -- reconciliation ------------------------------------------------------------------------------

@dataclass(frozen=True)
class Found:
    external_id: str
    permalink: str
    created_at: datetime
    entry: InboxEntry | None = None


def reconcile_replies(now: datetime | None = None) -> int:
    """One pass over `unknown` replies due for a look, oldest first. Returns how many were settled."""
    now = now or timezone.now()
    ids = list(Reply.objects.filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now),
                                    state=ReplyState.UNKNOWN)
               .order_by("first_sent_at", "pk").values_list("pk", flat=True)[:RECONCILE_BATCH])
    return sum(1 for pk in ids if reply_reconcile(pk, now=now) not in (None, ReplyState.UNKNOWN))


def reply_reconcile(reply_id: int, *, now: datetime | None = None) -> str | None:
    """Look for one `unknown` reply in the thread and on the platform; returns its state afterwards."""
    now = now or timezone.now()
    reply = (Reply.objects.select_related("channel", "conversation", "in_reply_to")
             .filter(pk=reply_id, state=ReplyState.UNKNOWN).first())
    if reply is None:
        return None
    name = platform_name(reply.channel)
    since = (reply.first_sent_at or reply.created_at) - timedelta(minutes=1)  # the platform's clock may lag
    found = _stored_match(reply, since)
    if found is None:
        try:  # no transaction is open here: these are network calls
            found = _platform_match(reply, since)
        except (AuthExpired, NotSupported, UnknownPlatform) as exc:
            if isinstance(exc, AuthExpired) and reply.channel.health == Health.OK:
                channel_mark_needs_reconnect(reply.channel, f"{name} no longer accepts this channel's login "
                                             f"({exc.message}). Reconnect the channel.")
            return _needs_check(reply, now, f"SMO cannot ask {name} about this reply ({_why(exc)}).")
        except Exception as exc:  # a failed read is retried freely, until giving up
            if _gave_up(reply, now):
                return _needs_check(reply, now, f"{name} did not answer SMO's checks ({_why(exc)}).")
            log.info("reconcile of reply %s postponed: %r", reply_id, exc)
            return _later(reply, now)
    if found is not None:
        return _settle_sent(reply, found, now)
    if _gave_up(reply, now):
        return _needs_check(reply, now, f"SMO could not find this reply on {name}.")
    return _later(reply, now)


def _why(exc: Exception) -> str:
    return str(getattr(exc, "message", "") or type(exc).__name__)


def _gave_up(reply: Reply, now: datetime) -> bool:
    started = reply.first_sent_at or reply.created_at
    return now >= started + timedelta(seconds=settings.RECONCILE_GIVE_UP_SECONDS)


def _later(reply: Reply, now: datetime) -> str:
    cas(reply.pk, reply.attempt_token, (ReplyState.UNKNOWN,), next_attempt_at=now + timedelta(seconds=RECHECK_SECONDS))
    return ReplyState.UNKNOWN


def normalise(text: str) -> str:
    """Text as compared when matching: entities decoded, one space for any whitespace, NFC."""
    return _WHITESPACE.sub(" ", unicodedata.normalize("NFC", html.unescape(text or ""))).strip()


def _claimed(reply: Reply) -> set[str]:
    """External ids other replies (or our posts) already own: a twin text must not settle twice."""
    others = Reply.objects.filter(channel=reply.channel).exclude(pk=reply.pk).exclude(external_id="")
    posts = Delivery.objects.filter(channel=reply.channel).exclude(external_id="")
    return set(others.values_list("external_id", flat=True)) | set(posts.values_list("external_id", flat=True))


def _stored_match(reply: Reply, since: datetime) -> Found | None:
    """The sync or a webhook may already have brought our reply back into the thread."""
    claimed = _claimed(reply)
    candidates = InboxItem.objects.filter(conversation=reply.conversation, from_us=True, created_at__gte=since)
    wanted = normalise(reply.text)
    for item in candidates.order_by("created_at", "pk"):
        if item.external_id not in claimed and normalise(item.text) == wanted:
            return Found(item.external_id, item.permalink, item.created_at)
    return None


def _platform_match(reply: Reply, since: datetime) -> Found | None:
    adapter, ref = get_adapter(reply.channel.platform), channel_ref(reply.channel)
    claimed, wanted = _claimed(reply), normalise(reply.text)
    page = adapter.fetch_inbox(ref, "")  # from an empty cursor: the platform's most recent items
    for entry in page.items:
        if (entry.from_us and entry.external_id not in claimed and _in_thread(entry, reply)
                and entry.created_at >= since and normalise(entry.text) == wanted):
            return Found(entry.external_id, entry.permalink, entry.created_at, entry)
    if reply.channel.platform in REPLIES_ARE_POSTS and reply.conversation.kind != ItemKind.MESSAGE:
        found = adapter.find_published(ref, adapter.fingerprint(PublishRequest(channel=ref, text=reply.text)), since)
        if found is not None and found.external_id not in claimed:
            return Found(found.external_id, found.permalink, found.published_at or since)
    return None


def _in_thread(entry: InboxEntry, reply: Reply) -> bool:
    parent = reply.in_reply_to.external_id if reply.in_reply_to else ""
    return entry.conversation_id == reply.conversation.external_id or bool(parent and entry.in_reply_to == parent)


def _settle_sent(reply: Reply, found: Found, now: datetime) -> str | None:
    token = reply.attempt_token
    with transaction.atomic():
        if not cas(reply.pk, token, (ReplyState.UNKNOWN,), state=ReplyState.SENT,
                   external_id=clean_field(found.external_id, 200), permalink=clean_url(found.permalink),
                   sent_at=found.created_at, lease_expires_at=None, next_attempt_at=None, error_code="",
                   error_message=""):
            return None  # settled meanwhile (a late send result, or another reconciler)
        ReplyAttempt.objects.create(reply=reply, token=token or uuid.uuid4(), started_at=now, finished_at=now,
                                    outcome="reconciled",
                                    error_message="Found on the platform after the send was lost.")
    store_thread_item(reply, found.external_id, found.permalink, found.created_at, entry=found.entry)
    return ReplyState.SENT


def _needs_check(reply: Reply, now: datetime, why: str) -> str | None:
    name = platform_name(reply.channel)
    message = (f"{why} We could not confirm whether {name} received this reply. Check the conversation on {name}: "
               "if the reply is there, mark it sent; if not, retry it.")
    token = reply.attempt_token
    with transaction.atomic():
        if not cas(reply.pk, token, (ReplyState.UNKNOWN,), state=ReplyState.NEEDS_CHECK, lease_expires_at=None,
                   next_attempt_at=None, error_code="needs_check", error_message=message):
            return None
        ReplyAttempt.objects.create(reply=reply, token=token or uuid.uuid4(), started_at=now, finished_at=now,
                                    outcome=ReplyState.NEEDS_CHECK, error_message=message)
    return ReplyState.NEEDS_CHECK
