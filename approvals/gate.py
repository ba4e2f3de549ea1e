"""The one check the scheduler calls before a post may go out: `approval_required_error(post, channels)`.

It answers None when the workspace does not require approval or the post's latest approval still matches
what would be published on those channels; otherwise a ValidationError (code "approval_required") whose
message says what to do next.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from approvals.content import channel_ids, post_channels, post_content_hash, snapshot_hash
from approvals.models import ApprovalRequest, ApprovalState
from platforms.models import Channel
from scheduler.models import Post

__all__ = ["approval_is_valid", "approval_required_error", "current_hash", "latest_request"]


def current_hash(post: Post, channels: Iterable[Channel | int]) -> str:
    """The post's content hash on these channels (objects or ids)."""
    ids = [c if isinstance(c, int) else c.pk for c in channels]
    return post_content_hash(post, list(Channel.objects.filter(pk__in=ids, workspace_id=post.workspace_id)))


def latest_request(post: Post) -> ApprovalRequest | None:
    return ApprovalRequest.objects.filter(post=post).select_related("requested_by").first()


def _latest_approved(post: Post) -> ApprovalRequest | None:
    return ApprovalRequest.objects.filter(post=post, state=ApprovalState.APPROVED).first()


def _restricted_hash(snapshot: dict, ids: Iterable[int]) -> str:
    """The hash the snapshot would have had for only these channels."""
    keep = set(ids)
    return snapshot_hash({**snapshot, "channels": [c for c in snapshot["channels"] if int(c["id"]) in keep]})


def approval_is_valid(post: Post, channels: Iterable[Channel] | None = None) -> bool:
    """True when the latest approval still matches what the post would publish now on `channels` (default:
    the channels it is meant for; for a post without deliveries yet, the approved ones).

    Each of those channels must be one the approval covers and receive exactly the approved content, so a
    post approved for X and Facebook may go to X alone (a queue books one channel at a time), never elsewhere.
    """
    approved = _latest_approved(post)
    if approved is None:
        return False
    if channels is not None:
        ids = [c.pk for c in channels]
    else:
        ids = [c.pk for c in post_channels(post)] or channel_ids(approved.snapshot)
    if not ids or not set(ids) <= set(channel_ids(approved.snapshot)):
        return False
    return current_hash(post, ids) == _restricted_hash(approved.snapshot, ids)


def _message(post: Post, channels: list[Channel] | None) -> str:
    latest = latest_request(post)
    if latest is None:
        return _("This workspace needs approval before a post is scheduled or published. "
                 "Save it as a draft and request approval first.")
    if latest.state == ApprovalState.PENDING:
        return _("This post is waiting for approval; it can be scheduled once an approver approves it.")
    if latest.state == ApprovalState.REJECTED:
        who = latest.reviewer_label or _("an approver")
        if latest.comment:
            return _('This post was rejected by %(who)s ("%(comment)s"). Change it and request approval again.') % {
                "who": who, "comment": latest.comment}
        return _("This post was rejected by %(who)s. Change it and request approval again.") % {"who": who}
    covered = set(channel_ids(latest.snapshot))
    if latest.state == ApprovalState.APPROVED and channels is not None and not {c.pk for c in channels} <= covered:
        names = ", ".join(c["name"] for c in latest.snapshot.get("channels", []))
        return _("The approval covers %(names)s only. Schedule it on those channels, "
                 "or request approval for the channels you picked.") % {"names": names}
    return _("This post changed since it was approved, so the approval no longer counts. Request approval again.")


def approval_required_error(post: Post, channels: Iterable[Channel] | None = None) -> ValidationError | None:
    """None when the post may be scheduled, queued or published on `channels`; else the error to raise."""
    if not post.workspace.requires_approval:
        return None
    chosen = list(channels) if channels is not None else None
    if approval_is_valid(post, chosen):
        return None
    return ValidationError(_message(post, chosen), code="approval_required")
