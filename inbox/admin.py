"""Admin for operators: look at what came back and at each channel's sync health. Read-only on the
stored text: it is a stranger's words, and editing it here would misrepresent them."""

from __future__ import annotations

from django.contrib import admin

from inbox.models import Conversation, InboxItem, ProcessedEvent, SyncState


@admin.register(Conversation)
class ConversationAdmin(admin.ModelAdmin):
    list_display = ("external_id", "kind", "channel", "author_handle", "item_count", "last_item_at", "delivery")
    list_filter = ("kind", "channel__platform")
    search_fields = ("external_id", "author_handle", "post_external_id")
    raw_id_fields = ("workspace", "channel", "delivery")
    readonly_fields = ("snippet", "item_count", "last_item_at", "created_at")


@admin.register(InboxItem)
class InboxItemAdmin(admin.ModelAdmin):
    list_display = ("external_id", "kind", "channel", "author_handle", "created_at", "hidden", "from_us")
    list_filter = ("kind", "hidden", "from_us", "channel__platform")
    search_fields = ("external_id", "author_handle")
    raw_id_fields = ("workspace", "channel", "conversation")
    readonly_fields = ("text", "raw", "author_avatar_url", "author_url", "permalink", "received_at")


@admin.register(SyncState)
class SyncStateAdmin(admin.ModelAdmin):
    list_display = ("channel", "last_success_at", "last_synced_at", "consecutive_failures", "next_sync_at",
                    "last_error")
    list_filter = ("channel__platform",)
    raw_id_fields = ("channel",)


@admin.register(ProcessedEvent)
class ProcessedEventAdmin(admin.ModelAdmin):
    list_display = ("event", "processed_at", "items", "error")
    raw_id_fields = ("event",)
