"""Posts: CRUD with variants, and the schedule / publish-now / retry-failed actions (all via services)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from api.selectors import posts_for_workspace
from api.serializers import object_id
from api.serializers_posts import (
    ChannelListSerializer,
    PostDetailSerializer,
    PostInSerializer,
    PostSerializer,
    RetriedSerializer,
    ScheduleSerializer,
)
from api.services import post_create, post_delete, post_update
from api.views import WorkspaceAPIView
from scheduler.models import Post
from scheduler.selectors import post_delivery_summary
from scheduler.services import post_retry_failed, post_schedule
from scheduler.timezones import local_to_utc

AT_HELP = "Give a date and time in ISO 8601, e.g. 2026-05-04T09:30 (workspace time) or 2026-05-04T09:30:00+02:00."


class PostFilterSerializer(serializers.Serializer):
    campaign = object_id(required=False)


def parse_at(text: str, tz_name: str) -> datetime:
    """An instant from ISO 8601; without an offset it is wall-clock time in the workspace (scheduler DST rule)."""
    text = text.strip()
    try:
        if len(text) <= 10:  # a date alone: which time of day is not ours to guess
            raise ValueError
        value = datetime.fromisoformat(text)
        return local_to_utc(value, tz_name) if value.tzinfo is None else value.astimezone(UTC)
    except (ValueError, OverflowError):
        raise serializers.ValidationError({"at": [f"{text[:64]!r} is not a date and time. {AT_HELP}"]}) from None


class PostBase(WorkspaceAPIView):
    serializer_class = PostSerializer

    def get_queryset(self) -> QuerySet:
        return posts_for_workspace(self.workspace)

    def detail(self, post: Post, code: int = status.HTTP_200_OK) -> Response:
        post = self.get_queryset().get(pk=post.pk)  # fresh, with variants and deliveries prefetched
        context = {**self.get_serializer_context(), "summary": post_delivery_summary(post)}
        return Response(PostDetailSerializer(post, context=context).data, status=code)

    def content(self, partial: bool) -> tuple[dict[str, Any], list[dict[str, Any]] | None]:
        serializer = PostInSerializer(data=self.request.data, partial=partial, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        return data, data.pop("variants", None)


class PostList(PostBase):
    @extend_schema(parameters=[PostFilterSerializer], responses=PostSerializer(many=True))
    def get(self, request: Request) -> Response:
        filters = PostFilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        return self.paged(posts_for_workspace(self.workspace, campaign_id=filters.validated_data.get("campaign")))

    @extend_schema(request=PostInSerializer, responses={201: PostDetailSerializer})
    def post(self, request: Request) -> Response:
        """Create a post (a draft until it is scheduled). Variants override the content per channel."""
        content, variants = self.content(partial=False)
        post = post_create(self.workspace, request.user.pk, content, variants or (), actor=request.user)
        return self.detail(post, status.HTTP_201_CREATED)


class PostDetail(PostBase):
    @extend_schema(responses=PostDetailSerializer)
    def get(self, request: Request, pk: int) -> Response:
        return self.detail(self.get_object())

    @extend_schema(request=PostInSerializer, responses={200: PostDetailSerializer})
    def patch(self, request: Request, pk: int) -> Response:
        """Change content; `variants`, when sent, replaces all variants. 409 while a delivery is being sent or
        after it was published; 400 when the new content breaks a platform's rule."""
        post = self.get_object()
        content, variants = self.content(partial=True)
        return self.detail(post_update(post, content, variants, actor=request.user))

    @extend_schema(responses={204: None})
    def delete(self, request: Request, pk: int) -> Response:
        """Delete a post that has not been sent anywhere (409 otherwise)."""
        post_delete(self.get_object(), actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class PostSchedule(PostBase):
    @extend_schema(request=ScheduleSerializer, responses={200: PostDetailSerializer})
    def post(self, request: Request, pk: int) -> Response:
        """Schedule the post on these channels at `at`. A past time or a platform rule broken answers 400."""
        post = self.get_object()
        serializer = ScheduleSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        due_at = parse_at(serializer.validated_data["at"], self.workspace.time_zone)
        post_schedule(post, serializer.validated_data["channels"], due_at, actor=request.user)
        return self.detail(post)


class PostPublishNow(PostBase):
    @extend_schema(request=ChannelListSerializer, responses={200: PostDetailSerializer})
    def post(self, request: Request, pk: int) -> Response:
        """Send the post to these channels on the next dispatcher tick."""
        post = self.get_object()
        serializer = ChannelListSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        post_schedule(post, serializer.validated_data["channels"], timezone.now(), publish_now=True,
                      actor=request.user)
        return self.detail(post)


class PostRetryFailed(PostBase):
    serializer_class = RetriedSerializer

    @extend_schema(request=None, responses={200: RetriedSerializer})
    def post(self, request: Request, pk: int) -> Response:
        """Send again only the deliveries that failed or need a check; published ones are left alone."""
        return Response({"retried": post_retry_failed(self.get_object(), actor=request.user)})
