"""Approvals: a request is bound to the exact content it was made for (its hash and a snapshot of it).

An edit that changes what would be published voids the pending or approved request; the snapshot stays, so
the post page can show what changed since. Outside reviewers decide through a link whose token is stored
only as a SHA-256 hash.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from scheduler.models import Post
from workspaces.models import Workspace


class ApprovalState(models.TextChoices):
    PENDING = "pending", _("Waiting for approval")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    VOID = "void", _("Changed since the request")


class ApprovalRequest(models.Model):
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="approval_requests")
    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="approval_requests")
    # SHA-256 over what would be published (approvals.content.post_content_hash).
    content_hash = models.CharField(max_length=64)
    # The content as submitted: base fields, variants, channels and what each channel receives.
    snapshot = models.JSONField(default=dict)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                     related_name="+")
    requested_at = models.DateTimeField(_("requested at"), auto_now_add=True)
    state = models.CharField(_("state"), max_length=10, choices=ApprovalState.choices, default=ApprovalState.PENDING)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+")
    # Who decided, as shown: a member's user name or an outside reviewer's name and e-mail; kept after deletion.
    reviewer_label = models.CharField(_("decided by"), max_length=300, blank=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    comment = models.TextField(_("comment"), blank=True)
    voided_at = models.DateTimeField(_("voided at"), null=True, blank=True)
    void_reason = models.CharField(_("why it was voided"), max_length=500, blank=True)

    class Meta:
        ordering = ["-requested_at", "-pk"]
        indexes = [
            models.Index(fields=["post", "-requested_at"], name="approval_post_latest"),
            models.Index(fields=["workspace", "state"], name="approval_ws_state"),
        ]

    def __str__(self) -> str:
        return f"approval {self.pk} of post {self.post_id} ({self.state})"


class ReviewerLink(models.Model):
    """An expiring, single-use link for someone outside the workspace to approve or reject one request."""

    request = models.ForeignKey(ApprovalRequest, on_delete=models.CASCADE, related_name="reviewer_links")
    token_hash = models.CharField(max_length=64, unique=True)
    name = models.CharField(_("name"), max_length=150, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+")
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires at"))
    used_at = models.DateTimeField(_("used at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"reviewer link for {self.label} (request {self.request_id})"

    @property
    def label(self) -> str:
        if self.name and self.email:
            return f"{self.name} <{self.email}>"
        return self.name or self.email or str(_("outside reviewer"))
