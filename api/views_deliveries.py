"""Deliveries: list with filters, one delivery with its attempts, cancel."""

from __future__ import annotations

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response

from api.selectors import deliveries_filtered
from api.serializers import DeliveryDetailSerializer, DeliveryFilterSerializer, DeliverySerializer
from api.views import WorkspaceAPIView
from scheduler.models import Delivery
from scheduler.services import delivery_cancel


class DeliveryList(WorkspaceAPIView):
    serializer_class = DeliverySerializer

    def get_queryset(self) -> QuerySet:
        return deliveries_filtered(self.workspace)

    @extend_schema(parameters=[DeliveryFilterSerializer], responses=DeliverySerializer(many=True))
    def get(self, request: Request) -> Response:
        """Deliveries by due time, optionally only one state, channel or post."""
        filters = DeliveryFilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        wanted = filters.validated_data
        return self.paged(deliveries_filtered(self.workspace, state=wanted.get("state"),
                                              channel_id=wanted.get("channel"), post_id=wanted.get("post")))


class DeliveryDetail(WorkspaceAPIView):
    serializer_class = DeliveryDetailSerializer

    def get_queryset(self) -> QuerySet:
        return deliveries_filtered(self.workspace).prefetch_related("attempts")

    def get(self, request: Request, pk: int) -> Response:
        return Response(self.get_serializer(self.get_object()).data)


class DeliveryCancel(DeliveryDetail):
    http_method_names = ["post", "options"]

    @extend_schema(request=None, responses={200: DeliveryDetailSerializer})
    def post(self, request: Request, pk: int) -> Response:
        """Cancel this delivery; 409 once its send has started or finished."""
        delivery: Delivery = delivery_cancel(self.get_object(), actor=request.user)
        return Response(self.get_serializer(self.get_queryset().get(pk=delivery.pk)).data)
