"""Serializers for channels, campaigns and deliveries. Output only: writes go through services in the views."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from platforms.health import channel_health
from platforms.models import Channel
from scheduler.campaigns import UTM_KEYS, clean_audiences, clean_labels, clean_utm_defaults
from scheduler.composer_options import fields_for
from scheduler.models import Attempt, Campaign, Delivery

MAX_ID = 2**63 - 1  # larger ids cannot exist; SQLite would raise OverflowError on them


def object_id(**kwargs: Any) -> serializers.IntegerField:
    return serializers.IntegerField(min_value=1, max_value=MAX_ID, **kwargs)


class HealthSerializer(serializers.Serializer):
    status = serializers.CharField(help_text="ok, expiring, paused, missing_scopes, expired, needs_reconnect, error")
    label = serializers.CharField()
    healthy = serializers.BooleanField()
    missing_scopes = serializers.ListField(child=serializers.CharField())
    advice = serializers.ListField(child=serializers.CharField())


class OptionFieldSerializer(serializers.Serializer):
    name = serializers.CharField()
    label = serializers.CharField()
    kind = serializers.CharField(help_text="text, long_text, choice, tags, datetime or boolean")
    required = serializers.BooleanField()
    choices = serializers.ListField(child=serializers.DictField(), help_text="[{value, label}] for a choice")


class ChannelSerializer(serializers.ModelSerializer):
    health = serializers.SerializerMethodField()
    options = serializers.SerializerMethodField(help_text="The platform settings a post's variant can give.")

    class Meta:
        model = Channel
        fields = ("id", "platform", "display_name", "handle", "avatar_url", "health", "last_error",
                  "token_expires_at", "paused_until", "last_published_at", "created_at", "options")
        read_only_fields = fields

    @extend_schema_field(OptionFieldSerializer(many=True))
    def get_options(self, channel: Channel) -> list[dict[str, Any]]:
        return [{"name": spec.name, "label": str(spec.label), "kind": spec.kind, "required": spec.required,
                 "choices": [{"value": v, "label": label} for v, label in spec.choices_for(channel.platform_info)]}
                for spec in fields_for(channel)]

    @extend_schema_field(HealthSerializer)
    def get_health(self, channel: Channel) -> dict[str, Any]:
        verdict = channel_health(channel, timezone.now())
        return {"status": verdict.status, "label": str(verdict.label), "healthy": verdict.healthy,
                "missing_scopes": list(verdict.missing_scopes), "advice": [str(a) for a in verdict.advice]}


class AudienceAttributesSerializer(serializers.Serializer):
    region = serializers.CharField(required=False, allow_blank=True, max_length=100)
    language = serializers.CharField(required=False, allow_blank=True, max_length=100)
    climate = serializers.CharField(required=False, allow_blank=True, max_length=100)


class AudienceSerializer(serializers.Serializer):
    key = serializers.CharField(required=False, max_length=50,
                                help_text="A unique slug (a-z, 0-9, - and _); made from the name when left out.")
    name = serializers.CharField(max_length=100)
    attributes = AudienceAttributesSerializer(required=False)


def _cleaned(clean: Callable[[Any], Any], value: Any) -> Any:
    """Run one of scheduler.campaigns' cleaners, its error reported on the field being validated."""
    try:
        return clean(value)
    except DjangoValidationError as error:
        raise serializers.ValidationError(error.messages) from None


@extend_schema_field({"type": "object", "properties": {key: {"type": "string", "maxLength": 100} for key in UTM_KEYS},
                      "additionalProperties": False})
class UtmField(serializers.JSONField):
    pass


@extend_schema_field({"type": "array", "items": {"type": "string", "maxLength": 50}})
class LabelsField(serializers.JSONField):
    pass


@extend_schema_field(AudienceSerializer(many=True))
class AudiencesField(serializers.JSONField):
    pass


class CampaignSerializer(serializers.ModelSerializer):
    """Fields are cleaned by scheduler.campaigns, the same code the campaign pages use."""

    name = serializers.CharField(max_length=200)
    goal = serializers.CharField(allow_blank=True, required=False, max_length=5000)
    utm_defaults = UtmField(required=False, help_text=(
        f"Added to every http(s) link of the campaign's posts unless the link has the parameter already. Keys: "
        f"{', '.join(UTM_KEYS)}; values without spaces, at most 100 characters; {{platform}} becomes the channel's "
        "platform (x, facebook, …) and {audience} the post's audience key."))
    labels = LabelsField(required=False, help_text="Short words to group and filter campaigns (no commas).")
    audiences = AudiencesField(required=False, help_text=(
        'Target audiences, e.g. [{"key": "dach", "name": "DACH", "attributes": {"region": "DE", '
        '"language": "de", "climate": "temperate"}}]. A post may target one of them (Post.audience).'))
    archived = serializers.BooleanField(required=False, write_only=True,
                                        help_text="true archives the campaign, false restores it.")

    class Meta:
        model = Campaign
        fields = ("id", "name", "goal", "starts_on", "ends_on", "utm_defaults", "labels", "audiences", "archived",
                  "archived_at", "created_at")
        read_only_fields = ("id", "archived_at", "created_at")

    def validate_utm_defaults(self, value: Any) -> dict[str, str]:
        return _cleaned(clean_utm_defaults, value)

    def validate_labels(self, value: Any) -> list[str]:
        if isinstance(value, str):  # the pages take a comma list; over JSON a label list is unambiguous
            raise serializers.ValidationError("Give labels as a list of strings.")
        return _cleaned(clean_labels, value)

    def validate_audiences(self, value: Any) -> list[dict[str, Any]]:
        return _cleaned(clean_audiences, value)

    def to_representation(self, instance: Campaign) -> dict[str, Any]:
        when = serializers.DateTimeField().to_representation
        return {
            "id": instance.pk, "name": instance.name, "goal": instance.goal,
            "starts_on": instance.starts_on.isoformat() if instance.starts_on else None,
            "ends_on": instance.ends_on.isoformat() if instance.ends_on else None,
            "utm_defaults": instance.utm_defaults, "labels": instance.labels, "audiences": instance.audiences,
            "archived_at": when(instance.archived_at) if instance.archived_at else None,
            "created_at": when(instance.created_at),
        }


class AttemptSerializer(serializers.ModelSerializer):
    class Meta:
        model = Attempt
        fields = ("started_at", "finished_at", "outcome", "error_class", "error_message", "duration_ms")
        read_only_fields = fields


class DeliverySerializer(serializers.ModelSerializer):
    platform = serializers.CharField(source="channel.platform", read_only=True)

    class Meta:
        model = Delivery
        fields = ("id", "post", "channel", "platform", "state", "due_at", "scheduled_for", "published_at",
                  "external_id", "permalink", "error_code", "error_message", "attempt_count", "updated_at")
        read_only_fields = fields


class DeliveryDetailSerializer(DeliverySerializer):
    attempts = AttemptSerializer(many=True, read_only=True)

    class Meta(DeliverySerializer.Meta):
        fields = (*DeliverySerializer.Meta.fields, "attempts")
        read_only_fields = fields


class DeliveryFilterSerializer(serializers.Serializer):
    state = serializers.ChoiceField(choices=Delivery._meta.get_field("state").choices, required=False)
    channel = object_id(required=False)
    post = object_id(required=False)
