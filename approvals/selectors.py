"""Reads for the approval pages: the approvers' queue, the post page's panel and the reviewer's previews."""

from __future__ import annotations

import mimetypes
from pathlib import PurePosixPath
from typing import Any
from urllib.parse import quote

from django.db.models import QuerySet
from django.utils import timezone

from approvals.content import FieldChange, channel_ids, content_snapshot, post_channels, snapshot_changes
from approvals.gate import approval_is_valid, latest_request
from approvals.models import ApprovalRequest, ApprovalState, ReviewerLink
from approvals.services import APPROVER_ROLES, LINK_DAYS, REQUESTER_ROLES
from platforms.media_urls import URL_PREFIX, MediaPathError, sign
from platforms.models import Channel
from scheduler.models import Post
from workspaces.models import Member, Role, Workspace
from workspaces.templatetags.smo_ui import http_url

HISTORY = 10
# Reviewers see our own media through a signed link that outlives the page view but not by much.
PREVIEW_MEDIA_SECONDS = 3600


def pending_for_workspace(workspace: Workspace) -> QuerySet[ApprovalRequest]:
    """The approvers' queue: pending requests, oldest first, with post and requester joined in."""
    return (ApprovalRequest.objects.filter(workspace=workspace, state=ApprovalState.PENDING)
            .select_related("post", "requested_by").order_by("requested_at", "pk"))


def recently_decided(workspace: Workspace, limit: int = 20) -> list[ApprovalRequest]:
    return list(ApprovalRequest.objects.filter(workspace=workspace)
                .exclude(state=ApprovalState.PENDING).select_related("post", "requested_by", "decided_by")
                .order_by("-pk")[:limit])


def request_for_workspace(workspace: Workspace, request_id: int) -> ApprovalRequest | None:
    """One request of this workspace, or None: an id from another workspace reads as missing."""
    return (ApprovalRequest.objects.filter(workspace=workspace, pk=request_id)
            .select_related("post", "requested_by").first())


def link_for_workspace(workspace: Workspace, link_id: int) -> ReviewerLink | None:
    return ReviewerLink.objects.filter(request__workspace=workspace, pk=link_id).select_related("request").first()


def current_snapshot_for(post: Post, request: ApprovalRequest) -> dict[str, Any]:
    """The post's content now, on the channels it is meant for (or, without any, those of `request`)."""
    channels = post_channels(post) or list(Channel.objects.filter(pk__in=channel_ids(request.snapshot),
                                                                   workspace_id=post.workspace_id))
    return content_snapshot(post, channels)


def changes_since(request: ApprovalRequest) -> list[FieldChange]:
    return snapshot_changes(request.snapshot, current_snapshot_for(request.post, request))


def approval_panel(post: Post, member: Member) -> dict[str, Any]:
    """Everything the post page's Approval panel shows and which of its actions this member may use."""
    latest = latest_request(post)
    history = list(ApprovalRequest.objects.filter(post=post).select_related("requested_by")[: HISTORY + 1])
    valid = approval_is_valid(post) if latest is not None else False
    # An approved request the hook did not see change (an edit outside the services) is shown as changed too.
    changed = latest is not None and (latest.state == ApprovalState.VOID
                                      or (latest.state == ApprovalState.APPROVED and not valid))
    pending = latest is not None and latest.state == ApprovalState.PENDING
    return {
        "required": post.workspace.requires_approval,
        "latest": latest,
        "valid": valid,
        "changed": changed,
        "changes": changes_since(latest) if changed else [],
        "history": history[1:HISTORY],
        "links": list(latest.reviewer_links.all()) if latest is not None else [],
        "can_request": member.role in REQUESTER_ROLES and not pending and not valid,
        "can_decide": pending and member.role in APPROVER_ROLES
        and (latest.requested_by_id != member.user_id or member.role == Role.ADMIN),
        "can_invite": pending and member.role in APPROVER_ROLES,
        "day_choices": LINK_DAYS,
        "now": timezone.now(),
    }


def _preview_media(item: dict[str, Any]) -> dict[str, Any]:
    """One snapshot media item as the reviewer page shows it: our files get a short-lived signed URL."""
    where = item.get("url") or item.get("path") or ""
    src = http_url(item.get("url")) if item.get("url") else ""
    if item.get("path"):
        try:
            src = f"/{URL_PREFIX}/{sign(item['path'], max_age=PREVIEW_MEDIA_SECONDS)}/" \
                  f"{quote(PurePosixPath(item['path']).name)}"
        except MediaPathError:
            src = ""
    kind = (mimetypes.guess_type(PurePosixPath(where.split("?")[0]).name)[0] or "").split("/")[0]
    return {"src": src, "alt": item.get("alt_text", ""), "image": kind == "image", "name": where}


def snapshot_previews(snapshot: dict[str, Any]) -> list[dict[str, Any]]:
    """Per channel of a snapshot: name, platform and what it would publish, media ready to show."""
    previews = []
    for channel in snapshot.get("channels", []):
        content = snapshot.get("published", {}).get(str(channel["id"]), {})
        previews.append({"channel": channel, "content": content,
                         "media": [_preview_media(item) for item in content.get("media", [])]})
    return previews


def composer_approval(workspace: Workspace, post_id: int | None) -> dict[str, Any]:
    """The composer's approval line: whether approval is required and where this draft stands."""
    post = Post.objects.filter(workspace=workspace, pk=post_id).first() if post_id else None
    latest = latest_request(post) if post is not None else None
    valid = approval_is_valid(post) if latest is not None else False
    changed = latest is not None and (latest.state == ApprovalState.VOID
                                      or (latest.state == ApprovalState.APPROVED and not valid))
    state = "void" if changed else (latest.state if latest is not None else "none")
    return {"required": workspace.requires_approval, "state": state, "valid": valid, "latest": latest}
