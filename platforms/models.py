from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from platforms.fields import EncryptedJSONField
from workspaces.models import Workspace


class Health(models.TextChoices):
    OK = "ok", _("OK")
    NEEDS_RECONNECT = "needs_reconnect", _("Needs reconnect")
    ERROR = "error", _("Error")


class Channel(models.Model):
    """One connected platform account, page or profile."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="channels")
    platform = models.CharField(_("platform"), max_length=24)
    external_id = models.CharField(_("account id"), max_length=128)
    display_name = models.CharField(_("name"), max_length=200)
    handle = models.CharField(_("handle"), max_length=200, blank=True)
    avatar_url = models.URLField(_("avatar URL"), max_length=1000, blank=True)
    credentials = EncryptedJSONField(_("credentials"))
    token_expires_at = models.DateTimeField(_("token expires at"), null=True, blank=True)
    scopes = models.JSONField(_("granted scopes"), default=list, blank=True)
    health = models.CharField(_("health"), max_length=20, choices=Health.choices, default=Health.OK)
    last_error = models.TextField(_("last error"), blank=True)
    # The platform's or SMO's code for last_error ("190", "invalid_grant", "disconnected"): picks the advice shown.
    last_error_code = models.CharField(_("last error code"), max_length=64, blank=True)
    # Set by a 429 or quota: the dispatcher skips this channel's deliveries until then.
    paused_until = models.DateTimeField(_("paused until"), null=True, blank=True)
    last_published_at = models.DateTimeField(null=True, blank=True)
    # Non-secret facts the platform told us at connect or refresh that the composer needs: Pinterest
    # boards, TikTok creator info (privacy choices, maximum video length). Never credentials.
    platform_info = models.JSONField(_("platform details"), default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["workspace", "platform", "external_id"], name="channel_once_per_workspace"
            )
        ]
        ordering = ["platform", "display_name"]

    def __str__(self) -> str:
        return f"{self.display_name} ({self.platform})"


class WebhookEvent(models.Model):
    """One signed event a platform pushed to us, kept for the inbox worker to process later.

    `event_id` is derived by `platforms.webhook_events` (a hash of the event's JSON), so a platform
    re-delivering the same event finds the existing row instead of storing a second one. Nothing
    secret is kept: no signature headers, no tokens.
    """

    platform = models.CharField(_("platform"), max_length=24)
    event_id = models.CharField(_("event id"), max_length=100)
    # The page id, Instagram account id or X for_user_id the event was addressed to.
    account_id = models.CharField(_("account id"), max_length=128, blank=True)
    # Null when no channel, or channels of several workspaces, have this account: the inbox worker
    # then routes by `account_id` itself rather than guessing a workspace here.
    channel = models.ForeignKey(Channel, on_delete=models.SET_NULL, null=True, blank=True,
                                related_name="webhook_events")
    # The whole signed delivery exactly as received, so the signature can be checked again later;
    # the entries of one Meta batch share it.
    raw_body = models.BinaryField(_("raw body"))
    payload = models.JSONField(_("payload"))
    received_at = models.DateTimeField(_("received at"), default=timezone.now)
    processed_at = models.DateTimeField(_("processed at"), null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["platform", "event_id"], name="webhook_event_once")]
        indexes = [
            models.Index(fields=["received_at"], condition=models.Q(processed_at__isnull=True),
                         name="webhook_event_unprocessed"),
        ]
        ordering = ["received_at", "pk"]

    def __str__(self) -> str:
        return f"{self.platform} webhook {self.event_id[:19]}"


class NoticeKind(models.TextChoices):
    NEEDS_RECONNECT = "needs_reconnect", _("Channel needs reconnecting")
    PAUSED = "paused", _("Channel paused by the platform")
    TOKEN_EXPIRED = "token_expired", _("Login expired")


class Notice(models.Model):
    """An in-app warning that a scheduled post is at risk because its channel is unhealthy.

    One row per (delivery, kind): the unique constraint is what makes the due-soon job send each
    warning once however often, and however concurrently, it runs.
    """

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="notices")
    channel = models.ForeignKey(Channel, on_delete=models.CASCADE, related_name="notices")
    delivery = models.ForeignKey("scheduler.Delivery", on_delete=models.CASCADE, related_name="notices")
    kind = models.CharField(_("kind"), max_length=24, choices=NoticeKind.choices)
    message = models.TextField(_("message"))
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    dismissed_at = models.DateTimeField(_("dismissed at"), null=True, blank=True)
    # Set when the admins' email is claimed for sending; reset if sending failed, so the next run retries.
    emailed_at = models.DateTimeField(_("emailed at"), null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["delivery", "kind"], name="notice_once_per_delivery_kind")]
        indexes = [
            models.Index(fields=["workspace", "created_at"], condition=models.Q(dismissed_at__isnull=True),
                         name="notice_open_per_workspace"),
        ]
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.kind} notice for delivery {self.delivery_id}"


class QuotaUsage(models.Model):
    """API units a platform account spent on one day of the platform's quota clock (YouTube: 10,000 a day,
    reset at midnight Pacific time). Written by adapters through platforms.quota, shown on the channel page."""

    platform = models.CharField(_("platform"), max_length=24)
    account_id = models.CharField(_("account id"), max_length=128)
    day = models.DateField(_("day"))
    units = models.PositiveIntegerField(_("units"), default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["platform", "account_id", "day"],
                                               name="quota_usage_once_per_day")]

    def __str__(self) -> str:
        return f"{self.platform} {self.account_id} {self.day}: {self.units}"


class MastodonApp(models.Model):
    """SMO's app registration on one Mastodon instance (POST /api/v1/apps), made the first time someone
    connects an account there and reused for every later account on the same instance."""

    instance_url = models.CharField(_("instance"), max_length=255, unique=True)
    client_id = models.CharField(_("client id"), max_length=255)
    secrets = EncryptedJSONField(_("client secret"))  # {"client_secret": ...}
    redirect_uri = models.CharField(_("redirect URI"), max_length=1000)
    scopes = models.CharField(_("scopes"), max_length=255)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"SMO app on {self.instance_url}"
