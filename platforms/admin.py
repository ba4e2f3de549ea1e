"""Channel and webhook event admin. Credentials are never shown: the field is excluded and not searchable."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from platforms.models import Channel, Notice, WebhookEvent


@admin.register(Channel)
class ChannelAdmin(admin.ModelAdmin):
    list_display = ("display_name", "platform", "handle", "workspace", "health", "token_expires_at", "paused_until")
    list_filter = ("platform", "health")
    search_fields = ("display_name", "handle", "external_id", "workspace__name")
    list_select_related = ("workspace",)
    exclude = ("credentials",)
    # What the platform told us is shown, not edited: a wrong id or avatar URL would only break things.
    readonly_fields = ("platform", "external_id", "avatar_url", "token_expires_at", "scopes", "last_published_at",
                       "created_at", "updated_at")


@admin.register(WebhookEvent)
class WebhookEventAdmin(admin.ModelAdmin):
    """Read-only: an event is what a platform sent; editing it would only falsify the record."""

    list_display = ("platform", "account_id", "channel", "received_at", "processed_at")
    list_filter = ("platform", ("processed_at", admin.EmptyFieldListFilter))
    search_fields = ("event_id", "account_id")
    list_select_related = ("channel",)
    readonly_fields = ("platform", "event_id", "account_id", "channel", "payload", "received_at", "processed_at")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: WebhookEvent | None = None) -> bool:
        return False


@admin.register(Notice)
class NoticeAdmin(admin.ModelAdmin):
    """Read-only: notices are written by the due-soon job and dismissed from the app."""

    list_display = ("workspace", "channel", "kind", "created_at", "emailed_at", "dismissed_at")
    list_filter = ("kind", ("dismissed_at", admin.EmptyFieldListFilter))
    list_select_related = ("workspace", "channel")
    readonly_fields = ("workspace", "channel", "delivery", "kind", "message", "created_at", "emailed_at",
                       "dismissed_at")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Notice | None = None) -> bool:
        return False
