"""Inbox storage: what comes back from channels, and the health of fetching it. Screens come later.

Everything in these rows except ids and flags was written by strangers on a platform: it is kept as
plain text (cleaned of what the database cannot hold) and escaped wherever it is shown.
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from platforms.models import Channel, WebhookEvent
from scheduler.models import Delivery
from workspaces.models import Workspace


class ItemKind(models.TextChoices):
    COMMENT = "comment", _("Comment")
    REPLY = "reply", _("Reply")
    MENTION = "mention", _("Mention")
    MESSAGE = "message", _("Direct message")


class Conversation(models.Model):
    """A thread: the comments on one of our posts, a mention thread, or one direct-message thread."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="conversations")
    channel = models.ForeignKey(Channel, on_delete=models.CASCADE, related_name="conversations")
    external_id = models.CharField(max_length=200)
    kind = models.CharField(max_length=16, choices=ItemKind.choices)
    # Our post the thread hangs off, when it does: the link back to the scheduler.
    post_external_id = models.CharField(max_length=200, blank=True)
    delivery = models.ForeignKey(Delivery, on_delete=models.SET_NULL, null=True, blank=True,
                                 related_name="conversations")
    title = models.CharField(max_length=200, blank=True)
    snippet = models.CharField(max_length=300, blank=True)  # the newest item's text, shortened
    # The other party of a direct-message thread (or who started a comment thread).
    author_id = models.CharField(max_length=200, blank=True)
    author_name = models.CharField(max_length=200, blank=True)
    author_handle = models.CharField(max_length=200, blank=True)
    author_avatar_url = models.CharField(max_length=1000, blank=True)
    item_count = models.PositiveIntegerField(default=0)
    last_item_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["channel", "external_id"], name="conversation_once_per_channel")
        ]
        indexes = [models.Index(fields=["workspace", "-last_item_at"], name="conversation_recent")]

    def __str__(self) -> str:
        return f"{self.kind} {self.external_id}"


class InboxItem(models.Model):
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="inbox_items")
    channel = models.ForeignKey(Channel, on_delete=models.CASCADE, related_name="inbox_items")
    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="items")
    external_id = models.CharField(max_length=200)
    kind = models.CharField(max_length=16, choices=ItemKind.choices)
    author_id = models.CharField(max_length=200, blank=True)
    author_name = models.CharField(max_length=200, blank=True)
    author_handle = models.CharField(max_length=200, blank=True)
    # Only http(s) URLs are kept (a platform could hand us javascript:); still escaped when shown.
    author_avatar_url = models.CharField(max_length=1000, blank=True)
    author_url = models.CharField(max_length=1000, blank=True)
    permalink = models.CharField(max_length=1000, blank=True)
    text = models.TextField(blank=True)
    in_reply_to = models.CharField(max_length=200, blank=True)
    hidden = models.BooleanField(default=False)
    from_us = models.BooleanField(default=False)  # written by the channel's own account
    # The entry as the adapter reported it (bounded by inbox.services.RAW_MAX_BYTES), for support.
    raw = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField()
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["channel", "external_id"], name="inbox_item_once_per_channel")]
        indexes = [models.Index(fields=["conversation", "created_at"], name="inbox_item_thread")]
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.kind} from {self.author_handle}"


class SyncState(models.Model):
    """Per-channel inbox sync health: where polling got to and how the last runs went."""

    channel = models.OneToOneField(Channel, on_delete=models.CASCADE, related_name="inbox_sync")
    cursor = models.TextField(blank=True)  # the adapter's own opaque string
    last_synced_at = models.DateTimeField(null=True, blank=True)  # last attempt (claimed by sync_due)
    last_success_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    items_last_sync = models.PositiveIntegerField(default=0)
    consecutive_failures = models.PositiveIntegerField(default=0)
    # When sync_due may enqueue the next run: the interval after a claim or success, sooner after a
    # transient failure, the platform's reset time after a 429. Doubles as the claim, so a second
    # beat tick does not enqueue the channel again.
    next_sync_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["next_sync_at"], name="inbox_sync_due")]

    def __str__(self) -> str:
        return f"inbox sync of channel {self.channel_id}"


class ProcessedEvent(models.Model):
    """That a stored webhook event went through the inbox (platforms.models is not ours to extend)."""

    event = models.OneToOneField(WebhookEvent, on_delete=models.CASCADE, related_name="inbox_processing")
    processed_at = models.DateTimeField()
    items = models.PositiveIntegerField(default=0)  # inbox items newly stored from it
    error = models.TextField(blank=True)

    def __str__(self) -> str:
        return f"processed webhook event {self.event_id}"
