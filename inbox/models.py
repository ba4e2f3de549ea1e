"""Inbox storage, first cut: what comes back from channels. Screens come in a later issue."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from platforms.models import Channel
from scheduler.models import Delivery
from workspaces.models import Workspace


class ItemKind(models.TextChoices):
    COMMENT = "comment", _("Comment")
    REPLY = "reply", _("Reply")
    MENTION = "mention", _("Mention")
    MESSAGE = "message", _("Direct message")


class Conversation(models.Model):
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="conversations")
    channel = models.ForeignKey(Channel, on_delete=models.CASCADE, related_name="conversations")
    external_id = models.CharField(max_length=200)
    kind = models.CharField(max_length=16, choices=ItemKind.choices)
    delivery = models.ForeignKey(Delivery, on_delete=models.SET_NULL, null=True, blank=True)
    last_item_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["channel", "external_id"], name="conversation_once_per_channel")
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.external_id}"


class InboxItem(models.Model):
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="inbox_items")
    channel = models.ForeignKey(Channel, on_delete=models.CASCADE, related_name="inbox_items")
    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="items")
    external_id = models.CharField(max_length=200)
    kind = models.CharField(max_length=16, choices=ItemKind.choices)
    author_name = models.CharField(max_length=200, blank=True)
    author_handle = models.CharField(max_length=200, blank=True)
    text = models.TextField(blank=True)
    created_at = models.DateTimeField()
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["channel", "external_id"], name="inbox_item_once_per_channel")]
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.kind} from {self.author_handle}"
