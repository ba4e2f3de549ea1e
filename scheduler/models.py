from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from platforms.models import Channel
from workspaces.models import Workspace


class Campaign(models.Model):
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="campaigns")
    name = models.CharField(_("name"), max_length=200)
    goal = models.TextField(_("goal"), blank=True)
    starts_on = models.DateField(_("starts on"), null=True, blank=True)
    ends_on = models.DateField(_("ends on"), null=True, blank=True)
    utm_defaults = models.JSONField(_("UTM defaults"), default=dict, blank=True)
    labels = models.JSONField(_("labels"), default=list, blank=True)
    audiences = models.JSONField(_("target audiences"), default=list, blank=True)
    # Archived campaigns leave the lists and the composer's picker; their posts are untouched.
    archived_at = models.DateTimeField(_("archived at"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.name


class Post(models.Model):
    """The content: base text, link and media; variants override any of it per channel."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="posts")
    campaign = models.ForeignKey(Campaign, on_delete=models.SET_NULL, null=True, blank=True, related_name="posts")
    text = models.TextField(_("text"), blank=True)
    link = models.URLField(_("link"), max_length=2000, blank=True)
    media = models.JSONField(_("media"), default=list, blank=True)
    # Follow-up parts published as a reply chain where the platform supports threads.
    thread = models.JSONField(_("thread"), default=list, blank=True)
    # Posted as a comment under the new post where the platform supports it (Facebook, Instagram).
    first_comment = models.TextField(_("first comment"), blank=True)
    quote_of = models.CharField(_("quoted post id"), max_length=64, blank=True)
    poll_options = models.JSONField(_("poll options"), default=list, blank=True)
    poll_minutes = models.PositiveIntegerField(_("poll duration (minutes)"), default=0)
    # The key of one of the campaign's audiences this copy is tailored for; "" = everybody.
    audience = models.CharField(_("audience"), max_length=50, blank=True)
    # The post this one was copied from by "tailor for each audience", so a second run skips done audiences.
    tailored_from = models.ForeignKey("self", on_delete=models.SET_NULL, null=True, blank=True,
                                      related_name="tailored_copies")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return self.text[:60] or f"post {self.pk}"


class Variant(models.Model):
    """Per-channel overrides of a post; an empty (null) field inherits the post's value."""

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="variants")
    channel = models.ForeignKey(Channel, on_delete=models.CASCADE, related_name="variants")
    text = models.TextField(null=True, blank=True)
    link = models.URLField(max_length=2000, null=True, blank=True)
    media = models.JSONField(null=True, blank=True)
    thread = models.JSONField(null=True, blank=True)
    first_comment = models.TextField(null=True, blank=True)
    # The channel's platform-specific choices (a YouTube title, a Pinterest board, a Mastodon content
    # warning): platforms.options.OptionField names -> values, checked by the adapter's validate().
    options = models.JSONField(default=dict, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["post", "channel"], name="variant_once_per_channel")]

    def __str__(self) -> str:
        return f"variant of post {self.post_id} for channel {self.channel_id}"


class DeliveryState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SCHEDULED = "scheduled", _("Scheduled")
    QUEUED = "queued", _("Queued")
    SENDING = "sending", _("Sending")
    PUBLISHED = "published", _("Published")
    RETRY_WAIT = "retry_wait", _("Waiting to retry")
    FAILED = "failed", _("Failed")
    NEEDS_RECONNECT = "needs_reconnect", _("Needs reconnect")
    UNKNOWN = "unknown", _("Checking")
    NEEDS_CHECK = "needs_check", _("Needs check")
    CANCELLED = "cancelled", _("Cancelled")


class Delivery(models.Model):
    """One post to one channel: the unit of publishing."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="deliveries")
    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="deliveries")
    channel = models.ForeignKey(Channel, on_delete=models.CASCADE, related_name="deliveries")
    state = models.CharField(max_length=20, choices=DeliveryState.choices, default=DeliveryState.DRAFT)
    due_at = models.DateTimeField(null=True, blank=True)
    # The original time the user asked for; due_at moves with retries and pauses.
    scheduled_for = models.DateTimeField(null=True, blank=True)
    lease_expires_at = models.DateTimeField(null=True, blank=True)
    attempt_token = models.UUIDField(null=True, blank=True)
    attempt_count = models.PositiveIntegerField(default=0)
    queued_at = models.DateTimeField(null=True, blank=True)
    sending_at = models.DateTimeField(null=True, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    # What was (or is being) sent, frozen when sending starts, so reconciliation compares like with like.
    payload = models.JSONField(default=dict, blank=True)
    fingerprint = models.CharField(max_length=64, blank=True)
    # Platform-side work already done for a send that waits on media processing (uploaded media ids,
    # containers); handed back to the adapter so nothing is uploaded twice. Cleared when published.
    progress = models.JSONField(default=dict, blank=True)
    processing_since = models.DateTimeField(null=True, blank=True)
    external_id = models.CharField(max_length=128, blank=True)
    permalink = models.URLField(max_length=1000, blank=True)
    error_code = models.CharField(max_length=64, blank=True)
    error_message = models.TextField(blank=True)
    # The slot the channel's posting queue gave this delivery (scheduler.queues). It is in the queue while
    # due_at still equals it, or is empty while the queue is paused; any other writer that moves due_at
    # (the calendar, scheduling at a time, a retry) thereby takes it out of the queue.
    queue_slot_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["post", "channel"], name="delivery_once_per_channel")]
        indexes = [
            models.Index(fields=["state", "due_at"], name="delivery_state_due"),
            models.Index(fields=["state", "lease_expires_at"], name="delivery_state_lease"),
            models.Index(fields=["channel", "state"], name="delivery_channel_state"),
        ]

    def __str__(self) -> str:
        return f"delivery {self.pk} ({self.state})"


class PostingQueue(models.Model):
    """A channel's posting queue: weekly slots in a time zone; "add to queue" takes the next free slot."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="posting_queues")
    channel = models.OneToOneField(Channel, on_delete=models.CASCADE, related_name="posting_queue")
    # Empty: the workspace's zone, so a workspace moving zones takes its queues along.
    time_zone = models.CharField(_("time zone"), max_length=64, blank=True)
    # Paused: its posts are held (scheduled without a due time) until it resumes.
    paused = models.BooleanField(_("paused"), default=False)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"queue of {self.channel}"


class Weekday(models.IntegerChoices):
    """0 = Monday, as date.weekday() counts."""

    MONDAY = 0, _("Monday")
    TUESDAY = 1, _("Tuesday")
    WEDNESDAY = 2, _("Wednesday")
    THURSDAY = 3, _("Thursday")
    FRIDAY = 4, _("Friday")
    SATURDAY = 5, _("Saturday")
    SUNDAY = 6, _("Sunday")


class QueueSlot(models.Model):
    """One weekly slot: a weekday and a wall-clock time in the queue's zone."""

    queue = models.ForeignKey(PostingQueue, on_delete=models.CASCADE, related_name="slots")
    weekday = models.PositiveSmallIntegerField(_("weekday"), choices=Weekday.choices)
    time = models.TimeField(_("time"))

    class Meta:
        ordering = ["weekday", "time"]
        constraints = [
            models.UniqueConstraint(fields=["queue", "weekday", "time"], name="queue_slot_once"),
            models.CheckConstraint(condition=models.Q(weekday__lte=6), name="queue_slot_weekday"),
        ]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.time:%H:%M}"


class AttemptOutcome(models.TextChoices):
    IN_PROGRESS = "in_progress", _("In progress")
    PUBLISHED = "published", _("Published")
    RETRY = "retry", _("Will retry")
    FAILED = "failed", _("Failed")
    NEEDS_RECONNECT = "needs_reconnect", _("Needs reconnect")
    UNKNOWN = "unknown", _("Outcome unknown")
    RECONCILED = "reconciled", _("Found on the platform")
    ABANDONED = "abandoned", _("Worker lost")
    WAITING = "waiting", _("Media processing")


class Attempt(models.Model):
    """One try of a delivery: every send and every reconciliation leaves a row."""

    delivery = models.ForeignKey(Delivery, on_delete=models.CASCADE, related_name="attempts")
    # Outcomes and lease expiry find the attempt by its token on every publish.
    token = models.UUIDField(db_index=True)
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=20, choices=AttemptOutcome.choices, default=AttemptOutcome.IN_PROGRESS)
    error_class = models.CharField(max_length=64, blank=True)
    error_message = models.TextField(blank=True)
    duration_ms = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["started_at"]

    def __str__(self) -> str:
        return f"attempt {self.token} ({self.outcome})"
