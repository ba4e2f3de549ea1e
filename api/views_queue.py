"""POST /api/v1/posts/<id>/queue/: add a post to its channels' posting queues (scheduler.queues)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response

from api.serializers_posts import ChannelListSerializer, PostDetailSerializer
from api.views_posts import PostBase
from scheduler.queues import post_add_to_queue


class PostQueue(PostBase):
    @extend_schema(request=ChannelListSerializer, responses={200: PostDetailSerializer})
    def post(self, request: Request, pk: int) -> Response:
        """Queue the post on each channel at that channel's next free queue time (see each delivery's due_at).

        400 when a channel has no queue or no queue times, or the content breaks a platform's rule; 409 while a
        delivery of the post is being sent or is published. A paused queue holds the post (due_at null) until
        it resumes.
        """
        post = self.get_object()
        serializer = ChannelListSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        post_add_to_queue(post, serializer.validated_data["channels"], actor=request.user)
        return self.detail(post)
