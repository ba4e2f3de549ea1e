"""Replies and direct messages: the services people call (create, retry, mark sent).

Sending itself follows the publishing engine's rules and lives in inbox/reply_engine.py (reply_send)
and inbox/reply_sweep.py (leases, retries, reconciliation); both are re-exported here.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from inbox.cleaning import clean_text, clean_url
from inbox.models import Conversation, InboxItem, ItemKind, Reply, ReplyAttempt, ReplyState
from inbox.reply_engine import queue_on_commit, queued_lease, reply_send, reply_target
from inbox.reply_sweep import reconcile_replies, replies_due, reply_reconcile
from platforms.models import Channel, Health
from platforms.registry import UnknownPlatform, get_adapter
from platforms.types import ChannelRef, Credentials, PublishRequest
from platforms.x.text import weighted_length
from scheduler.engine.common import platform_name
from workspaces.audit import audit_record
from workspaces.models import Member, Role

__all__ = [
    "REPLY_ROLES", "reconcile_replies", "replies_due", "reply_create", "reply_mark_sent", "reply_problems",
    "reply_reconcile", "reply_retry", "reply_send", "reply_target",
]

REPLY_ROLES = (Role.ADMIN, Role.COMMUNITY_MANAGER)
RETRYABLE = (ReplyState.FAILED, ReplyState.NEEDS_CHECK)
MARKABLE = (ReplyState.NEEDS_CHECK, ReplyState.UNKNOWN)
# The same text to the same item by the same person this soon is a double submit, not a second reply.
DOUBLE_SUBMIT_WINDOW = timedelta(seconds=60)
INPUT_MAX_CHARS = 50_000  # refused before any counting: no platform takes more than 10,000 in one message
# (platform, direct message?) -> (limit, what). X counts public replies like posts (weighted); the rest in
# characters. Limits from reference/platform-apis.md and each API's reference.
LIMITS: dict[tuple[str, bool], tuple[int, Any]] = {
    ("x", False): (280, gettext_lazy("reply")), ("x", True): (10_000, gettext_lazy("direct message")),
    ("facebook", False): (8_000, gettext_lazy("comment")),
    ("facebook", True): (2_000, gettext_lazy("Messenger message")),
    ("instagram", False): (2_200, gettext_lazy("comment")),
    ("instagram", True): (1_000, gettext_lazy("direct message")),
    # YouTube comments and LinkedIn comments are not posts: a post's rules (a video, a title) do not apply.
    ("youtube", False): (10_000, gettext_lazy("comment")),
    ("linkedin", False): (1_250, gettext_lazy("comment")),
    ("bluesky", True): (1_000, gettext_lazy("direct message")),
}


def can_reply(workspace_id: int, user: Any) -> bool:
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    return Member.objects.filter(workspace_id=workspace_id, user_id=user.pk, role__in=REPLY_ROLES).exists()


def _require_replier(workspace_id: int, actor: Any) -> None:
    if not can_reply(workspace_id, actor):
        raise PermissionDenied(_("Only admins and community managers can answer in the inbox."))


def reply_problems(channel: Channel, conversation: Conversation, text: str) -> list[str]:
    """Why the platform would refuse this text as an answer in this thread; empty means fine."""
    direct = conversation.kind == ItemKind.MESSAGE
    known = LIMITS.get((channel.platform, direct))
    if known is None:
        return _adapter_problems(channel, text)
    limit, what = known
    counter: Callable[[str], int] = weighted_length if channel.platform == "x" and not direct else len
    length = counter(text)
    if length <= limit:
        return []
    # Translators: %(what)s is one of "reply", "comment", "direct message", "Messenger message".
    problem = _("%(platform)s allows %(limit)s characters in a %(what)s; this reply has %(length)s.") % {
        "platform": platform_name(channel), "limit": number_format(limit, force_grouping=True), "what": what,
        "length": number_format(length, force_grouping=True)}
    if counter is weighted_length:
        problem += " " + _("X counts every link as 23 characters and each emoji or CJK character as 2.")
    return [problem]


def _adapter_problems(channel: Channel, text: str) -> list[str]:
    """Platforms without a known reply limit: the adapter's own pre-flight, as for a post."""
    try:
        adapter = get_adapter(channel.platform)
    except UnknownPlatform:
        return [_("SMO cannot send replies to %(platform)s.") % {"platform": channel.platform}]
    ref = ChannelRef(channel.platform, channel.external_id, channel.handle, Credentials())  # no secrets needed
    return list(adapter.validate(PublishRequest(channel=ref, text=text)))


def _answered_item(conversation: Conversation, in_reply_to: InboxItem | int | None) -> InboxItem | None:
    """The item answered: the one asked for (it must be in this thread), else the newest one not ours."""
    items = InboxItem.objects.filter(conversation=conversation, workspace_id=conversation.workspace_id)
    if in_reply_to not in (None, ""):
        pk = in_reply_to.pk if isinstance(in_reply_to, InboxItem) else in_reply_to
        item = items.filter(pk=pk).first() if str(pk).isdigit() else None
        if item is None:
            raise ValidationError(_("The message you are answering is not in this conversation any more; "
                                    "reload the conversation and answer again."), code="bad_target")
        return item
    return items.filter(from_us=False).order_by("-created_at", "-pk").first()


def reply_create(conversation: Conversation, in_reply_to: InboxItem | int | None, text: str, actor: Any) -> Reply:
    """Check and queue an answer; it goes out through the publish queue once this commits.

    Raises PermissionDenied for a role that cannot reply, ValidationError (with the reason) for text
    or a thread that cannot be answered. A double submit returns the reply already queued.
    """
    _require_replier(conversation.workspace_id, actor)
    if len(text or "") > INPUT_MAX_CHARS:  # before any cleaning or counting work
        raise ValidationError(_("This reply is far too long for any platform."), code="too_long")
    text = clean_text(text or "", INPUT_MAX_CHARS).strip()
    if not text:
        raise ValidationError(_("Write a reply before sending it."), code="empty")
    channel = conversation.channel
    problems = reply_problems(channel, conversation, text)
    if problems:
        raise ValidationError(problems, code="invalid")
    item = _answered_item(conversation, in_reply_to)
    if item is None and conversation.kind != ItemKind.MESSAGE and not conversation.post_external_id:
        raise ValidationError(_("There is nothing in this conversation to answer yet."), code="no_target")
    if channel.health == Health.NEEDS_RECONNECT:
        raise ValidationError(_("%(name)s needs reconnecting before replies can be sent from it; ask an admin to "
                                "reconnect the channel.") % {"name": channel.display_name}, code="needs_reconnect")
    twin = _double_submit(conversation, item, text, actor)
    if twin is not None:
        return twin
    now = timezone.now()
    with transaction.atomic():
        reply = Reply.objects.create(
            workspace_id=conversation.workspace_id, conversation=conversation, channel=channel, in_reply_to=item,
            text=text, author=actor, state=ReplyState.QUEUED, attempt_token=uuid.uuid4(),
            lease_expires_at=queued_lease(now), created_at=now, updated_at=now)
        queue_on_commit(reply.pk, reply.attempt_token)
    audit_record(workspace=conversation.workspace_id, actor=actor, action="reply.queued", target=reply,
                 details={"conversation": conversation.pk, "channel": channel.pk, "in_reply_to": item and item.pk})
    return reply


def _double_submit(conversation: Conversation, item: InboxItem | None, text: str, actor: Any) -> Reply | None:
    since = timezone.now() - DOUBLE_SUBMIT_WINDOW
    recent = Reply.objects.filter(conversation=conversation, in_reply_to=item, author_id=actor.pk,
                                  created_at__gte=since).exclude(state=ReplyState.FAILED)
    return next((reply for reply in recent.order_by("-pk") if reply.text == text), None)


def reply_retry(reply: Reply, actor: Any) -> Reply:
    """Send a failed reply (or one the user checked is missing) again, under a fresh token."""
    _require_replier(reply.workspace_id, actor)
    now, token = timezone.now(), uuid.uuid4()
    with transaction.atomic():
        moved = Reply.objects.filter(pk=reply.pk, state__in=RETRYABLE).update(
            state=ReplyState.QUEUED, attempt_token=token, lease_expires_at=queued_lease(now), next_attempt_at=None,
            error_code="", error_message="", updated_at=now)
        if not moved:
            raise ValidationError(_("Only a failed reply, or one that needs checking, can be retried."),
                                  code="not_retryable")
        queue_on_commit(reply.pk, token)
    reply.refresh_from_db()
    audit_record(workspace=reply.workspace_id, actor=actor, action="reply.retried", target=reply,
                 details={"conversation": reply.conversation_id, "attempts": reply.attempt_count})
    return reply


def reply_mark_sent(reply: Reply, actor: Any, *, permalink: str = "") -> Reply:
    """The user found the reply on the platform: settle one SMO could not confirm."""
    _require_replier(reply.workspace_id, actor)
    now = timezone.now()
    with transaction.atomic():
        moved = Reply.objects.filter(pk=reply.pk, state__in=MARKABLE).update(
            state=ReplyState.SENT, sent_at=now, permalink=clean_url(permalink), lease_expires_at=None,
            next_attempt_at=None, error_code="", error_message="", updated_at=now)
        if not moved:
            raise ValidationError(_("Only a reply SMO could not confirm can be marked as sent."),
                                  code="not_needs_check")
        ReplyAttempt.objects.create(reply=reply, token=reply.attempt_token or uuid.uuid4(), started_at=now,
                                    finished_at=now, outcome="marked_sent", error_message="Marked as sent by a person.")
    reply.refresh_from_db()
    audit_record(workspace=reply.workspace_id, actor=actor, action="reply.marked_sent", target=reply,
                 details={"conversation": reply.conversation_id})
    return reply
