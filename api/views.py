"""API base view (token auth, roles, throttling, the workspace's time zone) plus channels and campaigns."""

from __future__ import annotations

from typing import Any

from django.db.models import Model, QuerySet
from django.http import Http404
from django.utils import timezone
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.generics import GenericAPIView
from rest_framework.pagination import PageNumberPagination
from rest_framework.parsers import JSONParser
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response

from api import schema as _schema  # noqa: F401  (registers the bearer scheme with drf-spectacular)
from api.authentication import BearerTokenAuthentication
from api.errors import api_exception_handler
from api.permissions import EDITORS, WorkspaceRole
from api.selectors import campaigns_for_workspace
from api.serializers import MAX_ID, CampaignSerializer, ChannelSerializer
from api.throttling import TokenRateThrottle
from platforms.selectors import channels_for_workspace
from scheduler.campaigns import campaign_archive, campaign_create, campaign_delete, campaign_update
from scheduler.views_pages import workspace_zone
from workspaces.models import Workspace


class Pages(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200


class WorkspaceAPIView(GenericAPIView):
    """Every endpoint: one workspace (the token's), times rendered in its zone, errors in one JSON shape."""

    authentication_classes = [BearerTokenAuthentication]
    permission_classes = [WorkspaceRole]
    throttle_classes = [TokenRateThrottle]
    renderer_classes = [JSONRenderer]
    parser_classes = [JSONParser]
    pagination_class = Pages
    schema = AutoSchema()
    write_roles: tuple[str, ...] = EDITORS
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    @property
    def workspace(self) -> Workspace:
        return self.request.auth.workspace

    def get_exception_handler(self):  # noqa: ANN201 - DRF's hook
        return api_exception_handler

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        timezone.activate(workspace_zone(self.workspace))

    def finalize_response(self, request: Request, response: Response, *args: Any, **kwargs: Any) -> Response:
        timezone.deactivate()
        return super().finalize_response(request, response, *args, **kwargs)

    def get_serializer_context(self) -> dict[str, Any]:
        context = super().get_serializer_context()
        if self.request is not None and self.request.auth is not None:
            context["workspace"] = self.workspace
        return context

    def get_object(self) -> Model:
        """The object by its URL id within the workspace; ids of other workspaces are 404 like missing ones."""
        pk = self.kwargs["pk"]
        if int(pk) > MAX_ID:
            raise Http404
        found = self.get_queryset().filter(pk=pk).first()
        if found is None:
            raise Http404
        return found

    def paged(self, queryset: QuerySet) -> Response:
        page = self.paginate_queryset(queryset)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)


class ChannelBase(WorkspaceAPIView):
    serializer_class = ChannelSerializer

    def get_queryset(self) -> QuerySet:
        return channels_for_workspace(self.workspace)


class ChannelList(ChannelBase):
    @extend_schema(responses=ChannelSerializer(many=True))
    def get(self, request: Request) -> Response:
        """The workspace's connected channels with their health."""
        return self.paged(self.get_queryset())


class ChannelDetail(ChannelBase):
    def get(self, request: Request, pk: int) -> Response:
        return Response(self.get_serializer(self.get_object()).data)


class CampaignBase(WorkspaceAPIView):
    serializer_class = CampaignSerializer

    def get_queryset(self) -> QuerySet:
        return campaigns_for_workspace(self.workspace)


class CampaignList(CampaignBase):
    @extend_schema(responses=CampaignSerializer(many=True))
    def get(self, request: Request) -> Response:
        return self.paged(self.get_queryset())

    def post(self, request: Request) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        fields = dict(serializer.validated_data)
        archived = fields.pop("archived", False)
        campaign = campaign_create(self.workspace, actor=request.user, **fields)
        if archived:
            campaign_archive(campaign, request.user)
        return Response(self.get_serializer(campaign).data, status=status.HTTP_201_CREATED)


class CampaignDetail(CampaignBase):
    def get(self, request: Request, pk: int) -> Response:
        return Response(self.get_serializer(self.get_object()).data)

    def patch(self, request: Request, pk: int) -> Response:
        campaign = self.get_object()
        serializer = self.get_serializer(campaign, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        fields = dict(serializer.validated_data)
        archived = fields.pop("archived", None)
        campaign = campaign_update(campaign, actor=request.user, **fields) if fields else campaign
        if archived is not None:
            campaign_archive(campaign, request.user, archived=archived)
        return Response(self.get_serializer(campaign).data)

    @extend_schema(responses={204: None})
    def delete(self, request: Request, pk: int) -> Response:
        """Delete the campaign; its posts stay, without a campaign (and without an audience of it)."""
        campaign_delete(self.get_object(), actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)
