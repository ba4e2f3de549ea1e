"""The media library over the API: list, upload (multipart), one asset, its alt text, delete.

Writes go through media.services, the same as the library page: the same checks, the same messages, and a
delete refused (409) while a post that may still be sent uses the file. Posts reference an uploaded file by
its id: `{"asset": <id>}` in a post's or variant's `media`.
"""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.parsers import MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from api.errors import Conflict
from api.serializers_media import AltTextSerializer, MediaAssetSerializer, MediaFilterSerializer, MediaUploadSerializer
from api.views import WorkspaceAPIView
from media import services
from media.models import MediaAsset
from media.selectors import assets_for_workspace
from media.views import WRITERS

IN_USE = OpenApiResponse(description="A post that is not published yet uses the file (code asset_in_use).")


class MediaBase(WorkspaceAPIView):
    serializer_class = MediaAssetSerializer
    write_roles = WRITERS  # the library page's writers: community managers attach images to replies too

    def get_queryset(self) -> QuerySet:
        return assets_for_workspace(self.workspace)

    def answer(self, asset: MediaAsset, code: int = status.HTTP_200_OK) -> Response:
        return Response(self.get_serializer(asset).data, status=code)


class MediaList(MediaBase):
    # Files come as multipart/form-data; JSON carries no file, so it is refused with 415.
    parser_classes = [MultiPartParser]

    @extend_schema(parameters=[MediaFilterSerializer], responses=MediaAssetSerializer(many=True))
    def get(self, request: Request) -> Response:
        """The workspace's media library, newest first."""
        filters = MediaFilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        assets = assets_for_workspace(self.workspace, filters.validated_data.get("q", ""))
        kind = filters.validated_data.get("kind")
        if kind:
            assets = assets.filter(mime_type__startswith=f"{kind}/")
        return self.paged(assets)

    @extend_schema(request={"multipart/form-data": MediaUploadSerializer}, responses={201: MediaAssetSerializer})
    def post(self, request: Request) -> Response:
        """Upload an image or video (multipart/form-data: `file`, optional `alt_text`). 400 names what is wrong
        with the file: its type, size, or damage. Use the answer's `id` in a post's media: `{"asset": id}`."""
        form = MediaUploadSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        try:
            asset = services.asset_upload(self.workspace, form.validated_data["file"], uploaded_by=request.user)
        except services.UploadRejected as exc:
            raise serializers.ValidationError({"file": [exc.message]}) from None
        alt_text = form.validated_data.get("alt_text", "")
        if alt_text:  # checked above against the same limit, so this cannot refuse after the file was stored
            asset = services.asset_set_alt_text(asset, alt_text, actor=request.user)
        return self.answer(asset, status.HTTP_201_CREATED)


class MediaDetail(MediaBase):
    def get(self, request: Request, pk: int) -> Response:
        """One file of the media library."""
        return self.answer(self.get_object())

    @extend_schema(request=AltTextSerializer, responses={200: MediaAssetSerializer})
    def patch(self, request: Request, pk: int) -> Response:
        """Change the alt text (the only editable field). Posts that already use the file keep the alt text
        they were given."""
        asset = self.get_object()
        form = AltTextSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        if "alt_text" not in form.validated_data:
            return self.answer(asset)
        try:
            asset = services.asset_set_alt_text(asset, form.validated_data["alt_text"], actor=request.user)
        except services.UploadRejected as exc:
            raise serializers.ValidationError({"alt_text": [exc.message]}) from None
        return self.answer(asset)

    @extend_schema(responses={204: None, 409: IN_USE})
    def delete(self, request: Request, pk: int) -> Response:
        """Delete the file. Refused (409) while a post that is not published yet uses it."""
        try:
            services.asset_delete(self.get_object(), actor=request.user)
        except services.AssetInUse as exc:
            raise Conflict(exc.message or _("This file is in use."), code="asset_in_use") from None
        return Response(status=status.HTTP_204_NO_CONTENT)
