"""Read-only admin for operators: decisions go through the services (and the audit log), never the admin."""

from __future__ import annotations

from typing import Any

from django.contrib import admin

from approvals.models import ApprovalRequest, ReviewerLink


class ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request: Any) -> bool:
        return False

    def has_change_permission(self, request: Any, obj: Any = None) -> bool:
        return False


@admin.register(ApprovalRequest)
class ApprovalRequestAdmin(ReadOnly):
    list_display = ("pk", "workspace", "post", "state", "requested_by", "requested_at", "reviewer_label", "decided_at")
    list_filter = ("state",)
    list_select_related = ("workspace", "post", "requested_by")


@admin.register(ReviewerLink)
class ReviewerLinkAdmin(ReadOnly):
    list_display = ("pk", "request", "name", "email", "created_at", "expires_at", "used_at")
    exclude = ("token_hash",)
