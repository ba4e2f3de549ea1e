"""Writes on approvals: request, decide (members and outside reviewers), reviewer links, and the edit hook.

Who may do what (checked here, so the pages and the API agree):
* admins and marketers request approval;
* admins and approvers decide and invite outside reviewers. Inviting is kept from marketers on purpose: a
  link approves, so whoever could mint one could approve their own post;
* nobody decides a request they made, except admins: an admin can switch the requirement off anyway, so
  refusing them would only add a detour.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from approvals.content import channel_ids, content_snapshot, snapshot_hash
from approvals.gate import approval_is_valid, current_hash
from approvals.models import ApprovalRequest, ApprovalState, ReviewerLink
from scheduler.models import Delivery, DeliveryState, Post
from workspaces.audit import audit_record
from workspaces.models import Member, Role

REQUESTER_ROLES = (Role.ADMIN, Role.MARKETER)
APPROVER_ROLES = (Role.ADMIN, Role.APPROVER)
OPEN_STATES = (ApprovalState.PENDING, ApprovalState.APPROVED)
# Taken off the schedule when an edit leaves a post without approval in a workspace that requires it.
HOLD_STATES = (DeliveryState.SCHEDULED, DeliveryState.QUEUED, DeliveryState.RETRY_WAIT, DeliveryState.NEEDS_RECONNECT)
MIN_LINK_VALIDITY = timedelta(hours=1)
MAX_LINK_VALIDITY = timedelta(days=30)
COMMENT_MAX = 5000
LINK_DAYS = (1, 3, 7, 14, 30)  # what the invite form offers


class ReviewLinkClosed(Exception):
    """The reviewer link cannot be used: `reason` is unknown, expired, used or closed (decided or voided)."""

    def __init__(self, reason: str, link: ReviewerLink | None = None) -> None:
        super().__init__(reason)
        self.reason, self.link = reason, link


def hash_token(token: str) -> str:
    # 256 random bits: a plain SHA-256 is enough (nothing to brute-force), and lookup stays one indexed query.
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def _role(post_or_request: Any, user: Any) -> str | None:
    return (Member.objects.filter(workspace_id=post_or_request.workspace_id, user_id=getattr(user, "pk", None))
            .values_list("role", flat=True).first())


def _require_role(obj: Any, user: Any, roles: tuple[str, ...], message: str) -> str:
    role = _role(obj, user)
    if role not in roles:
        raise PermissionDenied(message)
    return role


def _void(request: ApprovalRequest, reason: str, now: Any) -> None:
    request.state, request.voided_at, request.void_reason = ApprovalState.VOID, now, reason[:500]
    request.save(update_fields=["state", "voided_at", "void_reason"])


def _audit_voided(request: ApprovalRequest, actor: Any, held: int = 0) -> None:
    audit_record(workspace=request.workspace_id, actor=actor, action="approval.voided", target=request.post,
                 details={"request": request.pk, "reason": request.void_reason, "held_deliveries": held})


# -- request ---------------------------------------------------------------------------------------


def approval_request(post: Post, actor: Any, *, channels: list[Any] | None = None) -> ApprovalRequest:
    """Ask for approval of the post's current content on `channels` (default: the channels it is meant for)."""
    _require_role(post, actor, REQUESTER_ROLES, _("Only admins and marketers can ask for approval."))
    now = timezone.now()
    with transaction.atomic():
        Post.objects.select_for_update().filter(pk=post.pk).first()  # one request at a time per post
        snapshot = content_snapshot(post, channels)
        if not snapshot["channels"]:
            raise ValidationError(_("Pick the channels this post is for before asking for approval."),
                                  code="no_channels")
        digest = snapshot_hash(snapshot)
        open_requests = list(ApprovalRequest.objects.select_for_update().filter(post=post, state__in=OPEN_STATES))
        for existing in open_requests:
            if existing.content_hash == digest:
                code = "already_approved" if existing.state == ApprovalState.APPROVED else "already_requested"
                raise ValidationError(
                    _("This exact content is already approved.") if code == "already_approved"
                    else _("Approval for this exact content was already requested; it is waiting for an approver."),
                    code=code)
        for existing in open_requests:
            _void(existing, _("A new approval was requested for changed content."), now)
        created = ApprovalRequest.objects.create(workspace_id=post.workspace_id, post=post, content_hash=digest,
                                                 snapshot=snapshot, requested_by=actor)
    for existing in open_requests:
        _audit_voided(existing, actor)
    audit_record(workspace=post.workspace_id, actor=actor, action="approval.requested", target=post,
                 details={"request": created.pk, "channels": channel_ids(snapshot)})
    return created


# -- decisions -------------------------------------------------------------------------------------


def _closed_message(request: ApprovalRequest) -> str:
    if request.state == ApprovalState.VOID:
        return _("The post changed after approval was requested, so this request no longer counts. Ask again.")
    return _("This request was already decided (%(state)s).") % {"state": request.get_state_display().lower()}


def _decide(request: ApprovalRequest, approve: bool, comment: str, user: Any, label: str,
            link: ReviewerLink | None) -> bool:
    """Inside a transaction, on a locked pending request: record the decision, or void it when the post
    changed meanwhile. Returns False when it was voided."""
    now = timezone.now()
    if current_hash(request.post, channel_ids(request.snapshot)) != request.content_hash:
        _void(request, _("The post changed after approval was requested."), now)
        return False
    request.state = ApprovalState.APPROVED if approve else ApprovalState.REJECTED
    request.decided_by, request.reviewer_label, request.decided_at = user, label[:300], now
    request.comment = (comment or "").strip()[:COMMENT_MAX]
    request.save(update_fields=["state", "decided_by", "reviewer_label", "decided_at", "comment"])
    if link is not None:
        ReviewerLink.objects.filter(pk=link.pk).update(used_at=now)
    return True


def _audit_decision(request: ApprovalRequest, actor: Any, actor_label: str = "") -> None:
    action = "approval.approved" if request.state == ApprovalState.APPROVED else "approval.rejected"
    audit_record(workspace=request.workspace_id, actor=actor, action=action, target=request.post,
                 actor_label=actor_label, details={"request": request.pk, "comment": request.comment[:500]})


def approval_decide(request: ApprovalRequest, approver: Any, approve: bool, comment: str = "") -> ApprovalRequest:
    """A member approves or rejects a pending request. Refused (ValidationError) once it is closed or when
    the post changed since it was requested (the request is voided then)."""
    role = _require_role(request, approver, APPROVER_ROLES, _("Only approvers and admins can approve or reject."))
    if request.requested_by_id == approver.pk and role != Role.ADMIN:
        raise PermissionDenied(_("You asked for this approval yourself; another approver has to decide."))
    with transaction.atomic():
        locked = ApprovalRequest.objects.select_for_update().select_related("post").get(pk=request.pk)
        if locked.state != ApprovalState.PENDING:
            raise ValidationError(_closed_message(locked), code="closed")
        decided = _decide(locked, approve, comment, approver, approver.get_username(), None)
    if not decided:
        _audit_voided(locked, approver)
        raise ValidationError(_closed_message(locked), code="stale")
    _audit_decision(locked, approver)
    return locked


# -- outside reviewers -----------------------------------------------------------------------------


def reviewer_link_create(request: ApprovalRequest, actor: Any, *, name: str = "", email: str = "",
                         valid_for: timedelta = timedelta(days=7)) -> tuple[ReviewerLink, str]:
    """A link for an outside reviewer; returns (link, raw token). Only the token's hash is stored."""
    _require_role(request, actor, APPROVER_ROLES, _("Only approvers and admins can invite outside reviewers."))
    name, email = (name or "").strip()[:150], (email or "").strip()[:254]
    problems = []
    if not (name or email):
        problems.append(_("Give the reviewer's name or e-mail address, so you can tell who decided."))
    if email and "@" not in email:
        problems.append(_("The e-mail address is not valid."))
    if not MIN_LINK_VALIDITY <= valid_for <= MAX_LINK_VALIDITY:
        problems.append(_("A link can be valid for one hour up to 30 days."))
    if request.state != ApprovalState.PENDING:
        problems.append(_("Only a request that waits for approval can be sent to a reviewer."))
    if problems:
        raise ValidationError(problems, code="invalid_link")
    token = secrets.token_urlsafe(32)
    link = ReviewerLink.objects.create(request=request, token_hash=hash_token(token), name=name, email=email,
                                       created_by=actor, expires_at=timezone.now() + valid_for)
    audit_record(workspace=request.workspace_id, actor=actor, action="reviewer_link.created", target=request.post,
                 details={"request": request.pk, "link": link.pk, "reviewer": link.label,
                          "expires_at": link.expires_at.isoformat()})
    return link, token


def reviewer_link_revoke(link: ReviewerLink, actor: Any) -> ReviewerLink:
    _require_role(link.request, actor, APPROVER_ROLES, _("Only approvers and admins can revoke reviewer links."))
    now = timezone.now()
    if link.used_at is None and link.expires_at > now:
        ReviewerLink.objects.filter(pk=link.pk).update(expires_at=now)
        link.expires_at = now
        audit_record(workspace=link.request.workspace_id, actor=actor, action="reviewer_link.revoked",
                     target=link.request.post, details={"request": link.request_id, "link": link.pk})
    return link


def reviewer_link_open(token: str) -> ReviewerLink:
    """The usable link for a raw token, or ReviewLinkClosed saying why not."""
    if not token or len(token) > 200:
        raise ReviewLinkClosed("unknown")
    link = (ReviewerLink.objects.select_related("request", "request__post", "request__workspace")
            .filter(token_hash=hash_token(token)).first())
    if link is None:
        raise ReviewLinkClosed("unknown")
    if link.used_at is not None:
        raise ReviewLinkClosed("used", link)
    if link.expires_at <= timezone.now():
        raise ReviewLinkClosed("expired", link)
    if link.request.state != ApprovalState.PENDING:
        raise ReviewLinkClosed("closed", link)
    return link


def reviewer_decide(token: str, approve: bool, comment: str = "") -> ApprovalRequest:
    """An outside reviewer decides through their link; the link is used up. ReviewLinkClosed when it cannot."""
    link = reviewer_link_open(token)
    with transaction.atomic():
        locked = ApprovalRequest.objects.select_for_update().select_related("post").get(pk=link.request_id)
        fresh = ReviewerLink.objects.select_for_update().get(pk=link.pk)
        if fresh.used_at is not None:
            raise ReviewLinkClosed("used", fresh)
        if locked.state != ApprovalState.PENDING:
            raise ReviewLinkClosed("closed", fresh)
        label = _("%(reviewer)s (outside reviewer)") % {"reviewer": link.label}
        decided = _decide(locked, approve, comment, None, label, fresh)
    if not decided:
        _audit_voided(locked, None)
        raise ReviewLinkClosed("closed", link)
    _audit_decision(locked, None, actor_label=locked.reviewer_label)
    return locked


# -- the edit hook ---------------------------------------------------------------------------------


def post_content_changed(post: Post, actor: Any = None) -> int:
    """Called by the scheduler's editing services inside their transaction, after the post's content or
    channels changed. Voids pending/approved requests whose content no longer matches (their snapshot is
    kept for the diff) and, when the workspace requires approval and the post is no longer approved, takes
    its scheduled deliveries back to draft so unapproved content cannot go out. Returns how many it voided.
    """
    now = timezone.now()
    open_requests = list(ApprovalRequest.objects.filter(post=post, state__in=OPEN_STATES))
    current_channels = None
    stale = []
    for request in open_requests:
        approved_channels = channel_ids(request.snapshot)
        if current_channels is None:
            current_channels = list(post.deliveries.exclude(state=DeliveryState.CANCELLED)
                                    .values_list("channel_id", flat=True))
        channels_moved = bool(current_channels) and sorted(current_channels) != sorted(approved_channels)
        if channels_moved or current_hash(post, approved_channels) != request.content_hash:
            _void(request, _("The channels changed.") if channels_moved else _("The content changed."), now)
            stale.append(request)
    held = 0
    if post.workspace.requires_approval and not approval_is_valid(post):
        held = Delivery.objects.filter(post=post, state__in=HOLD_STATES).update(
            state=DeliveryState.DRAFT, attempt_token=None, lease_expires_at=None, queued_at=None, updated_at=now)
    for request in stale:
        transaction.on_commit(lambda r=request: _audit_voided(r, actor, held))
    return len(stale)
