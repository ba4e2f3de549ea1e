"""Serializers for channels, campaigns and deliveries. Output only: writes go through services in the views."""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from platforms.health import channel_health
from platforms.models import Channel
from scheduler.models import Attempt, Campaign, Delivery

MAX_ID = 2**63 - 1  # larger ids cannot exist; SQLite would raise OverflowError on them
UTM_KEYS = ("utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content")


def object_id(**kwargs: Any) -> serializers.IntegerField:
    return serializers.IntegerField(min_value=1, max_value=MAX_ID, **kwargs)


class HealthSerializer(serializers.Serializer):
    status = serializers.CharField(help_text="ok, expiring, paused, missing_scopes, expired, needs_reconnect, error")
    label = serializers.CharField()
    healthy = serializers.BooleanField()
    missing_scopes = serializers.ListField(child=serializers.CharField())
    advice = serializers.ListField(child=serializers.CharField())


class ChannelSerializer(serializers.ModelSerializer):
    health = serializers.SerializerMethodField()

    class Meta:
        model = Channel
        fields = ("id", "platform", "display_name", "handle", "avatar_url", "health", "last_error",
                  "token_expires_at", "paused_until", "last_published_at", "created_at")
        read_only_fields = fields

    @extend_schema_field(HealthSerializer)
    def get_health(self, channel: Channel) -> dict[str, Any]:
        verdict = channel_health(channel, timezone.now())
        return {"status": verdict.status, "label": str(verdict.label), "healthy": verdict.healthy,
                "missing_scopes": list(verdict.missing_scopes), "advice": [str(a) for a in verdict.advice]}


class CampaignSerializer(serializers.ModelSerializer):
    name = serializers.CharField(max_length=200)
    goal = serializers.CharField(allow_blank=True, required=False, max_length=5000)
    utm_defaults = serializers.DictField(child=serializers.CharField(max_length=200, allow_blank=True),
                                         required=False, help_text=f"Keys: {', '.join(UTM_KEYS)}")
    labels = serializers.ListField(child=serializers.CharField(max_length=50), max_length=50, required=False)
    audiences = serializers.ListField(
        child=serializers.DictField(child=serializers.CharField(max_length=200, allow_blank=True)),
        max_length=50, required=False,
        help_text='Target audiences, e.g. [{"name": "DACH", "region": "DE", "language": "de"}]',
    )

    class Meta:
        model = Campaign
        fields = ("id", "name", "goal", "starts_on", "ends_on", "utm_defaults", "labels", "audiences", "created_at")
        read_only_fields = ("id", "created_at")

    def validate_utm_defaults(self, value: dict[str, str]) -> dict[str, str]:
        unknown = sorted(set(value) - set(UTM_KEYS))
        if unknown:
            raise serializers.ValidationError(f"Unknown UTM parameter(s) {', '.join(unknown)}; "
                                              f"use {', '.join(UTM_KEYS)}.")
        return value

    def to_representation(self, instance: Campaign) -> dict[str, Any]:
        # Other screens may store labels and audiences in other shapes; the API returns them as stored.
        return {
            "id": instance.pk, "name": instance.name, "goal": instance.goal,
            "starts_on": instance.starts_on.isoformat() if instance.starts_on else None,
            "ends_on": instance.ends_on.isoformat() if instance.ends_on else None,
            "utm_defaults": instance.utm_defaults, "labels": instance.labels, "audiences": instance.audiences,
            "created_at": serializers.DateTimeField().to_representation(instance.created_at),
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
