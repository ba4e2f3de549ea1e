"""Reads for replies, always scoped to the workspace (another workspace's rows are simply not found)."""

from __future__ import annotations

from django.db.models import QuerySet

from inbox.models import Conversation, Reply
from workspaces.models import Workspace


def replies_for_conversation(conversation: Conversation) -> QuerySet[Reply]:
    """A thread's replies, oldest first, with what the partial shows about each."""
    return (Reply.objects.filter(workspace_id=conversation.workspace_id, conversation=conversation)
            .select_related("author", "in_reply_to").order_by("created_at", "pk"))


def reply_for_workspace(workspace: Workspace, conversation_id: int, reply_id: int) -> Reply | None:
    return (Reply.objects.select_related("conversation", "channel")
            .filter(workspace=workspace, conversation_id=conversation_id, pk=reply_id).first())


def conversation_for_replies(workspace: Workspace, conversation_id: int) -> Conversation | None:
    return Conversation.objects.select_related("channel").filter(workspace=workspace, pk=conversation_id).first()
