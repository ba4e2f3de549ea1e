"""Channel admin. Credentials are never shown: the field is excluded and not searchable."""

from __future__ import annotations

from django.contrib import admin

from platforms.models import Channel


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
