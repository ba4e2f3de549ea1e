"""Admin for operators: deliveries with their attempts, posts with variants, campaigns, attempts.

Engine fields are read-only here: moving a delivery between states by hand would bypass the
compare-and-set rules that prevent double posting. Use the services (retry, cancel) instead.
"""

from __future__ import annotations

from django.contrib import admin
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from scheduler.models import Attempt, Campaign, Delivery, Post, Variant
from scheduler.selectors import ATTENTION_STATES, stuck_filter

ENGINE_FIELDS = (
    "state", "due_at", "scheduled_for", "lease_expires_at", "attempt_token", "attempt_count", "queued_at",
    "sending_at", "published_at", "payload", "fingerprint", "external_id", "permalink", "error_code",
    "error_message", "created_at", "updated_at",
)


# Typed-in links without a scheme are https (Django 6's default, without the deprecation warning).
URL_FIELDS = {models.URLField: {"assume_scheme": "https"}}


class NeedsAttentionFilter(admin.SimpleListFilter):
    title = _("needs attention")
    parameter_name = "attention"

    def lookups(self, request, model_admin):
        return [("yes", _("Needs attention")), ("stuck", _("Stuck in the engine"))]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(state__in=ATTENTION_STATES) | queryset.filter(stuck_filter(timezone.now()))
        if self.value() == "stuck":
            return queryset.filter(stuck_filter(timezone.now()))
        return queryset


class AttemptInline(admin.TabularInline):
    model = Attempt
    extra = 0
    can_delete = False
    fields = ("started_at", "finished_at", "outcome", "error_class", "error_message", "duration_ms", "token")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    formfield_overrides = URL_FIELDS
    list_display = ("id", "workspace", "channel", "state", "due_at", "attempt_count", "error_code", "updated_at")
    list_filter = ("state", "channel__platform", NeedsAttentionFilter, "workspace")
    list_select_related = ("workspace", "channel")
    search_fields = ("external_id", "error_message", "post__text")
    raw_id_fields = ("post", "channel", "workspace")
    readonly_fields = ENGINE_FIELDS
    date_hierarchy = "due_at"
    inlines = [AttemptInline]


class VariantInline(admin.StackedInline):
    model = Variant
    formfield_overrides = URL_FIELDS
    extra = 0
    raw_id_fields = ("channel",)


@admin.register(Post)
class PostAdmin(admin.ModelAdmin):
    formfield_overrides = URL_FIELDS
    list_display = ("id", "workspace", "__str__", "campaign", "created_at")
    list_filter = ("workspace",)
    list_select_related = ("workspace", "campaign")
    search_fields = ("text",)
    raw_id_fields = ("campaign", "created_by")
    inlines = [VariantInline]


@admin.register(Campaign)
class CampaignAdmin(admin.ModelAdmin):
    list_display = ("name", "workspace", "starts_on", "ends_on")
    list_filter = ("workspace",)
    search_fields = ("name",)


@admin.register(Attempt)
class AttemptAdmin(admin.ModelAdmin):
    list_display = ("token", "delivery", "outcome", "started_at", "duration_ms", "error_class")
    list_filter = ("outcome",)
    list_select_related = ("delivery",)
    raw_id_fields = ("delivery",)
    readonly_fields = ("delivery", "token", "started_at", "finished_at", "outcome", "error_class", "error_message",
                       "duration_ms")
