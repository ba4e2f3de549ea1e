"""Inbox storage: what comes back from channels, and the health of fetching it. Screens come later.

Everything in these rows except ids and flags was written by strangers on a platform: it is kept as
plain text (cleaned of what the database cannot hold) and escaped wherever it is shown.
"""

from __future__ import annotations

from django.conf import settings
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


class Sentiment(models.TextChoices):
    """VADER's reading of an item's text (English lexicon: German or other text mostly reads neutral)."""

    POSITIVE = "positive", _("Positive")
    NEUTRAL = "neutral", _("Neutral")
    NEGATIVE = "negative", _("Negative")


class ConversationStatus(models.TextChoices):
    OPEN = "open", _("Open")
    DONE = "done", _("Done")
    SNOOZED = "snoozed", _("Snoozed")


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
    # Triage (inbox.triage): a snoozed thread whose snoozed_until has passed counts as open (selectors).
    status = models.CharField(max_length=8, choices=ConversationStatus.choices, default=ConversationStatus.OPEN)
    snoozed_until = models.DateTimeField(null=True, blank=True)
    assignee = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                 related_name="assigned_conversations")
    tags = models.ManyToManyField("inbox.Tag", blank=True, related_name="conversations")
    created_at = models.DateTimeField(default=timezone.now)
    # Sentiment of the newest item someone else wrote; "needs attention" is set by inbox.attention at
    # ingest (negative on a recent post of ours, or a strongly negative DM) and cleared by people.
    sentiment_label = models.CharField(max_length=8, choices=Sentiment.choices, blank=True)
    needs_attention = models.BooleanField(default=False, db_index=True)
    attention_reason = models.CharField(max_length=300, blank=True)
    attention_at = models.DateTimeField(null=True, blank=True)
    # Claimed (compare-and-set) by the alert task: at most one alert per conversation per hour.
    attention_alerted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["channel", "external_id"], name="conversation_once_per_channel")
        ]
        indexes = [models.Index(fields=["workspace", "-last_item_at"], name="conversation_recent"),
                   # The inbox list: one status tab, or one assignee, newest first.
                   models.Index(fields=["workspace", "status", "-last_item_at"], name="conversation_status"),
                   models.Index(fields=["workspace", "assignee", "-last_item_at"], name="conversation_assignee")]

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
    sentiment = models.FloatField(null=True, blank=True)  # VADER compound, -1..1; None: not scored
    sentiment_label = models.CharField(max_length=8, choices=Sentiment.choices, blank=True)

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


class ReplyState(models.TextChoices):
    QUEUED = "queued", _("Queued")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    RETRY_WAIT = "retry_wait", _("Waiting to retry")
    FAILED = "failed", _("Failed")
    UNKNOWN = "unknown", _("Checking")
    NEEDS_CHECK = "needs_check", _("Needs checking")
    NEEDS_RECONNECT = "needs_reconnect", _("Needs reconnect")


class Reply(models.Model):
    """One answer we send: a public reply to an item, or a direct message into the thread.

    Sent like a Delivery (inbox/reply_engine.py): a token compare-and-set guards every state change and
    a lost send goes to `unknown` and the reconciler, never back to the queue.
    """

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="replies")
    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="replies")
    channel = models.ForeignKey(Channel, on_delete=models.CASCADE, related_name="replies")
    # What is answered; direct-message threads may answer the conversation itself.
    in_reply_to = models.ForeignKey(InboxItem, on_delete=models.SET_NULL, null=True, blank=True,
                                    related_name="answers")
    text = models.TextField()
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                               related_name="inbox_replies")
    state = models.CharField(max_length=20, choices=ReplyState.choices, default=ReplyState.QUEUED)
    attempt_token = models.UUIDField(null=True, blank=True)
    lease_expires_at = models.DateTimeField(null=True, blank=True)
    attempt_count = models.PositiveIntegerField(default=0)
    # When the sweep may queue it again (retry_wait), or check it again with the platform (unknown).
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    first_sent_at = models.DateTimeField(null=True, blank=True)  # first queued -> sending; reconciling looks after it
    external_id = models.CharField(max_length=200, blank=True)
    permalink = models.CharField(max_length=1000, blank=True)
    # Our answer as an item of the thread, once it is known to exist.
    sent_item = models.ForeignKey(InboxItem, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    error_code = models.CharField(max_length=64, blank=True)
    error_message = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "pk"]
        indexes = [
            models.Index(fields=["conversation", "created_at"], name="reply_thread"),
            models.Index(fields=["state", "lease_expires_at"], name="reply_lease"),
            models.Index(fields=["state", "next_attempt_at"], name="reply_due"),
        ]

    def __str__(self) -> str:
        return f"reply {self.pk} ({self.state})"


class ReplyAttempt(models.Model):
    """One try of a reply: every send and every reconciliation leaves a row (outcomes are data)."""

    reply = models.ForeignKey(Reply, on_delete=models.CASCADE, related_name="attempts")
    token = models.UUIDField(db_index=True)
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=20, blank=True)  # "" while in flight, else the state it led to
    error_class = models.CharField(max_length=64, blank=True)
    error_message = models.TextField(blank=True)
    duration_ms = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["started_at", "pk"]

    def __str__(self) -> str:
        return f"reply attempt {self.token} ({self.outcome or 'in progress'})"


class AttentionAlert(models.Model):
    """The in-app notice that a conversation needs attention (platforms.Notice is tied to a delivery).

    One row per alert sent; the conversation's attention_alerted_at decides whether one is sent at all.
    """

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="attention_alerts")
    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="attention_alerts")
    reason = models.CharField(max_length=300)  # our own words, never the stranger's text
    created_at = models.DateTimeField(default=timezone.now)
    emailed_to = models.PositiveIntegerField(default=0)  # recipients of the e-mail (0: none sent)
    dismissed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["workspace", "-created_at"], condition=models.Q(dismissed_at__isnull=True),
                                name="attention_alert_open")]
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"attention alert for conversation {self.conversation_id}"


# -- triage (inbox.triage writes these, inbox.selectors reads them) -------------------------------------

class Tag(models.Model):
    """A workspace's label for conversations ("billing", "urgent"); made on first use."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="inbox_tags")
    name = models.CharField(max_length=50)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["workspace", "name"], name="inbox_tag_once_per_workspace")]
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class ConversationRead(models.Model):
    """When a person last looked at a thread: it is unread for them while last_item_at is newer (or no row)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="inbox_reads")
    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="reads")
    read_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["conversation", "user"], name="conversation_read_once")]

    def __str__(self) -> str:
        return f"{self.user_id} read {self.conversation_id} at {self.read_at}"


class Note(models.Model):
    """An internal note on a thread, for colleagues only: never sent to the platform."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="inbox_notes")
    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="notes")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                               related_name="inbox_notes")
    text = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["conversation", "created_at"], name="inbox_note_thread")]

    def __str__(self) -> str:
        return f"note {self.pk} on {self.conversation_id}"


class SavedReply(models.Model):
    """A canned answer; {author_name}, {author_handle}, {channel_name} and {my_name} are filled in when used."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="saved_replies")
    title = models.CharField(max_length=100)
    body = models.TextField()
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["workspace", "title"], name="saved_reply_title_once")]
        ordering = ["title", "pk"]

    def __str__(self) -> str:
        return self.title
