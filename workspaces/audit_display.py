"""How audit events read to people: action and object-type labels, details as "key: value" pairs.

Actions are free strings written by many apps ("noun.verb"); the ones known here get a translated label,
any other is shown as written, so an app that adds an action never breaks the log.
"""

from __future__ import annotations

import json
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

ACTION_LABELS: dict[str, Promise] = {
    "channel.connected": _("Channel connected"),
    "channel.reconnected": _("Channel reconnected"),
    "channel.disconnected": _("Channel disconnected"),
    "post.created": _("Post created"),
    "post.edited": _("Post edited"),
    "post.deleted": _("Post deleted"),
    "post.scheduled": _("Post scheduled"),
    "post.published_now": _("Post sent to publish now"),
    "post.cancelled": _("Post cancelled on a channel"),
    "post.retried": _("Failed deliveries retried"),
    "post.marked_published": _("Post marked as published"),
    "post.rescheduled": _("Post moved in the calendar"),
    "post.reschedule_undone": _("Calendar move undone"),
    "post.tailored": _("Post tailored to an audience"),
    "post.queued": _("Post added to a queue"),
    "approval.requested": _("Approval requested"),
    "approval.approved": _("Post approved"),
    "approval.rejected": _("Post rejected"),
    "approval.voided": _("Approval voided by a change"),
    "reviewer_link.created": _("Reviewer link created"),
    "reviewer_link.revoked": _("Reviewer link revoked"),
    "media.uploaded": _("Media uploaded"),
    "media.alt_text_changed": _("Media alt text changed"),
    "media.deleted": _("Media deleted"),
    "api_token.created": _("API token created"),
    "api_token.revoked": _("API token revoked"),
    "member.added": _("Member added"),
    "member.role_changed": _("Member's role changed"),
    "member.removed": _("Member removed"),
    "workspace.updated": _("Workspace settings changed"),
    "audit.exported": _("Audit log exported"),
    "campaign.created": _("Campaign created"),
    "campaign.updated": _("Campaign changed"),
    "campaign.archived": _("Campaign archived"),
    "campaign.restored": _("Campaign restored"),
    "campaign.deleted": _("Campaign deleted"),
    "queue.updated": _("Posting queue changed"),
    "import.started": _("Import started"),
    "import.completed": _("Import finished"),
    "conversation.assigned": _("Conversation assigned"),
    "conversation.open": _("Conversation reopened"),
    "conversation.done": _("Conversation marked done"),
    "conversation.snoozed": _("Conversation snoozed"),
    "conversation.tagged": _("Conversation tags changed"),
    "conversation.noted": _("Internal note added"),
    "conversation.bulk": _("Conversations changed in bulk"),
    "conversation.attention_alerted": _("Alert sent: a conversation needs attention"),
    "conversation.attention_cleared": _("Conversation no longer needs attention"),
    "saved_reply.created": _("Saved reply added"),
    "saved_reply.updated": _("Saved reply changed"),
    "saved_reply.deleted": _("Saved reply deleted"),
    "reply.queued": _("Reply sent to the platform queue"),
    "reply.retried": _("Reply retried"),
    "reply.marked_sent": _("Reply marked as sent"),
}

TARGET_TYPE_LABELS: dict[str, Promise] = {
    "post": _("Post"),
    "delivery": _("Delivery"),
    "channel": _("Channel"),
    "mediaasset": _("Media file"),
    "apitoken": _("API token"),
    "member": _("Member"),
    "workspace": _("Workspace"),
    "campaign": _("Campaign"),
    "approvalrequest": _("Approval request"),
    "reviewerlink": _("Reviewer link"),
    "importjob": _("Import"),
    "postingqueue": _("Posting queue"),
    "conversation": _("Conversation"),
    "savedreply": _("Saved reply"),
    "reply": _("Reply"),
}


def action_label(action: str) -> str:
    return str(ACTION_LABELS.get(action, action))


def target_type_label(target_type: str) -> str:
    return str(TARGET_TYPE_LABELS.get(target_type, target_type))


def detail_text(value: Any) -> str:
    """One detail value as plain text (escaping is the template's job)."""
    if value is None:
        return "—"
    if isinstance(value, bool):
        return str(_("yes") if value else _("no"))
    if isinstance(value, list | tuple):
        return ", ".join(detail_text(item) for item in value)
    if isinstance(value, dict) and set(value) == {"from", "to"}:  # a changed setting
        return f"{detail_text(value['from'])} → {detail_text(value['to'])}"
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return str(value)


def detail_pairs(details: Any) -> list[tuple[str, str]]:
    if not isinstance(details, dict):
        return [("", detail_text(details))] if details else []
    return [(str(key), detail_text(value)) for key, value in details.items()]
