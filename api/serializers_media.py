"""Media library over the API: an asset out, the multipart upload in, the alt-text edit in.

Uploads are checked by media.services.asset_upload (type sniffed from the content, size limits, metadata
stripped); these serializers only check the shape of the request, so both entry points give the same errors.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from rest_framework import serializers

from media.models import ALT_TEXT_MAX, MediaAsset
from media.selectors import media_item
from workspaces.models import Workspace


class MediaAssetSerializer(serializers.ModelSerializer):
    name = serializers.CharField(source="original_name", read_only=True, help_text="The uploaded file's name.")
    kind = serializers.CharField(read_only=True, help_text="image, gif or video")
    has_thumbnail = serializers.SerializerMethodField()

    class Meta:
        model = MediaAsset
        fields = ("id", "name", "kind", "mime_type", "size_bytes", "width", "height", "duration_s", "alt_text",
                  "has_thumbnail", "created_at")
        read_only_fields = fields

    def get_has_thumbnail(self, asset: MediaAsset) -> bool:
        return bool(asset.thumbnail)


class MediaUploadSerializer(serializers.Serializer):
    """multipart/form-data: the file and, optionally, its alt text."""

    # Empty files pass here so that the service's own message ("photo.png is empty.") answers, as on the page.
    file = serializers.FileField(allow_empty_file=True, use_url=False,
                                 help_text="JPEG, PNG, GIF, WebP, MP4 or MOV. The type is read from the content.")
    alt_text = serializers.CharField(max_length=ALT_TEXT_MAX, required=False, allow_blank=True, trim_whitespace=True,
                                     help_text="A description for people who cannot see the image.")


class AltTextSerializer(serializers.Serializer):
    alt_text = serializers.CharField(max_length=ALT_TEXT_MAX, required=False, allow_blank=True, trim_whitespace=True,
                                     help_text="Left out: unchanged. Empty: removed.")


class MediaFilterSerializer(serializers.Serializer):
    q = serializers.CharField(max_length=200, required=False, allow_blank=True, help_text="Part of the file name.")
    kind = serializers.ChoiceField(choices=("image", "video"), required=False,
                                   help_text="image (includes GIF) or video")


ASSET_HELP = ("The id of a file in this workspace's media library (see POST /api/v1/media/). The file's type, size "
              "and alt text are taken from the library; alt_text given here overrides the alt text for this post.")


def _entry(item: dict[str, Any], asset: MediaAsset) -> dict[str, Any]:
    entry = {**media_item(asset), "asset": asset.pk}
    if "alt_text" in item:
        entry["alt_text"] = item["alt_text"]
    return entry


def resolve_assets(workspace: Workspace, attrs: dict[str, Any]) -> dict[str, Any]:
    """Turn the `{"asset": id}` media items of a post and its variants into the files' Post.media entries, in
    one query. An id of another workspace reads as unknown, like a missing one (400)."""
    lists = [("media", attrs.get("media"))] + [("variants", v.get("media")) for v in attrs.get("variants") or ()]
    ids = {item["asset"] for _field, items in lists for item in items or () if "asset" in item}
    if not ids:
        return attrs
    found = MediaAsset.objects.filter(workspace=workspace).in_bulk(ids)
    for field, items in lists:
        unknown = [item["asset"] for item in items or () if "asset" in item and item["asset"] not in found]
        if unknown:
            raise serializers.ValidationError(
                {field: [_("No media file with id %(id)s in this workspace.") % {"id": unknown[0]}]})
    attrs = dict(attrs)
    if attrs.get("media"):
        attrs["media"] = [_entry(i, found[i["asset"]]) if "asset" in i else i for i in attrs["media"]]
    if attrs.get("variants"):
        attrs["variants"] = [{**v, "media": [_entry(i, found[i["asset"]]) if "asset" in i else i for i in v["media"]]}
                             if v.get("media") else v for v in attrs["variants"]]
    return attrs
