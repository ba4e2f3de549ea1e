"""A post's approval over the API: read its state, request approval, approve or reject (approvals.services).

Roles are those of the pages: admins and marketers request; admins and approvers decide. A post of another
workspace is 404 like a missing one.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from api.serializers import object_id
from api.views import WorkspaceAPIView
from approvals import services
from approvals.gate import approval_is_valid, latest_request
from approvals.models import ApprovalRequest, ApprovalState
from approvals.selectors import changes_since
from platforms.models import Channel
from scheduler.models import Post
from workspaces.models import Role


class ApprovalRequestSerializer(serializers.ModelSerializer):
    # A plain string in the schema: a second enum named "state" would collide with the deliveries' one.
    state = serializers.CharField(help_text="pending, approved, rejected or void (changed since the request).")
    requested_by = serializers.SerializerMethodField()
    channels = serializers.SerializerMethodField()

    class Meta:
        model = ApprovalRequest
        fields = ("id", "state", "content_hash", "channels", "requested_by", "requested_at", "reviewer_label",
                  "decided_at", "comment", "voided_at", "void_reason", "snapshot")
        read_only_fields = fields

    def get_requested_by(self, request: ApprovalRequest) -> str:
        return request.requested_by.get_username() if request.requested_by else ""

    def get_channels(self, request: ApprovalRequest) -> list[int]:
        return [int(c["id"]) for c in request.snapshot.get("channels", [])]


class ChangeLineSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=["-", "+", " "], help_text='"-" removed, "+" added, " " unchanged')
    text = serializers.CharField()


class ChangeSerializer(serializers.Serializer):
    field = serializers.CharField()
    lines = ChangeLineSerializer(many=True)


class ApprovalStatusSerializer(serializers.Serializer):
    required = serializers.BooleanField(help_text="The workspace requires approval before scheduling.")
    valid = serializers.BooleanField(help_text="The latest approval matches what would be published now.")
    latest = ApprovalRequestSerializer(allow_null=True)
    changes = ChangeSerializer(many=True, help_text="What changed since the latest request, when it is void.")


class ApprovalRequestInSerializer(serializers.Serializer):
    channels = serializers.ListField(child=object_id(), required=False, max_length=100,
                                     help_text="Channels the approval is for; default: the post's channels.")

    def validate_channels(self, ids: list[int]) -> list[Channel]:
        found = Channel.objects.filter(workspace=self.context["workspace"], pk__in=ids).in_bulk()
        unknown = [i for i in ids if i not in found]
        if unknown:
            raise serializers.ValidationError(f"No channel with id {unknown[0]} in this workspace.")
        return [found[i] for i in dict.fromkeys(ids)]


class DecisionSerializer(serializers.Serializer):
    approve = serializers.BooleanField(help_text="true approves, false rejects.")
    comment = serializers.CharField(max_length=services.COMMENT_MAX, required=False, allow_blank=True)


class ApprovalBase(WorkspaceAPIView):
    serializer_class = ApprovalStatusSerializer

    def get_queryset(self) -> QuerySet:
        return Post.objects.filter(workspace=self.workspace)

    def status_body(self, post: Post, code: int = status.HTTP_200_OK) -> Response:
        latest = latest_request(post)
        valid = approval_is_valid(post) if latest is not None else False
        changed = latest is not None and (latest.state == ApprovalState.VOID
                                          or (latest.state == ApprovalState.APPROVED and not valid))
        changes = changes_since(latest) if changed else []
        data: dict[str, Any] = {
            "required": self.workspace.requires_approval,
            "valid": valid,
            "latest": latest,
            "changes": [{"field": c.label, "lines": [{"kind": k, "text": t} for k, t in c.lines]} for c in changes],
        }
        return Response(ApprovalStatusSerializer(data).data, status=code)


class PostApproval(ApprovalBase):
    @extend_schema(responses=ApprovalStatusSerializer)
    def get(self, request: Request, pk: int) -> Response:
        """The post's approval: whether it is required and valid, the latest request, and what changed since."""
        return self.status_body(self.get_object())

    @extend_schema(request=ApprovalRequestInSerializer, responses={201: ApprovalStatusSerializer})
    def post(self, request: Request, pk: int) -> Response:
        """Request approval of the post's current content. 400 when the same content is already approved or
        waiting ("already_approved", "already_requested") or no channels are chosen ("no_channels")."""
        post = self.get_object()
        serializer = ApprovalRequestInSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        services.approval_request(post, request.user, channels=serializer.validated_data.get("channels"))
        return self.status_body(post, status.HTTP_201_CREATED)


class PostApprovalDecide(ApprovalBase):
    write_roles = (Role.ADMIN, Role.APPROVER)

    @extend_schema(request=DecisionSerializer, responses={200: ApprovalStatusSerializer})
    def post(self, request: Request, pk: int) -> Response:
        """Approve or reject the pending request. 400 "no_pending" when none waits; "stale" when the post
        changed since it was requested (the request is voided); 403 for your own request unless admin."""
        post = self.get_object()
        serializer = DecisionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        pending = ApprovalRequest.objects.filter(post=post, state=ApprovalState.PENDING).first()
        if pending is None:
            raise ValidationError("Nothing waits for approval on this post; request approval first.",
                                  code="no_pending")
        services.approval_decide(pending, request.user, serializer.validated_data["approve"],
                                 serializer.validated_data.get("comment", ""))
        return self.status_body(post)
