"""Post writes the API needs beyond scheduler.services: create with variants, edit variants, delete.

Edits go through scheduler.services.post_update_content, which locks the post's deliveries, refuses
while a send has started (DeliveryBusy), validates every channel against its platform and takes back
queued sends. Variants are written first inside the same transaction, so that validation sees them and a
refusal rolls them back: nothing the publisher reads changes unless the whole edit is accepted.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import transaction

from scheduler.models import Delivery, DeliveryState, Post
from scheduler.services import VARIANT_FIELDS, DeliveryBusy, post_set_variants, post_update_content
from workspaces.audit import audit_record
from workspaces.models import Workspace

# Deleting the post would hide something that is (or may be) on the platform already.
SENT_STATES = (DeliveryState.SENDING, DeliveryState.PUBLISHED, DeliveryState.UNKNOWN, DeliveryState.NEEDS_CHECK)


def post_create(workspace: Workspace, user_id: int | None, content: dict[str, Any],
                variants: Iterable[dict[str, Any]] = (), *, actor: Any = None) -> Post:
    """A new post (no deliveries yet: scheduling creates them, and validates against each platform)."""
    with transaction.atomic():
        post = Post.objects.create(workspace=workspace, created_by_id=user_id, **content)
        post_set_variants(post, _replacing(variants))
    audit_record(workspace=workspace, actor=actor, action="post.created", target=post, details={"via": "api"})
    return post


def post_update(post: Post, content: dict[str, Any], variants: Iterable[dict[str, Any]] | None = None, *,
                actor: Any = None) -> Post:
    """Change content and, when `variants` is given, replace the post's variants with exactly those."""
    with transaction.atomic():
        if variants is not None:
            post_set_variants(post, _replacing(variants), actor=actor)
        return post_update_content(post, actor=actor, **content)


def _replacing(variants: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """API variants replace whole: a field the client left out inherits the post's value again."""
    return [{"channel": item["channel"], **{name: item.get(name) for name in VARIANT_FIELDS}} for item in variants]


def post_delete(post: Post, *, actor: Any = None) -> None:
    """Delete a post none of whose deliveries has been sent (or may have been). Queued sends become no-ops:
    the publisher's compare-and-set finds no row."""
    with transaction.atomic():
        deliveries = list(Delivery.objects.select_for_update().filter(post=post).select_related("channel")
                          .order_by("pk"))
        sent = [d for d in deliveries if d.state in SENT_STATES]
        if sent:
            names = ", ".join(sorted({d.channel.display_name for d in sent}))
            raise DeliveryBusy(f"This post was sent (or is being sent) to {names}; it cannot be deleted. "
                               "Cancel the deliveries that have not gone out instead.", code="post_sent")
        audit_record(workspace=post.workspace_id, actor=actor, action="post.deleted", target=post,
                     details={"via": "api"})
        post.delete()
