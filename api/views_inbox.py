"""The inbox over the API: list with the page's filters, one conversation with its items, notes and replies,
and assign / status / tags / reply. Same services and roles as the page: every member reads, admins and
community managers write. Another workspace's conversation is 404 like a missing one."""

from __future__ import annotations

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response

from api.serializers_inbox import (
    AssignSerializer,
    ConversationDetailSerializer,
    ConversationSerializer,
    InboxFilterSerializer,
    ReplyInSerializer,
    ReplySerializer,
    StatusSerializer,
    TagsSerializer,
)
from api.views import WorkspaceAPIView
from inbox import replies, selectors, triage
from inbox.models import Conversation
from inbox.selectors import InboxFilters

INBOX_WRITERS: tuple[str, ...] = triage.WORKER_ROLES


class InboxBase(WorkspaceAPIView):
    serializer_class = ConversationDetailSerializer
    write_roles = INBOX_WRITERS

    def get_queryset(self) -> QuerySet:
        return selectors.conversations_filtered(self.workspace, self.request.user, InboxFilters(status="all"))

    def detail(self, conversation: Conversation, code: int = status.HTTP_200_OK) -> Response:
        fresh = self.get_queryset().get(pk=conversation.pk)
        return Response(ConversationDetailSerializer(fresh, context=self.get_serializer_context()).data, status=code)


class InboxList(InboxBase):
    serializer_class = ConversationSerializer

    @extend_schema(parameters=[InboxFilterSerializer], responses=ConversationSerializer(many=True))
    def get(self, request: Request) -> Response:
        """Conversations newest first, filtered like the inbox page (by default the open ones)."""
        params = InboxFilterSerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        wanted = params.validated_data
        filters = InboxFilters(
            status=wanted.get("status", "open"), unread=wanted.get("unread", False),
            assigned=wanted.get("assigned", ""), platform=wanted.get("platform", ""), channel=wanted.get("channel"),
            kind=wanted.get("kind", ""), sentiment=wanted.get("sentiment", ""),
            attention=wanted.get("attention", False), tag=" ".join(wanted.get("tag", "").lower().split()),
            q=wanted.get("q", "").strip())
        return self.paged(selectors.conversations_filtered(self.workspace, request.user, filters))


class InboxDetail(InboxBase):
    def get(self, request: Request, pk: int) -> Response:
        """One conversation with its items (oldest first), internal notes and our replies. Marks it read for you."""
        conversation = self.get_object()
        triage.conversation_mark_read(conversation, request.user)
        return self.detail(conversation)


class InboxAssign(InboxBase):
    http_method_names = ["post", "options"]

    @extend_schema(request=AssignSerializer, responses={200: ConversationDetailSerializer})
    def post(self, request: Request, pk: int) -> Response:
        """Assign to an admin or community manager of the workspace (400 "not_assignable" otherwise), or null."""
        conversation = self.get_object()
        body = AssignSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        user = triage.assignable_user(self.workspace, body.validated_data["assignee"])
        triage.conversation_assign(conversation, user, actor=request.user)
        return self.detail(conversation)


class InboxStatus(InboxBase):
    http_method_names = ["post", "options"]

    @extend_schema(request=StatusSerializer, responses={200: ConversationDetailSerializer})
    def post(self, request: Request, pk: int) -> Response:
        """Open, done, or snoozed until a future time ("snooze_time" / "snooze_past" when it is missing or past)."""
        conversation = self.get_object()
        body = StatusSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        triage.conversation_set_status(conversation, body.validated_data["status"], actor=request.user,
                                       snoozed_until=body.validated_data.get("snoozed_until"))
        return self.detail(conversation)


class InboxTags(InboxBase):
    http_method_names = ["post", "options"]

    @extend_schema(request=TagsSerializer, responses={200: ConversationDetailSerializer})
    def post(self, request: Request, pk: int) -> Response:
        """Add and remove tags by name (lower-cased; new names are created on first use)."""
        conversation = self.get_object()
        body = TagsSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        triage.conversation_tag(conversation, body.validated_data.get("add", []),
                                body.validated_data.get("remove", []), actor=request.user)
        return self.detail(conversation)


class InboxReply(InboxBase):
    http_method_names = ["post", "options"]

    @extend_schema(request=ReplyInSerializer, responses={202: ReplySerializer})
    def post(self, request: Request, pk: int) -> Response:
        """Queue a reply (or a direct message in a DM thread); it is sent through the publish queue with the same
        never-twice rules as posts. 202 with the reply and its state; 400 with the reason when the platform would
        refuse the text. Sending the same text again within a minute returns the reply already queued."""
        conversation = self.get_object()
        body = ReplyInSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        reply = replies.reply_create(conversation, body.validated_data.get("in_reply_to"),
                                     body.validated_data["text"], request.user)
        return Response(ReplySerializer(reply).data, status=status.HTTP_202_ACCEPTED)
