"""Template helpers for templates/inbox/_replies.html: a thread's replies, their badges and the buttons."""

from __future__ import annotations

from typing import Any

from django import template

from inbox.models import Conversation, ReplyState
from inbox.replies import MARKABLE, REPLY_ROLES, RETRYABLE
from inbox.reply_selectors import replies_for_conversation
from scheduler.views_pages import workspace_zone

register = template.Library()

COLOURS = {
    ReplyState.QUEUED: "info", ReplyState.SENDING: "primary", ReplyState.SENT: "success",
    ReplyState.RETRY_WAIT: "warning", ReplyState.FAILED: "danger", ReplyState.UNKNOWN: "info",
    ReplyState.NEEDS_CHECK: "warning", ReplyState.NEEDS_RECONNECT: "danger",
}
# States whose message asks the person to act (shown as a warning), rather than reports progress.
ACTION_NEEDED = {ReplyState.FAILED, ReplyState.NEEDS_CHECK, ReplyState.NEEDS_RECONNECT}


@register.simple_tag(takes_context=True)
def conversation_replies(context: Any, conversation: Conversation) -> dict[str, Any]:
    """{% conversation_replies conversation as r %}: r.replies, r.can_act, r.zone, r.slug."""
    request = context.get("request")
    member = getattr(request, "member", None)
    workspace = getattr(request, "workspace", None)
    if workspace is None or workspace.pk != conversation.workspace_id:
        workspace = conversation.workspace
    return {
        "replies": list(replies_for_conversation(conversation)),
        "can_act": member is not None and member.role in REPLY_ROLES,
        "zone": workspace_zone(workspace),
        "slug": workspace.slug,
    }


@register.filter
def reply_colour(state: str) -> str:
    return COLOURS.get(state, "secondary")


@register.filter
def reply_needs_action(state: str) -> bool:
    return state in ACTION_NEEDED


@register.filter
def reply_retryable(state: str) -> bool:
    return state in RETRYABLE


@register.filter
def reply_markable(state: str) -> bool:
    return state in MARKABLE
