"""Post serializers: content in, content plus variants and deliveries out. Channel and campaign ids are
checked against the token's workspace here, so an id from another workspace reads as unknown (400)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from api.serializers import DeliverySerializer, object_id
from api.serializers_media import ASSET_HELP, resolve_assets
from platforms.models import Channel
from scheduler.campaigns import check_post_audience
from scheduler.composer_options import fields_for, options_for
from scheduler.models import Campaign, Post, Variant

MEDIA_KEYS = ("url", "asset", "path", "mime_type", "alt_text", "size_bytes", "width", "height", "duration_s")


def http_url(**kwargs: Any) -> serializers.URLField:
    return serializers.URLField(max_length=2000, **kwargs)


def check_http(value: str | None) -> str | None:
    if value and not value.lower().startswith(("http://", "https://")):
        raise serializers.ValidationError("Only http:// and https:// links are allowed.")
    return value


class MediaItemSerializer(serializers.Serializer):
    """A file: either a public link (`url`) or an upload of ours (`asset`, the media library id)."""

    url = http_url(required=False, help_text="A public http(s) URL the platforms can fetch.")
    asset = object_id(required=False, help_text=ASSET_HELP)
    mime_type = serializers.CharField(max_length=100, required=False, allow_blank=True)
    alt_text = serializers.CharField(max_length=1500, required=False, allow_blank=True)
    size_bytes = serializers.IntegerField(min_value=0, max_value=2**50, required=False)
    width = serializers.IntegerField(min_value=0, max_value=100_000, required=False)
    height = serializers.IntegerField(min_value=0, max_value=100_000, required=False)
    duration_s = serializers.FloatField(min_value=0, max_value=86_400, required=False)

    def validate_url(self, value: str) -> str:
        return check_http(value) or ""

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if "url" in attrs and "asset" in attrs:
            raise serializers.ValidationError({"asset": ["Give either url or asset, not both."]})
        if "url" not in attrs and "asset" not in attrs:  # also on PATCH, where DRF skips required fields
            raise serializers.ValidationError({"url": ["This field is required. Give a public link, or give asset "
                                                       "(the id of an uploaded file) instead."]})
        return attrs


class MediaItemOutSerializer(MediaItemSerializer):
    """Media as answered (documentation only): uploaded files also carry where they are stored."""

    path = serializers.CharField(required=False, help_text="Where an uploaded file is stored.")


def media_list(**kwargs: Any) -> serializers.ListField:
    return serializers.ListField(child=MediaItemSerializer(), max_length=20, **kwargs)


def thread_list(**kwargs: Any) -> serializers.ListField:
    return serializers.ListField(child=serializers.CharField(max_length=100_000), max_length=25, **kwargs)


class VariantInSerializer(serializers.Serializer):
    """Per-channel overrides; a field left out or null inherits the post's value."""

    channel = object_id()
    text = serializers.CharField(max_length=100_000, required=False, allow_null=True, allow_blank=True)
    link = http_url(required=False, allow_null=True, allow_blank=True)
    media = media_list(required=False, allow_null=True)
    thread = thread_list(required=False, allow_null=True)
    first_comment = serializers.CharField(max_length=100_000, required=False, allow_null=True, allow_blank=True)
    options = serializers.DictField(required=False, allow_null=True, help_text=(
        "The channel's platform settings, e.g. {\"title\": …, \"privacy\": \"unlisted\"} for YouTube or "
        "{\"board\": …} for Pinterest; GET /api/v1/channels/ lists each channel's option fields."))

    def validate_link(self, value: str | None) -> str | None:
        return check_http(value)


class PostInSerializer(serializers.Serializer):
    """Create (all fields optional) or PATCH (only the fields sent change; `variants` replaces all variants)."""

    campaign = object_id(required=False, allow_null=True)
    text = serializers.CharField(max_length=100_000, required=False, allow_blank=True)
    link = http_url(required=False, allow_blank=True)
    media = media_list(required=False)
    thread = thread_list(required=False)
    first_comment = serializers.CharField(max_length=100_000, required=False, allow_blank=True)
    quote_of = serializers.RegexField(r"^[0-9A-Za-z_:-]*$", max_length=64, required=False, allow_blank=True)
    poll_options = serializers.ListField(child=serializers.CharField(max_length=100), max_length=10, required=False)
    poll_minutes = serializers.IntegerField(min_value=0, max_value=43_200, required=False)
    variants = serializers.ListField(child=VariantInSerializer(), max_length=100, required=False)
    audience = serializers.CharField(max_length=50, required=False, allow_blank=True, help_text=(
        "The key of one of the campaign's audiences this post is tailored for; empty for everybody."))

    def validate_link(self, value: str) -> str:
        return check_http(value) or ""

    def validate_campaign(self, value: int | None) -> Campaign | None:
        if value is None:
            return None
        campaign = Campaign.objects.filter(workspace=self.context["workspace"], pk=value).first()
        if campaign is None:
            raise serializers.ValidationError(f"No campaign with id {value} in this workspace.")
        return campaign

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        # A PATCH sending only one of the two is checked against the stored other one by post_update_content.
        if not self.partial or ("campaign" in attrs and "audience" in attrs):
            try:
                check_post_audience(attrs.get("campaign"), attrs.get("audience", ""))
            except DjangoValidationError as error:
                raise serializers.ValidationError({"audience": error.messages}) from None
        return resolve_assets(self.context["workspace"], attrs)

    def validate_variants(self, items: list[dict[str, Any]]) -> list[dict[str, Any]]:
        ids = [item["channel"] for item in items]
        if len(set(ids)) != len(ids):
            raise serializers.ValidationError("Give at most one variant per channel.")
        channels = Channel.objects.in_bulk(ids)
        workspace = self.context["workspace"]
        unknown = [i for i in ids if i not in channels or channels[i].workspace_id != workspace.pk]
        if unknown:
            raise serializers.ValidationError(f"No channel with id {unknown[0]} in this workspace.")
        return [{**item, "channel": channels[item["channel"]],
                 **({"options": _channel_options(channels[item["channel"]], item["options"])}
                    if item.get("options") else {})} for item in items]


def _channel_options(channel: Channel, given: dict[str, Any]) -> dict[str, Any]:
    """Options kept to the fields the channel's platform declares; a name it does not know is an error."""
    known = {spec.name for spec in fields_for(channel)}
    strange = sorted(set(given) - known)
    if strange:
        raise serializers.ValidationError(
            f"Channel {channel.pk} ({channel.platform}) has no option {strange[0]!r}; it takes: "
            f"{', '.join(sorted(known)) or 'none'}.")
    return options_for(channel, given)


class ChannelListSerializer(serializers.Serializer):
    channels = serializers.ListField(child=object_id(), min_length=1, max_length=100)

    def validate_channels(self, ids: list[int]) -> list[Channel]:
        found = Channel.objects.filter(workspace=self.context["workspace"], pk__in=ids).in_bulk()
        unknown = [i for i in ids if i not in found]
        if unknown:
            raise serializers.ValidationError(f"No channel with id {unknown[0]} in this workspace.")
        return [found[i] for i in dict.fromkeys(ids)]


class ScheduleSerializer(ChannelListSerializer):
    at = serializers.CharField(
        max_length=64,
        help_text="ISO 8601. Without an offset (2026-05-04T09:30) it is wall-clock time in the workspace's time "
                  "zone; with one (2026-05-04T09:30:00+02:00 or …Z) it is that instant.",
    )


class VariantOutSerializer(serializers.ModelSerializer):
    class Meta:
        model = Variant
        fields = ("channel", "text", "link", "media", "thread", "first_comment", "options")
        read_only_fields = fields


def media_out(items: Any) -> list[dict[str, Any]]:
    """Stored media as objects (older rows may hold bare URL strings)."""
    result = []
    for item in items or []:
        item = {"url": item} if isinstance(item, str) else item
        if isinstance(item, dict):
            result.append({key: item[key] for key in MEDIA_KEYS if key in item})
    return result


class PostSerializer(serializers.ModelSerializer):
    media = serializers.SerializerMethodField()
    variants = VariantOutSerializer(many=True, read_only=True)
    deliveries = DeliverySerializer(many=True, read_only=True)

    class Meta:
        model = Post
        fields = ("id", "campaign", "audience", "tailored_from", "text", "link", "media", "thread", "first_comment",
                  "quote_of", "poll_options", "poll_minutes", "variants", "deliveries", "created_at", "updated_at")
        read_only_fields = fields

    @extend_schema_field(MediaItemOutSerializer(many=True))
    def get_media(self, post: Post) -> list[dict[str, Any]]:
        return media_out(post.media)


class SummarySerializer(serializers.Serializer):
    total = serializers.IntegerField()
    published = serializers.IntegerField()
    pending = serializers.IntegerField()
    attention = serializers.IntegerField()
    failed = serializers.IntegerField()
    by_state = serializers.DictField(child=serializers.IntegerField())
    label = serializers.CharField()


class PostDetailSerializer(PostSerializer):
    summary = serializers.SerializerMethodField()

    class Meta(PostSerializer.Meta):
        fields = (*PostSerializer.Meta.fields, "summary")
        read_only_fields = fields

    @extend_schema_field(SummarySerializer)
    def get_summary(self, post: Post) -> dict[str, Any]:
        return self.context["summary"]


class RetriedSerializer(serializers.Serializer):
    retried = serializers.IntegerField(help_text="How many failed deliveries will be sent again now.")
