"""Reads on the media library: lists, one asset, what blocks a delete, and assets as Post.media items."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet, TextField
from django.db.models.functions import Cast
from django.urls import reverse

from media.models import MediaAsset
from scheduler.models import DeliveryState, Post, Variant
from workspaces.models import Workspace

# Deliveries in these states will never send again, so the file is no longer needed for them.
SETTLED_STATES = (DeliveryState.PUBLISHED, DeliveryState.CANCELLED)


def assets_for_workspace(workspace: Workspace, query: str = "") -> QuerySet[MediaAsset]:
    assets = MediaAsset.objects.filter(workspace=workspace)
    if query.strip():
        assets = assets.filter(original_name__icontains=query.strip())
    return assets.order_by("-created_at", "-pk")


def asset_for_workspace(workspace: Workspace, asset_id: int) -> MediaAsset | None:
    return MediaAsset.objects.filter(workspace=workspace, pk=asset_id).first()


def asset_blockers(asset: MediaAsset) -> list[Post]:
    """Posts using the asset (in their own media or a variant's) that still have a delivery to send.

    Media is a JSON list, so the path is matched in its text form: paths are random hex, never a prefix
    of another path, and JSON containment is not available on SQLite.
    """
    post_ids = set(
        Post.objects.filter(workspace=asset.workspace_id)
        .annotate(media_text=Cast("media", TextField()))
        .filter(media_text__contains=asset.path)
        .values_list("pk", flat=True)
    )
    post_ids |= set(
        Variant.objects.filter(post__workspace=asset.workspace_id)
        .annotate(media_text=Cast("media", TextField()))
        .filter(media_text__contains=asset.path)
        .values_list("post_id", flat=True)
    )
    if not post_ids:
        return []
    unsettled = [state for state in DeliveryState.values if state not in SETTLED_STATES]
    return list(Post.objects.filter(pk__in=post_ids, deliveries__state__in=unsettled).distinct().order_by("pk"))


def media_item(asset: MediaAsset) -> dict[str, Any]:
    """The asset as one Post.media entry; scheduler.rendering signs `path` into a public URL when sending."""
    return {
        "path": asset.path, "mime_type": asset.mime_type, "alt_text": asset.alt_text,
        "size_bytes": asset.size_bytes, "width": asset.width, "height": asset.height,
        "duration_s": asset.duration_s,
    }


def media_items(workspace: Workspace, asset_ids: list[int]) -> list[dict[str, Any]]:
    """Post.media entries for the given ids, in the given order; ids of other workspaces are dropped."""
    found = {asset.pk: asset for asset in MediaAsset.objects.filter(workspace=workspace, pk__in=asset_ids)}
    return [media_item(found[pk]) for pk in asset_ids if pk in found]


def picker_entry(asset: MediaAsset, slug: str) -> dict[str, Any]:
    """A Post.media entry plus what a picker shows; the extra `library` key is ignored by rendering."""
    thumb = reverse("media:thumbnail", kwargs={"slug": slug, "asset_id": asset.pk}) if asset.thumbnail else ""
    return {
        **media_item(asset),
        "library": {
            "id": asset.pk, "name": asset.original_name, "kind": asset.kind, "thumbnail_url": thumb,
            "file_url": reverse("media:file", kwargs={"slug": slug, "asset_id": asset.pk}),
        },
    }
